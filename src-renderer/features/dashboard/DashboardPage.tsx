import type { HistoryPoint } from '../../../shared/contract/requests';
import type { Snapshot } from '../../../shared/model/snapshot';
import { AlertBanner } from '../alerts/AlertBanner';
import { GpuCard } from '../gpu/GpuCard';
import { ModelCard } from '../models/ModelCard';
import { SourceList } from '../sources/SourceList';
import { RamBar } from '../system/RamBar';
import { OwnersBar } from './OwnersBar';

function GpuEmptyState({ snapshot }: { snapshot: Snapshot }) {
  const gpuSources = snapshot.sources.filter((s) => s.id !== 'system' && s.id !== 'discovery' && !s.id.startsWith('backend:'));
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
}

function ModelsSection({ snapshot }: { snapshot: Snapshot }) {
  const loaded = snapshot.backends.flatMap((b) => b.models.map((m) => ({ b, m })));
  const discovery = snapshot.sources.find((s) => s.id === 'discovery' && s.status !== 'ok');
  return (
    <section aria-labelledby="models-title" className="models">
      <h2 id="models-title" className="section-title">
        Loaded models
      </h2>
      {loaded.length === 0 ? (
        <div className="card empty" data-testid="models-empty">
          <p>{discovery?.message ?? (snapshot.backends.length ? 'No model is loaded right now.' : 'No LLM server configured.')}</p>
        </div>
      ) : (
        <div className="model-grid">
          {loaded.map(({ b, m }) => (
            <ModelCard key={`${b.id}/${m.name}`} backend={b} model={m} gpus={snapshot.gpus} />
          ))}
        </div>
      )}
    </section>
  );
}

export interface DashboardPageProps {
  snapshot: Snapshot;
  history: Map<string, HistoryPoint[]>;
  version: number;
  compact?: boolean;
}

/** The live view: alerts, one card per GPU, loaded models, RAM and sources. */
export function DashboardPage({ snapshot, history, version, compact = false }: DashboardPageProps) {
  const warningPct = snapshot.thresholds?.warningPct ?? 80;
  const criticalPct = snapshot.thresholds?.criticalPct ?? 90;
  return (
    <>
      <AlertBanner alerts={snapshot.alerts} />
      <div className="gpu-grid">
        {snapshot.gpus.length === 0 ? (
          <GpuEmptyState snapshot={snapshot} />
        ) : (
          snapshot.gpus.map((g) => (
            <div key={g.id} className="gpu-stack">
              <GpuCard
                gpu={g}
                history={history.get(g.id) ?? []}
                warningPct={snapshot.thresholds?.perGpu?.[g.id]?.warningPct ?? warningPct}
                criticalPct={snapshot.thresholds?.perGpu?.[g.id]?.criticalPct ?? criticalPct}
                version={version}
                snapshot={snapshot}
                compact={compact}
              />
              <OwnersBar gpu={g} />
            </div>
          ))
        )}
      </div>
      <ModelsSection snapshot={snapshot} />
      {!compact && (
        <div className="bottom-grid">
          {snapshot.system && <RamBar system={snapshot.system} />}
          <SourceList sources={snapshot.sources} backends={snapshot.backends} hasGpus={snapshot.gpus.length > 0} />
        </div>
      )}
      <footer className="muted small">
        Units: GiB = 2³⁰ bytes. Thresholds: warning {warningPct}%, critical {criticalPct}% of GPU memory.
      </footer>
    </>
  );
}
