import type { BackendReading, LoadedModel } from '../../../shared/model/snapshot';
import { formatBytes, formatGiB } from '../../../shared/units/bytes';

const kindName = { ollama: 'Ollama', vllm: 'vLLM', llamacpp: 'llama.cpp', lmstudio: 'LM Studio', openai: 'OpenAI-compatible' } as const;

export function ModelCard({ backend, model }: { backend: BackendReading; model: LoadedModel }) {
  const gpuShare = model.sizeBytes && model.vramBytes !== null && model.sizeBytes > 0 ? Math.min(1, model.vramBytes / model.sizeBytes) : null;
  const spilled = gpuShare !== null && gpuShare < 0.999;
  return (
    <section className="card model-card" data-testid="model-card" aria-label={`Model ${model.name}`}>
      <header className="card-header">
        <h3>{model.name}</h3>
        <span className="muted">
          {kindName[backend.kind]} · {backend.url.replace(/^https?:\/\//, '')}
        </span>
      </header>
      <dl className="stats">
        <div>
          <dt>Context</dt>
          <dd data-testid="model-context">{model.contextLength === null ? 'unknown' : `${model.contextLength.toLocaleString()} tokens`}</dd>
        </div>
        <div>
          <dt>KV cache at this context</dt>
          <dd data-testid="model-kv-cache" title={model.kvCacheBytes === null ? undefined : `${model.kvCacheBytes.toLocaleString()} bytes`}>
            {model.kvCacheBytes === null ? '—' : formatGiB(model.kvCacheBytes, 2)}
          </dd>
        </div>
        <div>
          <dt>KV per token</dt>
          <dd data-testid="model-kv-per-token">{model.kvBytesPerToken === null ? '—' : formatBytes(model.kvBytesPerToken)}</dd>
        </div>
        <div>
          <dt>Size loaded</dt>
          <dd>{formatGiB(model.sizeBytes, 2)}</dd>
        </div>
        <div>
          <dt>In VRAM / RAM</dt>
          <dd data-testid="model-split" className={spilled ? 'text-warning' : undefined}>
            {gpuShare === null
              ? '—'
              : spilled
                ? `${Math.round(gpuShare * 100)}% on GPU — ${formatGiB((model.sizeBytes ?? 0) - (model.vramBytes ?? 0), 2)} spilled to system RAM`
                : '100% on GPU'}
          </dd>
        </div>
        {(model.quantization || model.parameterSize) && (
          <div>
            <dt>Weights</dt>
            <dd>{[model.parameterSize, model.quantization].filter(Boolean).join(' · ')}</dd>
          </div>
        )}
      </dl>
      {model.kvSource && <p className="muted small">KV figures: {model.kvSource}</p>}
    </section>
  );
}
