/**
 * Chart-ready series for the timeline, computed once per redraw and cheap to hand to Chart.js:
 * the points are first reduced to about one per two pixels (min/max, so spikes stay), gaps become
 * nulls, and the dot radius of isolated samples is a plain array (Chart.js resolves a scripted
 * option per point per update; an array or a constant costs nothing).
 */
import type { HistoryPoint } from '../../shared/contract/requests';
import { downsampleMinMax } from '../../shared/history/downsample';
import { GiB } from '../../shared/units/bytes';
import { ownerStack, type OwnerSeries } from './owner-stack';

export type XY = { x: number; y: number | null };

export interface TimelineSeries {
  used: XY[];
  /** Radius per point of `used` (isolated samples get a dot); null when no point needs one. */
  radii: number[] | null;
  stack: OwnerSeries[];
  /** Points drawn (after the per-pixel reduction). */
  drawn: number;
}

/** Gap threshold: longer than this without a sample draws a break, never a slope. */
export const gapMsFor = (windowMs: number): number => Math.max(15_000, windowMs / 100);

export function timelineSeries(points: readonly HistoryPoint[], windowMs: number, widthPx: number): TimelineSeries {
  // One min/max pair per four pixels: what a 2 px line of that width can show.
  const limit = Math.max(64, Math.round(widthPx / 2));
  const shown = points.length > limit ? downsampleMinMax(points, limit, (p) => p.atMs, (p) => p.memoryUsedBytes) : points;
  const gapMs = gapMsFor(windowMs);
  const used: XY[] = [];
  let prev: number | null = null;
  for (const p of shown) {
    if (prev !== null && p.atMs - prev > gapMs) used.push({ x: (prev + p.atMs) / 2, y: null });
    used.push({ x: p.atMs, y: p.memoryUsedBytes / GiB });
    prev = p.atMs;
  }
  let radii: number[] | null = null;
  for (let i = 0; i < used.length; i++) {
    if (used[i]!.y !== null && (used[i - 1]?.y ?? null) === null && (used[i + 1]?.y ?? null) === null) {
      radii ??= new Array<number>(used.length).fill(0);
      radii[i] = 2.5;
    }
  }
  return { used, radii, stack: ownerStack(shown, gapMs), drawn: shown.length };
}
