import { memo } from 'react';
import { backendKindLabels } from '../../../shared/model/backend-labels';
import type { HistoryPoint } from '../../../shared/contract/requests';
import type { Alert, BackendReading, GpuReading, Snapshot } from '../../../shared/model/snapshot';
import { formatGiB, headroomBytes, usedPct } from '../../../shared/units/bytes';
import { Gauge, levelFor } from './Gauge';
import { Sparkline } from './Sparkline';
import { TimelinePanel } from './TimelinePanel';

export interface GpuCardProps {
  gpu: GpuReading;
  history: HistoryPoint[];
  warningPct: number;
  criticalPct: number;
  /** Increments on each live update (`history` is appended in place). */
  version: number;
  /** The Snapshot's LLM servers (models on this GPU, vLLM's KV-cache view) and its GPU count. */
  backends?: readonly BackendReading[];
  gpuCount?: number;
  /** The Snapshot's time, its active alerts and its history state (the timeline's markers and notes). */
  atMs?: number;
  alerts?: readonly Alert[];
  historyState?: Snapshot['history'];
  /** Compact window (tray popover): a sparkline of the last minutes instead of the timeline. */
  compact?: boolean;
}

const levelText = { ok: 'OK', warning: 'Warning', critical: 'Critical', none: 'No data' } as const;
const NO_BACKENDS: readonly BackendReading[] = [];
/** Made once: `Number#toLocaleString()` builds a new formatter per call. */
const INTEGER = new Intl.NumberFormat();

/** The vLLM server that preallocated this GPU, and its KV-cache use (%), if any. */
function vllmOn(gpu: GpuReading, backends: readonly BackendReading[]): { vllm: BackendReading | undefined; kvPct: number | null } {
  const vllm = backends.find((b) => b.kind === 'vllm' && gpu.processes?.some((p) => p.backendId === b.id));
  const kvRatios = (vllm?.models ?? []).map((m) => m.kvCacheUsageRatio).filter((r): r is number => typeof r === 'number');
  return { vllm, kvPct: kvRatios.length ? Math.max(...kvRatios) * 100 : null };
}

/**
 * One GPU: level, figures, gauge, then the timeline (or the compact sparkline). Memoised: the
 * figures re-render when this GPU's reading, its servers or the thresholds change; the timeline
 * follows the live points.
 */
export const GpuCard = memo(function GpuCard({ gpu, history, warningPct, criticalPct, version, backends = NO_BACKENDS, gpuCount = 1, atMs, alerts, historyState, compact = false }: GpuCardProps) {
  const pct = usedPct(gpu.memoryUsedBytes, gpu.memoryTotalBytes);
  // vLLM preallocates its GPU (gpu_memory_utilization): there the headroom is its KV-cache usage.
  const { vllm, kvPct } = vllmOn(gpu, backends);
  const level = vllm ? levelFor(kvPct, warningPct, criticalPct) : levelFor(pct, warningPct, criticalPct);
  return (
    <section className={`card gpu-card level-${level}`} data-testid={`gpu-card-${gpu.id}`} data-level={level} aria-labelledby={`${gpu.id}-title`}>
      <GpuFigures gpu={gpu} backends={backends} gpuCount={gpuCount} warningPct={warningPct} criticalPct={criticalPct} />
      {compact && <Sparkline history={history} nowMs={atMs ?? Date.now()} warningPct={warningPct} criticalPct={criticalPct} level={level} />}
      {!compact && <TimelinePanel gpu={gpu} live={history} version={version} warningPct={warningPct} criticalPct={criticalPct} atMs={atMs} alerts={alerts} historyState={historyState} />}
    </section>
  );
});

