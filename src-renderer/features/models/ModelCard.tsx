import { backendKindLabels } from '../../../shared/model/backend-labels';
import type { BackendReading, GpuReading, LoadedModel } from '../../../shared/model/snapshot';
import { formatBytes, formatGiB } from '../../../shared/units/bytes';
import { LlamaCppSlots, VllmDetails } from './BackendDetails';
import { MeasuredPanel } from './MeasuredPanel';
import { PredictionPanel } from './PredictionPanel';

/** Ends a message with one full stop (messages may or may not carry their own). */
const sentence = (text: string) => (/[.?!]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`);

const kindName = backendKindLabels;

export interface ModelCardProps {
  backend: BackendReading;
  model: LoadedModel;
  /** The Snapshot's GPUs: with them the headroom chart shows other apps' usage on the model's GPU. */
  gpus?: readonly GpuReading[];
}

/** One loaded model: its memory figures, its server's own view (vLLM queue, llama.cpp slots) and the headroom chart. */
export function ModelCard({ backend, model, gpus }: ModelCardProps) {
  const prediction = model.prediction ?? null;
  const gpu = prediction ? gpus?.find((g) => g.id === prediction.gpuId) : undefined;
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
      {backend.kind === 'vllm' && <VllmDetails model={model} />}
      {(backend.kind === 'llamacpp' || model.slots) && <LlamaCppSlots model={model} />}
      {backend.note && (
        <p className="muted small" data-testid="backend-note">
          {backend.note}
        </p>
      )}
      {model.kvSource && <p className="muted small">KV figures: {model.kvSource}</p>}
      {model.measured && <MeasuredPanel model={model} measured={model.measured} prediction={prediction} />}
      {prediction ? (
        <PredictionPanel model={model} prediction={prediction} gpu={gpu} />
      ) : (
        model.predictionError && (
          <p className="small text-warning" data-testid="prediction-error">
            No headroom prediction for this model: {sentence(model.predictionError.replace(/^cannot predict:\s*/i, ''))}
          </p>
        )
      )}
    </section>
  );
}
