/**
 * Robust trends for forecasts: pure, no clocks (callers pass `nowMs`). Times are epoch ms,
 * values in the caller's unit (percent of GPU memory, tokens, a 0–1 ratio).
 */

/** One observation of a series. */
export interface SeriesPoint {
  atMs: number;
  value: number;
}

/** Median of a non-empty list (the mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Reduces points to one per `bucketMs` bucket: the median time and the median value.
 * A single spike inside a bucket of three or more samples has no effect on its median.
 */
/** Pairs grow with the square of this: 48 points = 1128 slopes per fit. */
export const THEIL_SEN_MAX_POINTS = 48;

/** At most `max` points, evenly spaced by index, the first and last included. */
export function evenlySpaced<T>(points: readonly T[], max: number): readonly T[] {
  if (points.length <= max) return points;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}

export function bucketMedians(points: readonly SeriesPoint[], bucketMs: number): SeriesPoint[] {
  const buckets = new Map<number, SeriesPoint[]>();
  for (const p of points) {
    const key = Math.floor(p.atMs / bucketMs);
    const list = buckets.get(key);
    if (list) list.push(p);
    else buckets.set(key, [p]);
  }
  return [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((k) => {
      const list = buckets.get(k)!;
      return { atMs: median(list.map((p) => p.atMs)), value: median(list.map((p) => p.value)) };
    });
}

/** A fitted line: `value = slopePerMs × (t − originMs) + intercept`. */
export interface Line {
  slopePerMs: number;
  /** Fitted value at `originMs`. */
  intercept: number;
  originMs: number;
}

/**
 * Theil–Sen fit: the slope is the median of all pairwise slopes and the intercept the median
 * residual, so up to ~29% of outlying points do not move it. O(n²): callers bucket first.
 * Null with fewer than two distinct times.
 */
export function theilSen(allPoints: readonly SeriesPoint[], originMs: number): Line | null {
  // O(n²) pairs: above THEIL_SEN_MAX_POINTS, fit an evenly spaced subset (first and last kept),
  // which keeps the estimate robust and a tick's cost bounded (a 10-min slot series at 1 s ticks).
  const points = evenlySpaced(allPoints, THEIL_SEN_MAX_POINTS);
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i]!;
      const b = points[j]!;
      const dt = b.atMs - a.atMs;
      if (dt !== 0) slopes.push((b.value - a.value) / dt);
    }
  }
  if (slopes.length === 0) return null;
  const slopePerMs = median(slopes);
  const intercept = median(points.map((p) => p.value - slopePerMs * (p.atMs - originMs)));
  return { slopePerMs, intercept, originMs };
}

export interface TrendOptions {
  /** Only points within [nowMs − windowMs, nowMs] are used. */
  windowMs: number;
  /** Median bucket width (spike filter); 0 or less fits the raw points. */
  bucketMs: number;
  /** No trend until the points in the window span at least this long. */
  minSpanMs: number;
}

/** The current trend of a series. */
export interface Trend {
  /** Slope over the whole window, units per ms. */
  slopePerMs: number;
  /** Slope over the most recent half of the window (the "current rate" check), units per ms. */
  recentSlopePerMs: number;
  /** The fitted value now (robust: not the last raw sample). */
  levelNow: number;
  /**
   * Standard error of `slopePerMs` from the robust scatter of the (bucketed) points around the
   * line: 1.4826 × MAD of residuals / √Σ(t − t̄)². Large while history is short or noisy.
   */
  slopeStdErrPerMs: number;
}

function residualSigma(points: readonly SeriesPoint[], line: Line): number {
  return 1.4826 * median(points.map((p) => Math.abs(p.value - (line.intercept + line.slopePerMs * (p.atMs - line.originMs)))));
}

/**
 * Slope standard error. The scatter of the few bucket medians is itself uncertain, so it is
 * floored by the scatter the raw samples imply for a bucket median (1.2533 σ / √k for k samples
 * per bucket): with a short history this keeps noise from passing for a trend.
 */
