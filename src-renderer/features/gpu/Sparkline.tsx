import type { HistoryPoint } from '../../../shared/contract/requests';
import { sparklineModel } from './sparkline';

const WIDTH = 300;
const HEIGHT = 40;

/** The compact popover's small chart: memory fill over the last minutes, with the thresholds. */
export function Sparkline({ history, nowMs, windowMs = 5 * 60_000, warningPct, criticalPct, level }: { history: readonly HistoryPoint[]; nowMs: number; windowMs?: number; warningPct: number; criticalPct: number; level: string }) {
  const m = sparklineModel(history, { nowMs, windowMs, width: WIDTH, height: HEIGHT, warningPct, criticalPct });
  const minutes = Math.round(windowMs / 60_000);
  const span = m.spanMs >= windowMs - 1000 ? `${minutes} min` : m.spanMs >= 60_000 ? `${Math.round(m.spanMs / 60_000)} min` : `${Math.max(1, Math.round(m.spanMs / 1000))} s`;
  const label =
    m.fromPct === null
      ? `Memory used, last ${minutes} minutes: no readings yet`
      : `Memory used, last ${minutes} minutes: from ${Math.round(m.fromPct)}% to ${Math.round(m.toPct ?? m.fromPct)}%, highest ${Math.round(m.maxPct ?? m.fromPct)}%`;
  return (
    <figure className="sparkline" data-testid="gpu-sparkline" data-points={m.points}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={label}>
        <line className="sparkline-threshold sparkline-warning" x1="0" x2={WIDTH} y1={m.warningY} y2={m.warningY} />
        <line className="sparkline-threshold sparkline-critical" x1="0" x2={WIDTH} y1={m.criticalY} y2={m.criticalY} />
        {m.area && <path className={`sparkline-area level-${level}`} d={m.area} />}
        {m.path && <path className={`sparkline-line level-${level}`} d={m.path} />}
      </svg>
      <figcaption className="muted small">
        Last {span}{m.maxPct !== null ? ` · peak ${Math.round(m.maxPct)}%` : ''}
      </figcaption>
    </figure>
  );
}
