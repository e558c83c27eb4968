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
  // A typed array sorts numerically without a comparator callback: ~6× faster than Array#sort.
  const sorted = Float64Array.from(values).sort();
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
  /** How much history the forecast rests on (the trailing stretch found to be one straight rise), ms. */
  evidenceMs: number;
  /** Slope divided by its standard error. */
  significance: number;
}

/** Slopes within this many standard errors of zero count as noise. */
export const DEFAULT_MIN_SIGNIFICANCE = 4;
/** No forecast from fewer samples than this, whatever the interval. */
export const MIN_FORECAST_POINTS = 8;
/** A series keeps at least this many samples even when they are older than the window (slow intervals). */
export const MIN_SERIES_POINTS = 2 * MIN_FORECAST_POINTS;
/** A crossing further ahead than this many times the evidence span is not forecast (no wild extrapolation). */
export const DEFAULT_MAX_EXTRAPOLATION = 3;
/** At most this many noise differences are sorted per call (the most recent ones). */
const MAX_NOISE_DIFFS = 512;
/** Theil–Sen over at most this many points per candidate stretch (276 pairwise slopes). */
const CANDIDATE_FIT_POINTS = 24;

export interface CrossingOptions {
  /** Points within [nowMs − windowMs, nowMs] are used (at least the last MIN_SERIES_POINTS). */
  windowMs: number;
  /** Rises slower than this (units per minute) count as flat. */
  minRatePerMin: number;
  /** The slope must be this many standard errors above zero. */
  minSignificance?: number;
  /** The evidence must span at least this long (0: decided by the evidence alone). */
  minSpanMs?: number;
  /** See DEFAULT_MAX_EXTRAPOLATION. */
  maxExtrapolation?: number;
}

/**
 * The noise of a series, independent of any trend: the robust spread of successive
 * differences (1.4826 × MAD / √2). A ramp shifts every difference by the same amount, which
 * the MAD ignores; a step or spike is one or two outlying differences, which it ignores too.
 * Floored by the reading resolution (the smallest non-zero difference / √12), so a perfectly
 * quantized flat series does not make every wiggle significant.
 */
export function noiseSigma(points: readonly SeriesPoint[]): number {
  const from = Math.max(1, points.length - MAX_NOISE_DIFFS);
  const diffs: number[] = [];
  let resolution = Number.POSITIVE_INFINITY;
  for (let i = from; i < points.length; i++) {
    const d = points[i]!.value - points[i - 1]!.value;
    diffs.push(d);
    if (d !== 0 && Math.abs(d) < resolution) resolution = Math.abs(d);
  }
  if (diffs.length === 0) return 0;
  const mid = median(diffs);
  const mad = median(diffs.map((d) => Math.abs(d - mid)));
  const floor = Number.isFinite(resolution) ? resolution / Math.sqrt(12) : 0;
  return Math.max((1.4826 * mad) / Math.SQRT2, floor);
}

/** Every value the same finite number (newest first: a moving series stops at once). */
function unchanging(points: readonly SeriesPoint[]): boolean {
  const n = points.length;
  if (n === 0) return true;
  const last = points[n - 1]!.value;
  if (!Number.isFinite(last)) return false;
  for (let i = n - 2; i >= 0; i--) if (points[i]!.value !== last) return false;
  return true;
}

/** Trailing stretch lengths to try, longest first: n, 0.7n, 0.49n, … down to MIN_FORECAST_POINTS. */
function candidateLengths(n: number): number[] {
  const out: number[] = [];
  for (let len = n; len >= MIN_FORECAST_POINTS; len = Math.floor(len * 0.7)) {
    out.push(len);
    if (len === MIN_FORECAST_POINTS) break;
    if (Math.floor(len * 0.7) < MIN_FORECAST_POINTS) {
      out.push(MIN_FORECAST_POINTS);
      break;
    }
  }
  return out;
}

/**
 * Curvature of a stretch: the medians of its four quarters (value and time), and how far the
 * middle two sit from the chord between the first and the last. ~0 for a straight rise; a step,
 * a plateau after a rise or a bend moves at least one of them. Independent of any fitted line.
 */
function quarterBends(seg: readonly SeriesPoint[]): number[] {
  const k = Math.floor(seg.length / 4);
  const q = [0, 1, 2, 3].map((i) => {
    const part = seg.slice(i * k, i === 3 ? seg.length : (i + 1) * k);
    return { t: median(part.map((p) => p.atMs)), v: median(part.map((p) => p.value)) };
  });
  const [a, b, c, d] = q as [typeof q[0], typeof q[0], typeof q[0], typeof q[0]];
  const chord = (t: number) => a.v + ((d.v - a.v) * (t - a.t)) / (d.t - a.t || 1);
  return [b.v - chord(b.t), c.v - chord(c.t)];
}

/** Highest level held for three samples running (single spikes do not count); −∞ for under three points. */
function sustainedHigh(points: readonly SeriesPoint[]): number {
  let high = Number.NEGATIVE_INFINITY;
  for (let i = 2; i < points.length; i++) {
    const a = points[i - 2]!.value;
    const b = points[i - 1]!.value;
    const c = points[i]!.value;
    const mid = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    if (mid > high) high = mid;
  }
  return high;
}