function slopeStdErr(buckets: readonly SeriesPoint[], raw: readonly SeriesPoint[], line: Line): number {
  const meanT = buckets.reduce((sum, p) => sum + p.atMs, 0) / buckets.length;
  const sxx = buckets.reduce((sum, p) => sum + (p.atMs - meanT) ** 2, 0);
  if (sxx <= 0) return Number.POSITIVE_INFINITY;
  const perBucket = raw.length / buckets.length;
  const sigma = Math.max(residualSigma(buckets, line), (1.2533 * residualSigma(raw, line)) / Math.sqrt(Math.max(1, perBucket)));
  return sigma / Math.sqrt(sxx);
}

/**
 * Robust trend over the window ending at `nowMs`: bucket medians, then Theil–Sen over the
 * whole window and over its recent half. Null when the window holds too little history
 * (fewer than 4 buckets or a span under `minSpanMs`).
 */
export function robustTrend(points: readonly SeriesPoint[], nowMs: number, options: TrendOptions): Trend | null {
  const inWindow = points.filter((p) => p.atMs >= nowMs - options.windowMs && p.atMs <= nowMs && Number.isFinite(p.value));
  const reduced = options.bucketMs > 0 ? bucketMedians(inWindow, options.bucketMs) : [...inWindow];
  if (reduced.length < 4) return null;
  const span = reduced[reduced.length - 1]!.atMs - reduced[0]!.atMs;
  if (span < options.minSpanMs) return null;
  const whole = theilSen(reduced, nowMs);
  if (!whole) return null;
  const halfStart = reduced[reduced.length - 1]!.atMs - span / 2;
  const recentPoints = reduced.filter((p) => p.atMs >= halfStart);
  const recent = recentPoints.length >= 3 ? theilSen(recentPoints, nowMs) : null;
  return {
    slopePerMs: whole.slopePerMs,
    recentSlopePerMs: recent?.slopePerMs ?? whole.slopePerMs,
    levelNow: whole.intercept,
    slopeStdErrPerMs: slopeStdErr(reduced, inWindow, whole),
  };
}

/** When a rising series reaches `target`. */
export interface CrossingForecast {
  /** Time until the crossing, ms (0 when the fitted level is already there). */
  etaMs: number;
  /** The rate used, units per minute. */
  ratePerMin: number;
  levelNow: number;
}

/** Slopes within this many standard errors of zero count as noise. */
export const DEFAULT_MIN_SIGNIFICANCE = 4;

/**
 * Forecasts when a rising series reaches `target`. Null when the trend is unknown, flat,
 * falling or not significant: the window slope must be at least `minRatePerMin` and at least
 * `minSignificance` standard errors above zero (noise over a short history is not a trend),
 * and the recent-half slope must be at least `minRatePerMin` too (so a step followed by a
 * plateau, whose recent half is flat, forecasts nothing).
 */
export function forecastCrossing(
  points: readonly SeriesPoint[],
  nowMs: number,
  target: number,
  options: TrendOptions & { minRatePerMin: number; minSignificance?: number },
): CrossingForecast | null {
  const trend = robustTrend(points, nowMs, options);
  if (!trend) return null;
  const minPerMs = Math.max(options.minRatePerMin, Number.EPSILON) / 60_000;
  const significance = options.minSignificance ?? DEFAULT_MIN_SIGNIFICANCE;
  if (trend.slopePerMs < minPerMs || trend.recentSlopePerMs < minPerMs) return null;
  if (trend.slopePerMs < significance * trend.slopeStdErrPerMs) return null;
  const etaMs = Math.max(0, (target - trend.levelNow) / trend.slopePerMs);
  return { etaMs, ratePerMin: trend.slopePerMs * 60_000, levelNow: trend.levelNow };
}
