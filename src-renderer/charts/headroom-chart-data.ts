/** Pure helpers of the headroom chart: context labels, interpolation, curve densifying. */
import { GiB } from '../../shared/units/bytes';

/** Points of one predicted curve (as in HeadroomCurve). */
type CurvePoints = readonly { contextTokens: number; totalBytes: number }[];

/** "2k", "27.5k", "128k", "1M": short context labels for axes and chart labels. */
export function shortTokens(tokens: number): string {
  if (tokens >= 1024 * 1024 && tokens % (1024 * 1024) === 0) return `${tokens / (1024 * 1024)}M`;
  if (tokens >= 1024) {
    const k = tokens / 1024;
    return `${Number.isInteger(k) ? k : k.toFixed(1)}k`;
  }
  return String(tokens);
}

/** Total bytes at `contextTokens`, linear between the curve's points (KV grows linearly with context). */
export function bytesAtContext(points: CurvePoints, contextTokens: number): number | null {
  if (points.length === 0) return null;
  const first = points[0]!;
  if (contextTokens <= first.contextTokens) return first.totalBytes;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (contextTokens <= b.contextTokens) {
      const t = (contextTokens - a.contextTokens) / (b.contextTokens - a.contextTokens || 1);
      return a.totalBytes + t * (b.totalBytes - a.totalBytes);
    }
  }
  return points[points.length - 1]!.totalBytes;
}

/** A chart point; x is log2(tokens) so that 2k…128k spread evenly. `exact` points get tooltips. */
export interface ChartPoint {
  x: number;
  y: number;
  tokens: number;
  bytes: number;
  exact: boolean;
}

/**
 * The curve's points plus interpolated ones between them: on a log-x axis a curve that is
 * linear in tokens bends, and straight segments between powers of two would misplace it.
 */
export function densify(points: CurvePoints, stepsPerSegment = 8): ChartPoint[] {
  const out: ChartPoint[] = [];
  points.forEach((p, i) => {
    if (p.contextTokens <= 0) return;
    const prev = points[i - 1];
    if (prev && prev.contextTokens > 0) {
      for (let s = 1; s < stepsPerSegment; s++) {
        const tokens = prev.contextTokens * Math.pow(p.contextTokens / prev.contextTokens, s / stepsPerSegment);
        const bytes = bytesAtContext([prev, p], tokens)!;
        out.push({ x: Math.log2(tokens), y: bytes / GiB, tokens, bytes, exact: false });
      }
    }
    out.push({ x: Math.log2(p.contextTokens), y: p.totalBytes / GiB, tokens: p.contextTokens, bytes: p.totalBytes, exact: true });
  });
  return out;
}

/** Whether `largest` is the model's maximum (the search stops at the maximum, rounded down to 256-token cells). */
export function isModelMaximum(largest: number | null, maxContextTokens: number | null | undefined): boolean {
  if (largest === null || !maxContextTokens) return false;
  return largest >= Math.floor(maxContextTokens / 256) * 256;
}
