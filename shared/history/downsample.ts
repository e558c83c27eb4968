/**
 * Min/max-preserving downsampling for time series: the range is cut into buckets and each
 * bucket keeps its minimum and its maximum (in time order), so a one-sample spike never
 * disappears from a chart of a week of 1 s samples.
 */

export interface SeriesPoint {
  atMs: number;
  value: number;
}

/**
 * Reduces `points` (sorted by atMs) to at most about `maxPoints` points.
 * Returns the input unchanged when it is already small enough. `maxPoints` < 4 is treated as 4.
 */
export function downsampleMinMax<T>(points: readonly T[], maxPoints: number, atMs: (p: T) => number, value: (p: T) => number): T[] {
  const limit = Math.max(4, Math.floor(maxPoints));
  if (points.length <= limit) return [...points];
  const buckets = Math.floor(limit / 2);
  const first = atMs(points[0]!);
  const last = atMs(points[points.length - 1]!);
  const span = Math.max(1, last - first + 1);
  const out: T[] = [];
  let i = 0;
  for (let b = 0; b < buckets && i < points.length; b++) {
    const end = first + ((b + 1) * span) / buckets;
    let minP: T | null = null;
    let maxP: T | null = null;
    let minI = -1;
    let maxI = -1;
    while (i < points.length && (atMs(points[i]!) < end || b === buckets - 1)) {
      const p = points[i]!;
      if (minP === null || value(p) < value(minP)) {
        minP = p;
        minI = i;
      }
      if (maxP === null || value(p) > value(maxP)) {
        maxP = p;
        maxI = i;
      }
      i++;
    }
    if (minP === null || maxP === null) continue;
    if (minI === maxI) out.push(minP);
    else if (minI < maxI) out.push(minP, maxP);
    else out.push(maxP, minP);
  }
  return out;
}

/** `downsampleMinMax` of each GPU's series (by `gpuId`, on used bytes), merged back in time order. */
export function downsamplePerGpu<T extends { atMs: number; gpuId: string; memoryUsedBytes: number }>(points: readonly T[], maxPoints: number): T[] {
  const byGpu = new Map<string, T[]>();
  for (const p of points) {
    let list = byGpu.get(p.gpuId);
    if (!list) byGpu.set(p.gpuId, (list = []));
    list.push(p);
  }
  const out: T[] = [];
  for (const list of byGpu.values()) out.push(...downsampleMinMax(list, maxPoints, (p) => p.atMs, (p) => p.memoryUsedBytes));
  return out.sort((a, b) => a.atMs - b.atMs);
}
