import type { HistoryPoint } from '../../../shared/contract/requests';

/** What the compact popover's sparkline draws: the last minutes of one GPU's memory fill. */
export interface SparklineModel {
  /** SVG path `M x y L x y …` in a width × height box (y grows down; 0 % at the bottom). */
  path: string;
  /** The same line closed along the bottom, for a light fill. */
  area: string;
  /** Threshold lines (warning, critical) as y positions. */
  warningY: number;
  criticalY: number;
  /** First and last fill in the window, percent, for the accessible label. */
  fromPct: number | null;
  toPct: number | null;
  maxPct: number | null;
  points: number;
  /** The time the line spans (ms): the window, or less while history is still filling it. */
  spanMs: number;
}

/**
 * Percent fill over the last `windowMs` before `nowMs`, scaled to the box (x by time, so a gap
 * in the data stays a gap in time; a history shorter than the window spans the whole width).
 * Pure; at most `maxPoints` points (evenly thinned).
 */
export function sparklineModel(
  history: readonly HistoryPoint[],
  opts: { nowMs: number; windowMs: number; width: number; height: number; warningPct: number; criticalPct: number; maxPoints?: number },
): SparklineModel {
  const { nowMs, windowMs, width, height } = opts;
  const y = (pct: number) => Math.round((height - (Math.min(100, Math.max(0, pct)) / 100) * height) * 10) / 10;
  const inWindow = history.filter((p) => p.atMs >= nowMs - windowMs && p.atMs <= nowMs && p.memoryTotalBytes > 0);
  const max = opts.maxPoints ?? 120;
  const step = Math.max(1, Math.ceil(inWindow.length / max));
  const thinned = inWindow.filter((_, i) => i % step === 0 || i === inWindow.length - 1);
  // While history is younger than the window, the line spans what there is (full width).
  const startMs = Math.max(nowMs - windowMs, thinned[0]?.atMs ?? nowMs);
  const spanMs = Math.max(1, nowMs - startMs);
  const pts = thinned.map((p) => {
    const pct = (p.memoryUsedBytes / p.memoryTotalBytes) * 100;
    const x = Math.round(((p.atMs - startMs) / spanMs) * width * 10) / 10;
    return { x, y: y(pct), pct };
  });
  const path = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ');
  const area = pts.length > 1 ? `${path} L${pts[pts.length - 1]!.x} ${height} L${pts[0]!.x} ${height} Z` : '';
  return {
    path,
    area,
    warningY: y(opts.warningPct),
    criticalY: y(opts.criticalPct),
    fromPct: pts[0]?.pct ?? null,
    toPct: pts[pts.length - 1]?.pct ?? null,
    maxPct: pts.length ? Math.max(...pts.map((p) => p.pct)) : null,
    points: pts.length,
    spanMs: pts.length > 1 ? spanMs : 0,
  };
}
