import type { SystemMemory } from '../../../shared/model/snapshot';
import { formatGiB, usedPct } from '../../../shared/units/bytes';

export function RamBar({ system }: { system: SystemMemory }) {
  const pct = usedPct(system.memoryUsedBytes, system.memoryTotalBytes) ?? 0;
  const swapPct = usedPct(system.swapUsedBytes, system.swapTotalBytes);
  return (
    <section className="card ram-card" aria-labelledby="ram-title">
      <header className="card-header">
        <h2 id="ram-title">System memory</h2>
        <span className="muted" data-testid="ram-text">
          {formatGiB(system.memoryUsedBytes)} / {formatGiB(system.memoryTotalBytes)} ({pct.toFixed(0)}%)
        </span>
      </header>
      <div className="bar" role="meter" aria-label="System RAM used" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(pct)}>
        {/* To 0.1 % (under a pixel): system RAM moves a little every tick, and each new width costs a layout and a repaint. */}
        <div className="bar-fill" style={{ width: `${Math.round(pct * 10) / 10}%` }} />
      </div>
      <p className="muted small">
        Swap: {system.swapTotalBytes === 0 ? 'none' : `${formatGiB(system.swapUsedBytes)} / ${formatGiB(system.swapTotalBytes)} (${swapPct?.toFixed(0) ?? 0}%)`}
      </p>
    </section>
  );
}
