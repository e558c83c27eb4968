import type { GpuReading, LoadedModel, ModelPredictionView } from '../../../shared/model/snapshot';
import { formatGiB } from '../../../shared/units/bytes';
import { bytesAtContext, HeadroomChart, isModelMaximum, shortTokens } from '../../charts/HeadroomChart';
import { EstimatesNote } from './EstimatesNote';
import { formatTokens } from './format';
import { KvFitTable } from './KvFitTable';

/** The model's own share of the GPU now and other apps' usage, in the prediction's terms. */
export function currentUsage(model: LoadedModel, p: ModelPredictionView, gpu: GpuReading | undefined): { modelBytes: number | null; measured: boolean; otherAppsBytes: number | null } {
  const curve = p.curves.find((c) => c.cacheType === p.currentCacheType) ?? p.curves[0];
  const predicted = p.currentContextTokens !== null && curve ? bytesAtContext(curve.points, p.currentContextTokens) : null;
  if (model.vramBytes === null) return { modelBytes: predicted, measured: false, otherAppsBytes: null };
  // The backend's figure leaves out the runtime's own context (CUDA/cuBLAS), which the prediction
  // counts as overhead; add it so the point and the curve measure the same thing.
  const modelBytes = model.vramBytes + p.overheadBytes;
  const otherAppsBytes = gpu ? Math.max(0, gpu.memoryUsedBytes - modelBytes) : null;
  return { modelBytes, measured: true, otherAppsBytes };
}

/** The headroom chart for a loaded model, its accessible table, and what is estimated. */
export function PredictionPanel({ model, prediction: p, gpu }: { model: LoadedModel; prediction: ModelPredictionView; gpu?: GpuReading }) {
  const thresholdPct = p.gpuTotalBytes > 0 ? Math.round((p.thresholdBytes / p.gpuTotalBytes) * 100) : 90;
  const maxContext = p.curves[0]?.points.at(-1)?.contextTokens ?? null;
  const usage = currentUsage(model, p, gpu);
  const current =
    p.currentContextTokens !== null && usage.modelBytes !== null
      ? { contextTokens: p.currentContextTokens, bytes: usage.modelBytes, label: usage.measured ? `Now (${p.currentCacheType} KV, measured)` : `Now (${p.currentCacheType} KV, predicted)` }
      : null;
  const largest = p.curves
    .map((c) => {
      if (c.error) return `${c.cacheType} cannot be predicted`;
      if (c.largestContextTokens === null) return `${c.cacheType} nothing fits`;
      return `${c.cacheType} ${formatTokens(c.largestContextTokens)}${isModelMaximum(c.largestContextTokens, maxContext) ? ' (the model maximum)' : ''}`;
    })
    .join(', ');
  const aria =
    `Predicted VRAM against context for ${model.name} on a ${formatGiB(p.gpuTotalBytes, 2)} GPU. ` +
    `Largest context under the ${thresholdPct}% threshold (${formatGiB(p.thresholdBytes, 2)}): ${largest}.` +
    (current ? ` Now: ${formatTokens(current.contextTokens)}, ${formatGiB(current.bytes, 2)}.` : '') +
    (usage.otherAppsBytes ? ` Other apps use ${formatGiB(usage.otherAppsBytes, 2)}.` : '');
  return (
    <section className="prediction" aria-label={`Headroom for ${model.name}`} data-testid="prediction">
      <h4 className="prediction-title">
        VRAM vs context <span className="muted small">on {p.gpuId}, {formatGiB(p.gpuTotalBytes, 2)}</span>
      </h4>
      <HeadroomChart
        curves={p.curves}
        gpuTotalBytes={p.gpuTotalBytes}
        thresholdBytes={p.thresholdBytes}
        otherAppsBytes={usage.otherAppsBytes}
        current={current}
        maxContextTokens={maxContext}
        label={aria}
      />
      {usage.otherAppsBytes !== null && usage.otherAppsBytes > 0 && (
        <p className="muted small" data-testid="other-apps">
          Other apps hold {formatGiB(usage.otherAppsBytes, 2)} of this GPU now (the grey band under the total): a curve that reaches the band would not fit beside them.
        </p>
      )}
      <KvFitTable
        rows={p.curves}
        concurrency={p.concurrency}
        maxContextTokens={maxContext}
        thresholdPct={thresholdPct}
        currentCacheType={p.currentCacheType}
        caption={`What fits on ${p.gpuId} per KV cache type${maxContext ? ` (model maximum ${shortTokens(maxContext)})` : ''}`}
      />
      <EstimatesNote estimates={p.estimates} notes={p.notes} architectureSource={p.architectureSource} ruleSet={p.ruleSet ?? null} />
    </section>
  );
}
