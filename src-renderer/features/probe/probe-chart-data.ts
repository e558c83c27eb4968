/**
 * Pure data for the Probe page's two charts: VRAM against context (measured GPU peak, and the
 * memory model's prediction lifted by what else used the GPU), and speed against context
 * (generation tokens/s; time to first token). Points carry log2 x so 4k…128k spread evenly.
 */
import type { ProbeReport } from '../../../shared/contract/probe';
import { GiB } from '../../../shared/units/bytes';

export interface SeriesPoint {
  x: number;
  y: number;
  tokens: number;
}

export interface Series {
  label: string;
  points: SeriesPoint[];
  /** Which value axis: `y` left, `y2` right. */
  axis: 'y' | 'y2';
  role: 'measured' | 'predicted' | 'threshold' | 'compare';
  dashed: boolean;
}

const pt = (tokens: number, y: number): SeriesPoint => ({ x: Math.log2(tokens), y, tokens });

/** The run's label in a comparison ("q8_0, 12:04"). */
export function runLabel(r: ProbeReport): string {
  return `${r.cacheType}, ${new Date(r.startedAtMs).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`;
}

/** VRAM (GiB) against context. */
export function vramSeries(r: ProbeReport, compare: ProbeReport | null = null): Series[] {
  const out: Series[] = [];
  const measured = r.steps.filter((s) => s.peakVramBytes !== null);
  out.push({ label: compare ? `Measured peak (${runLabel(r)})` : 'Measured GPU peak', points: measured.map((s) => pt(s.contextTokens, s.peakVramBytes! / GiB)), axis: 'y', role: 'measured', dashed: false });
  const base = r.baselineBytes ?? 0;
  for (const curve of r.predicted) {
    out.push({ label: `Predicted, ${curve.cacheType} KV${r.baselineBytes ? ' (+ other use)' : ''}`, points: curve.points.map((p) => pt(p.contextTokens, (p.totalBytes + base) / GiB)), axis: 'y', role: 'predicted', dashed: true });
  }
  if (compare) {
    out.push({ label: `Measured peak (${runLabel(compare)})`, points: compare.steps.filter((s) => s.peakVramBytes !== null).map((s) => pt(s.contextTokens, s.peakVramBytes! / GiB)), axis: 'y', role: 'compare', dashed: false });
  }
  if (r.thresholdBytes !== null) {
    const xs = [...r.plannedContexts, ...(compare?.plannedContexts ?? [])];
    if (xs.length) out.push({ label: `${r.settings.stopAtPct}% threshold`, points: [pt(Math.min(...xs), r.thresholdBytes / GiB), pt(Math.max(...xs), r.thresholdBytes / GiB)], axis: 'y', role: 'threshold', dashed: true });
  }
  return out.filter((s) => s.points.length > 0);
}

/** Generation tokens/s (left) and time to first token in seconds (right) against context. */
export function speedSeries(r: ProbeReport, compare: ProbeReport | null = null): Series[] {
  const one = (rep: ProbeReport, role: Series['role'], suffix: string): Series[] => [
    { label: `Tokens/s${suffix}`, points: rep.steps.filter((s) => s.tokensPerSecond !== null).map((s) => pt(s.contextTokens, s.tokensPerSecond!)), axis: 'y', role, dashed: false },
    { label: `Time to first token (s)${suffix}`, points: rep.steps.filter((s) => s.ttftMs !== null).map((s) => pt(s.contextTokens, s.ttftMs! / 1000)), axis: 'y2', role, dashed: true },
  ];
  const out = one(r, 'measured', compare ? ` (${runLabel(r)})` : '');
  if (compare) out.push(...one(compare, 'compare', ` (${runLabel(compare)})`));
  return out.filter((s) => s.points.length > 0);
}