const GpuFigures = memo(function GpuFigures({ gpu, backends, gpuCount, warningPct, criticalPct }: { gpu: GpuReading; backends: readonly BackendReading[]; gpuCount: number; warningPct: number; criticalPct: number }) {
  const pct = usedPct(gpu.memoryUsedBytes, gpu.memoryTotalBytes);
  const { vllm, kvPct } = vllmOn(gpu, backends);
  const level = vllm ? levelFor(kvPct, warningPct, criticalPct) : levelFor(pct, warningPct, criticalPct);
  const models = modelsOn(gpu, backends, gpuCount);
  const free = headroomBytes(gpu.memoryTotalBytes, gpu.memoryUsedBytes);
  const untilCritical = Math.round((gpu.memoryTotalBytes * criticalPct) / 100) - gpu.memoryUsedBytes;
  return (
    <>
      <header className="card-header">
        <h2 id={`${gpu.id}-title`}>
          {gpu.name} <span className="muted">({gpu.id})</span>
        </h2>
        <span className={`badge badge-${level}`} data-testid="gpu-level">
          {vllm && kvPct !== null ? `vLLM KV ${kvPct.toFixed(0)}%` : levelText[level]}
        </span>
      </header>
      {vllm && (
        <p className="muted small" data-testid="gpu-vllm-note">
          {vllm.id} preallocated this GPU{vllm.models[0]?.cacheConfig?.gpuMemoryUtilizationRatio != null ? ` (gpu_memory_utilization ${vllm.models[0].cacheConfig.gpuMemoryUtilizationRatio})` : ''}, so VRAM reads near full by design. Headroom
          watches its KV-cache usage instead{kvPct !== null ? `: ${kvPct.toFixed(0)}% of blocks in use` : ''}.
        </p>
      )}
      {gpu.stale && <p className="stale" role="status">Reading is stale: the GPU source has stopped updating.</p>}
      {models.length > 0 && (
        <p className="muted small" data-testid="gpu-models">
          On this GPU: {models.join(', ')}
        </p>
      )}
      <div className="gpu-body">
        <Gauge pct={pct} level={level} label={`${gpu.name} memory used`} />
        <dl className="stats">
          <div>
            <dt>Used</dt>
            <dd data-testid="gpu-used" title={`${INTEGER.format(gpu.memoryUsedBytes)} bytes`}>
              {formatGiB(gpu.memoryUsedBytes, 2)} <span className="muted">of {formatGiB(gpu.memoryTotalBytes, 2)}</span>
            </dd>
          </div>
          <div>
            <dt>Free (headroom)</dt>
            <dd data-testid="gpu-free" title={`${INTEGER.format(free)} bytes`}>
              {formatGiB(free, 2)}
            </dd>
          </div>
          <div>
            <dt>{untilCritical >= 0 ? `Until ${criticalPct}%` : `Past ${criticalPct}% by`}</dt>
            <dd data-testid="gpu-until-critical">{formatGiB(Math.abs(untilCritical), 2)}</dd>
          </div>
          <div>
            <dt>Utilization</dt>
            <dd>{gpu.utilizationPct === null ? '—' : `${gpu.utilizationPct}%`}</dd>
          </div>
          <div>
            <dt>Temperature</dt>
            <dd>{gpu.temperatureC === null ? '—' : `${gpu.temperatureC} °C`}</dd>
          </div>
          <div>
            <dt>Power</dt>
            <dd>{gpu.powerWatts === null ? '—' : `${gpu.powerWatts.toFixed(0)} W`}</dd>
          </div>
        </dl>
      </div>
    </>
  );
});

/**
 * The loaded models this GPU holds part of: from the process list (a server's process on this
 * GPU), or every loaded model when there is one GPU. A model split across GPUs shows on each.
 */
export function modelsOnGpu(gpu: GpuReading, snapshot: Snapshot | undefined): string[] {
  return snapshot ? modelsOn(gpu, snapshot.backends, snapshot.gpus.length) : [];
}

function modelsOn(gpu: GpuReading, backends: readonly BackendReading[], gpuCount: number): string[] {
  const ids = new Set((gpu.processes ?? []).map((p) => p.backendId).filter((id): id is string => id !== null));
  const onThis = ids.size > 0 ? backends.filter((b) => ids.has(b.id)) : gpuCount === 1 ? backends : [];
  return onThis.flatMap((b) => b.models.map((m) => `${m.name} (${backendKindLabels[b.kind]})`));
}
