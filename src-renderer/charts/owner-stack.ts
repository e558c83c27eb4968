/**
 * Stacked-by-owner series for the timeline: for each owner (LLM servers first, then other apps,
 * then driver/unlisted), the cumulative GiB at each sample, so each band fills to the one below.
 * Pure: takes history points, returns chart-ready series.
 */
import type { HistoryPoint } from '../../shared/contract/requests';
import { GiB } from '../../shared/units/bytes';

export interface OwnerSeries {
  label: string;
  /** Cumulative top of this band, GiB (null = gap). */
  data: { x: number; y: number | null }[];
  /** This owner's own bytes at each point (for tooltips). */
  own: (number | null)[];
}

const rank = (label: string) => (label === 'Other apps' ? 1 : label.startsWith('Driver') ? 2 : 0);

export function ownerStack(points: readonly HistoryPoint[], gapMs: number): OwnerSeries[] {
  const labels = new Set<string>();
  for (const p of points) for (const o of p.owners ?? []) labels.add(o.label);
  if (labels.size === 0) return [];
  const order = [...labels].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const series: OwnerSeries[] = order.map((label) => ({ label, data: [], own: [] }));
  let prev: number | null = null;
  for (const p of points) {
    if (prev !== null && p.atMs - prev > gapMs) {
      for (const s of series) {
        s.data.push({ x: (prev + p.atMs) / 2, y: null });
        s.own.push(null);
      }
    }
    prev = p.atMs;
    let sum = 0;
    for (const s of series) {
      const bytes = p.owners ? (p.owners.find((o) => o.label === s.label)?.bytes ?? 0) : null;
      if (bytes === null) {
        s.data.push({ x: p.atMs, y: null });
        s.own.push(null);
        continue;
      }
      sum += bytes;
      s.data.push({ x: p.atMs, y: sum / GiB });
      s.own.push(bytes);
    }
  }
  return series;
}