/**
 * Forecasts when a rising series reaches `target`, deciding from the evidence rather than a
 * fixed window, at any sampling interval:
 * 1. The noise is measured from the whole window (successive differences, trend-free).
 * 2. Trailing stretches are tried longest first (all points, then 70%, 49%, … down to
 *    MIN_FORECAST_POINTS samples). The first stretch that is one straight, significant rise
 *    is the evidence: its robust slope (Theil–Sen) is at least `minRatePerMin` and at least
 *    `minSignificance` standard errors (noise / √Σ(t − t̄)²) above zero; the medians of its
 *    middle quarters sit within 3 standard errors of the chord between its first and last
 *    quarters (a step, a plateau after a rise, or a bend is not a straight rise); and the median
 *    of its latest samples sits on the fitted line (a fall just now is news). A fresh ramp after a flat hour is found in a
 *    stretch of its own length: a fast climb is forecast seconds after it starts, a slow one
 *    once enough samples show it.
 * 3. A series climbing back to a level it already held earlier in the window and left (a
 *    sawtooth, a model reloading) is not forecast until it rises past that level.
 * 4. No crossing is forecast further ahead than `maxExtrapolation` × the evidence span.
 * Null when no stretch qualifies.
 */
export function forecastCrossing(points: readonly SeriesPoint[], nowMs: number, target: number, options: CrossingOptions): CrossingForecast | null {
  // A series that has not moved cannot cross anything (every candidate's slope is 0): the
  // common idle case — an idle GPU's used memory, an idle vLLM's KV usage — skips the fits.
  if (unchanging(points)) return null;
  const finite = points.filter((p) => p.atMs <= nowMs && Number.isFinite(p.value));
  let start = 0;
  while (start < finite.length && finite[start]!.atMs < nowMs - options.windowMs) start++;
  start = Math.min(start, Math.max(0, finite.length - MIN_SERIES_POINTS));
  const pts = finite.slice(start);
  const n = pts.length;
  if (n < MIN_FORECAST_POINTS) return null;
  const z = options.minSignificance ?? DEFAULT_MIN_SIGNIFICANCE;
  const minPerMs = Math.max(options.minRatePerMin, Number.EPSILON) / 60_000;
  const maxExtrapolation = options.maxExtrapolation ?? DEFAULT_MAX_EXTRAPOLATION;
  const sigma = noiseSigma(pts);

  // Prefix sums (times relative to nowMs) give each candidate's least-squares slope in O(1):
  // a cheap screen so that flat series never pay for a Theil–Sen fit.
  const st = new Float64Array(n + 1);
  const sv = new Float64Array(n + 1);
  const stt = new Float64Array(n + 1);
  const stv = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const t = pts[i]!.atMs - nowMs;
    const v = pts[i]!.value;
    st[i + 1] = st[i]! + t;
    sv[i + 1] = sv[i]! + v;
    stt[i + 1] = stt[i]! + t * t;
    stv[i + 1] = stv[i]! + t * v;
  }

  for (const len of candidateLengths(n)) {
    const from = n - len;
    const span = pts[n - 1]!.atMs - pts[from]!.atMs;
    if (span <= 0 || span < (options.minSpanMs ?? 0)) continue;
    const sumT = st[n]! - st[from]!;
    const sxx = stt[n]! - stt[from]! - (sumT * sumT) / len;
    if (sxx <= 0) continue;
    const olsSlope = (stv[n]! - stv[from]! - (sumT * (sv[n]! - sv[from]!)) / len) / sxx;
    const se = sigma / Math.sqrt(sxx);
    // Screen: the least-squares slope must already look like a significant rise (two standard
    // errors of slack for spikes), so flat and noisy series never pay for a robust fit.
    if (olsSlope < minPerMs / 2 || olsSlope < (z - 2) * se) continue;
    const seg = pts.slice(from);
    const line = theilSen(evenlySpaced(seg, CANDIDATE_FIT_POINTS), nowMs);
    if (!line) continue;
    const slope = line.slopePerMs;
    // Theil–Sen's efficiency against least squares is ~0.91 on Gaussian noise: its standard error is ~1.1×.
    const seRobust = 1.1 * se;
    if (slope < minPerMs || slope < z * seRobust) continue;
    // A quarter's median scatters by 1.2533 σ / √(n/4); a point off the chord by ~1.22× that.
    const bendLimit = (3 * 1.22 * 1.2533 * sigma) / Math.sqrt(Math.max(1, Math.floor(len / 4)));
    if (quarterBends(seg).some((r) => Math.abs(r) > bendLimit)) continue;
    // The latest samples must sit on the line too: a fall just now (the drop of a sawtooth, a
    // model unloading) is news that a robust fit over the whole stretch would ignore. Allowed:
    // the tail median's scatter and the fitted level's own (≈ 2σ/√m for a fit from m points).
    const fitPoints = Math.min(len, CANDIDATE_FIT_POINTS);
    const offLine = (count: number) => {
      const tail = seg.slice(seg.length - count);
      const limit = 3 * sigma * Math.sqrt(1.2533 ** 2 / count + 4 / fitPoints);
      return Math.abs(median(tail.map((p) => p.value - (line.intercept + line.slopePerMs * (p.atMs - line.originMs))))) > limit;
    };
    if (offLine(3) || offLine(Math.max(3, Math.ceil(len / 8)))) continue;
    const levelNow = line.intercept;
    // Re-climbing to a level already held and left earlier in the window: not a new trend yet.
    const before = pts.slice(0, from);
    if (before.length >= 3 && sustainedHigh(before) >= levelNow - 2 * sigma) return null;
    const etaMs = Math.max(0, (target - levelNow) / slope);
    if (etaMs > maxExtrapolation * span) return null;
    return { etaMs, ratePerMin: slope * 60_000, levelNow, evidenceMs: span, significance: se > 0 ? slope / seRobust : Number.POSITIVE_INFINITY };
  }
  return null;
}
