import type { GpuReading } from '../../../shared/model/snapshot';
import { formatGiB } from '../../../shared/units/bytes';

const LLM_COLOURS = ['var(--owner-1)', 'var(--owner-2)', 'var(--owner-3)', 'var(--owner-4)'];

/**
 * Who holds this GPU's memory, as one stacked bar: each LLM server (by process), other apps,
 * driver/graphics/unlisted, and free. Shown only where the platform reports processes.
 */
export function OwnersBar({ gpu }: { gpu: GpuReading }) {
  // Only where processes are listed: with none, everything would read as "unlisted".
  if (!gpu.owners?.length || !gpu.processes?.length) return null;
  const total = gpu.memoryTotalBytes;
  let llm = 0;
  const parts = gpu.owners
    .filter((o) => o.bytes !== null && o.bytes > 0)
    .map((o) => ({
      ...o,
      colour: o.kind === 'llm' ? LLM_COLOURS[llm++ % LLM_COLOURS.length]! : o.kind === 'other' ? 'var(--owner-other)' : 'var(--owner-unattributed)',
    }));
  const unknown = gpu.owners.filter((o) => o.bytes === null);
  const summary = parts.map((p) => `${p.label} ${formatGiB(p.bytes, 2)}`).join(', ');
  return (
    <section className="card owners-card" aria-label={`Who holds the memory of ${gpu.name}`} data-testid={`owners-${gpu.id}`}>
      <h3 className="small-title">Who holds the VRAM</h3>
      <div className="owners-bar" role="img" aria-label={`${summary}; free ${formatGiB(gpu.memoryFreeBytes, 2)}`}>
        {parts.map((p) => (
          <div key={p.label} className="owners-part" style={{ width: `${(100 * (p.bytes ?? 0)) / total}%`, background: p.colour }} title={`${p.label}: ${formatGiB(p.bytes, 2)} (${(p.bytes ?? 0).toLocaleString()} bytes)`} />
        ))}
      </div>
      <ul className="owners-legend">
        {parts.map((p) => (
          <li key={p.label} data-testid="owner" data-kind={p.kind}>
            <span className="swatch" style={{ background: p.colour }} aria-hidden="true" />
            {p.label}: <strong>{formatGiB(p.bytes, 2)}</strong>
          </li>
        ))}
        <li>
          <span className="swatch swatch-free" aria-hidden="true" />
          Free: <strong>{formatGiB(gpu.memoryFreeBytes, 2)}</strong>
        </li>
        {unknown.map((o) => (
          <li key={o.label} className="muted">
            {o.label}: not reported by the driver{gpu.vendor === 'nvidia' ? ' (Windows WDDM hides per-process memory)' : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}
