import { memo } from 'react';
import type { HistoryPoint } from '../../../shared/contract/requests';
import type { BackendReading, GpuReading, Snapshot, SourceStatus } from '../../../shared/model/snapshot';
import { AlertBanner } from '../alerts/AlertBanner';
import { GpuCard } from '../gpu/GpuCard';
import { ModelCard } from '../models/ModelCard';
import { SourceList } from '../sources/SourceList';
import { RamBar } from '../system/RamBar';
import { OwnersBar } from './OwnersBar';

const GpuEmptyState = memo(function GpuEmptyState({ sources }: { sources: SourceStatus[] }) {
  const gpuSources = sources.filter((s) => s.id !== 'system' && s.id !== 'discovery' && !s.id.startsWith('backend:'));
  const reasons = gpuSources.filter((s) => s.status !== 'ok').map((s) => `${s.label ?? s.id}: ${s.message ?? s.status}`);
  return (
    <section className="card empty" data-testid="gpu-empty">
      <h2>No GPU found</h2>
      {reasons.length ? (
        <ul className="reasons">
          {reasons.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
      ) : (
        <p>No GPU memory source reported a reading.</p>
      )}
      <p className="muted small">
        Headroom reads NVIDIA GPUs through nvidia-smi, AMD through amd-smi or rocm-smi, Apple Silicon through sysctl and Windows GPUs through performance counters. Try{' '}
        <code>headroom serve --demo</code> to see the dashboard with scripted data.
      </p>
    </section>
  );
});

const ModelsSection = memo(function ModelsSection({ backends, gpus, sources }: { backends: BackendReading[]; gpus: GpuReading[]; sources: SourceStatus[] }) {
  const loaded = backends.flatMap((b) => b.models.map((m) => ({ b, m })));
  const discovery = sources.find((s) => s.id === 'discovery' && s.status !== 'ok');
  return (
    <section aria-labelledby="models-title" className="models">
      <h2 id="models-title" className="section-title">
        Loaded models
      </h2>
      {loaded.length === 0 ? (
        <div className="card empty" data-testid="models-empty">
          <p>{discovery?.message ?? (backends.length ? 'No model is loaded right now.' : 'No LLM server configured.')}</p>
        </div>
      ) : (
        <div className="model-grid">
          {loaded.map(({ b, m }) => (
            <ModelCard key={`${b.id}/${m.name}`} backend={b} model={m} gpus={gpus} />
          ))}
        </div>
      )}
    </section>
  );
});

const Alerts = memo(AlertBanner);
const Owners = memo(OwnersBar);
const Ram = memo(RamBar);
const Sources = memo(SourceList);

export interface DashboardPageProps {
  snapshot: Snapshot;
  history: Map<string, HistoryPoint[]>;
  version: number;
  compact?: boolean;
}

/**
 * The live view: alerts, one card per GPU, loaded models, RAM and sources. Each part is memoised
 * on the parts of the Snapshot it shows (useLiveSnapshot keeps the identity of unchanged parts),
 * so a live update re-renders only what changed, and the timelines.
 */
export function DashboardPage({ snapshot, history, version, compact = false }: DashboardPageProps) {
  const warningPct = snapshot.thresholds?.warningPct ?? 80;
  const criticalPct = snapshot.thresholds?.criticalPct ?? 90;
  return (
    <>
      <Alerts alerts={snapshot.alerts} />
      <div className="gpu-grid">
        {snapshot.gpus.length === 0 ? (
          <GpuEmptyState sources={snapshot.sources} />
        ) : (
          snapshot.gpus.map((g) => (
            <div key={g.id} className="gpu-stack">
              <GpuCard
                gpu={g}
                history={history.get(g.id) ?? []}
                warningPct={snapshot.thresholds?.perGpu?.[g.id]?.warningPct ?? warningPct}
                criticalPct={snapshot.thresholds?.perGpu?.[g.id]?.criticalPct ?? criticalPct}
                version={version}
                backends={snapshot.backends}
                gpuCount={snapshot.gpus.length}
                atMs={snapshot.atMs}
                alerts={snapshot.alerts}
                historyState={snapshot.history}
                compact={compact}
              />
              <Owners gpu={g} />
            </div>
          ))
        )}
      </div>
      <ModelsSection backends={snapshot.backends} gpus={snapshot.gpus} sources={snapshot.sources} />
      {!compact && (
        <div className="bottom-grid">
          {snapshot.system && <Ram system={snapshot.system} />}
          <Sources sources={snapshot.sources} backends={snapshot.backends} hasGpus={snapshot.gpus.length > 0} />
        </div>
      )}
      <footer className="muted small">
        Units: GiB = 2³⁰ bytes. Thresholds: warning {warningPct}%, critical {criticalPct}% of GPU memory.
      </footer>
    </>
  );
}
