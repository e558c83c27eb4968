import type { HistoryPoint } from '../../../shared/contract/requests';

/** A straight projection of the recent trend, in bytes, for the timeline's dashed line. */
export interface Projection {
  fromMs: number;
  fromBytes: number;
  toMs: number;
  toBytes: number;
}

/**
 * Least-squares slope of used bytes over the last `fitMs` and a line extending it by up to
 * `horizonMs` (stopping at the GPU's total). Null unless the slope is positive or `force` (a
 * forecast alert is active) — a flat or falling trend is not projected. Needs ≥ 3 points
 * spanning ≥ 10 s so two samples of noise are not called a trend.
 */
export function projectTrend(points: readonly HistoryPoint[], { fitMs, horizonMs, totalBytes, force = false }: { fitMs: number; horizonMs: number; totalBytes: number; force?: boolean }): Projection | null {
  const last = points[points.length - 1];
  if (!last || horizonMs <= 0) return null;
  const recent = points.filter((p) => p.atMs >= last.atMs - fitMs);
  if (recent.length < 3 || last.atMs - recent[0]!.atMs < 10_000) return null;
  const t0 = recent[0]!.atMs;
  const n = recent.length;
  let sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const p of recent) {
    const x = p.atMs - t0;
    sx += x;
    sy += p.memoryUsedBytes;
    sxx += x * x;
    sxy += x * p.memoryUsedBytes;
  }
  const denom = n * sxx - sx * sx;
  if (denom <= 0) return null;
  const slope = (n * sxy - sx * sy) / denom;
  if (!(slope > 0) && !force) return null;
  const intercept = (sy - slope * sx) / n;
  const fromBytes = intercept + slope * (last.atMs - t0);
  let toMs = last.atMs + horizonMs;
  if (slope > 0 && fromBytes + slope * horizonMs > totalBytes) toMs = last.atMs + Math.max(0, (totalBytes - fromBytes) / slope);
  const toBytes = Math.min(totalBytes, Math.max(0, fromBytes + slope * (toMs - last.atMs)));
  return { fromMs: last.atMs, fromBytes: Math.max(0, fromBytes), toMs, toBytes };
}
