import type { FleetHost } from '../../../shared/contract/fleet';
import { backendKindLabels } from '../../../shared/model/backend-labels';
import type { BackendReading, GpuReading, Snapshot } from '../../../shared/model/snapshot';
import { formatGiB, usedPct } from '../../../shared/units/bytes';
import { AlertBanner } from '../alerts/AlertBanner';
import { levelFor } from '../gpu/Gauge';
import { formatRatio, formatTokens } from '../models/format';
import { sinceLine, statusLevel, statusWords } from './host-status';

export const hostDomId = (host: FleetHost) => `host-${host.id.replace(/[^\w-]/g, '-')}`;

/** Header of a host's section: name, address, status badge and how current its figures are. */
export function HostHeader({ host }: { host: FleetHost }) {
  return (
    <header className="host-header">
      <h2 id={`${hostDomId(host)}-title`} className="host-title">
        {host.label}
        <span className={`badge badge-${statusLevel(host.status)}`} data-testid="host-status">
          {statusWords(host.status)}
        </span>
      </h2>
      <span className="muted small">
        {host.url && <code className="host-url">{host.url}</code>} <span data-testid="host-since">{sinceLine(host)}</span>
      </span>
    </header>
  );
}

function RemoteGpu({ gpu, snapshot }: { gpu: GpuReading; snapshot: Snapshot }) {
  const pct = usedPct(gpu.memoryUsedBytes, gpu.memoryTotalBytes);
  const t = snapshot.thresholds?.perGpu?.[gpu.id] ?? snapshot.thresholds;
  const level = levelFor(pct, t?.warningPct ?? 80, t?.criticalPct ?? 90);
  const extras = [gpu.utilizationPct !== null ? `${Math.round(gpu.utilizationPct)}% busy` : null, gpu.temperatureC !== null ? `${Math.round(gpu.temperatureC)} °C` : null].filter(Boolean);
  return (
    <li className={`card host-gpu level-${level}`} data-testid="host-gpu" aria-label={`${gpu.id} ${gpu.name}`}>
      <div className="card-header">
        <strong>
          {gpu.id.replace('gpu:', 'GPU ')} · {gpu.name}
        </strong>
        <span className={`badge badge-${level}`} data-testid="host-gpu-pct">
          {pct === null ? '—' : `${pct.toFixed(0)}%`}
        </span>
      </div>
      <div className={`bar host-bar bar-${level}`} role="meter" aria-label={`${gpu.id} memory used`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct === null ? undefined : Math.round(pct)}>
        <div className="bar-fill" style={{ width: `${pct ?? 0}%` }} />
      </div>
      <p className="small host-gpu-figures" data-testid="host-gpu-used">
        {formatGiB(gpu.memoryUsedBytes)} of {formatGiB(gpu.memoryTotalBytes)} used · <strong>{formatGiB(gpu.memoryFreeBytes)} free</strong>
        {extras.length > 0 && <span className="muted"> · {extras.join(' · ')}</span>}
      </p>
    </li>
  );
}

function RemoteModels({ backends }: { backends: BackendReading[] }) {
  if (!backends.length) return <p className="muted small">No LLM server on this host.</p>;
  return (
    <ul className="host-models" data-testid="host-models">
      {backends.map((b) => (
        <li key={b.id}>
          <span className={`dot dot-${b.status === 'up' ? 'ok' : 'error'}`} aria-hidden="true" />
          <strong>{backendKindLabels[b.kind] ?? b.kind}</strong> <span className="muted small">{b.status === 'up' ? 'up' : `${b.status}${b.message ? `: ${b.message}` : ''}`}</span>
          {b.models.length > 0 && (
            <ul className="host-model-list">
              {b.models.map((m) => {
                const parts = [
                  m.contextLength ? `context ${formatTokens(m.contextLength)}` : null,
                  m.kvCacheUsageRatio != null ? `KV cache ${formatRatio(m.kvCacheUsageRatio)} used` : null,
                  m.requestsRunning != null ? `${m.requestsRunning} running, ${m.requestsWaiting ?? 0} waiting` : null,
                  m.vramBytes != null ? `${formatGiB(m.vramBytes)} VRAM` : null,
                ].filter(Boolean);
                return (
                  <li key={m.name} className="small">
                    {m.name} {parts.length > 0 && <span className="muted">· {parts.join(' · ')}</span>}
                  </li>
                );
              })}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}

/** One line on the host's room: free VRAM over all its GPUs. */
export function capacityLine(s: Snapshot): string {
  if (!s.gpus.length) return 'No GPU reported.';
  const total = s.gpus.reduce((n, g) => n + g.memoryTotalBytes, 0);
  const free = s.gpus.reduce((n, g) => n + g.memoryFreeBytes, 0);
  return `${formatGiB(free)} free of ${formatGiB(total)} on ${s.gpus.length} GPU${s.gpus.length === 1 ? '' : 's'}.`;
}

/** A watched server's section: status, then (only while current) its alerts, capacity, GPUs and models. */
export function RemoteHostSection({ host }: { host: FleetHost }) {
  const s = host.snapshot;
  return (
    <section className={`host-section host-${host.status}`} aria-labelledby={`${hostDomId(host)}-title`} id={hostDomId(host)} data-testid="host-section" data-host={host.label} data-status={host.status}>
      <HostHeader host={host} />
      {host.status !== 'ok' && host.message && (
        <p className={`alert alert-${statusLevel(host.status) === 'critical' ? 'critical' : 'warning'}`} role="status" data-testid="host-message">
          {host.message}
        </p>
      )}
      {host.notes.length > 0 && (
        <ul className="host-notes muted small" aria-label={`Notes on ${host.label}`} data-testid="host-notes">
          {host.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
      {s && (
        <>
          <AlertBanner alerts={s.alerts.map((a) => ({ ...a, id: `${host.id}/${a.id}` }))} />
          <p className="host-capacity" data-testid="host-capacity">
            {capacityLine(s)}
            {s.demo && <span className="badge badge-demo">Demo</span>}
          </p>
          <ul className="host-gpus">
            {s.gpus.map((g) => (
              <RemoteGpu key={g.id} gpu={g} snapshot={s} />
            ))}
          </ul>
          <h3 className="small host-subtitle">LLM servers</h3>
          <RemoteModels backends={s.backends} />
        </>
      )}
    </section>
  );
}
