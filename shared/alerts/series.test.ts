import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from './forecast';
import { appendPoints, MAX_SERIES_POINTS } from './series';

/** What the window holds at `nowMs`: every point in [nowMs − windowMs, nowMs], at least the last `minKeep`. */
function reference(all: readonly SeriesPoint[], nowMs: number, windowMs: number, minKeep: number): SeriesPoint[] {
  const inTime = all.filter((p) => p.atMs <= nowMs);
  let first = 0;
  while (first < inTime.length && inTime[first]!.atMs < nowMs - windowMs && inTime.length - first > minKeep) first++;
  return inTime.slice(first).slice(-MAX_SERIES_POINTS);
}

describe('appendPoints', () => {
  it('extends the series it handed out in place, tick after tick, holding exactly the window', () => {
    const windowMs = 600_000;
    const all: SeriesPoint[] = [];
    let series: SeriesPoint[] | undefined;
    let first: SeriesPoint[] | undefined;
    for (let t = 1_000; t <= 1_500_000; t += 1_000) {
      const p = { atMs: t, value: Math.sin(t / 10_000) };
      all.push(p);
      series = appendPoints(series, [p], t, windowMs, 8);
      first ??= series;
      if (t % 100_000 === 0) expect(series).toEqual(reference(all, t, windowMs, 8));
    }
    expect(series).toBe(first); // the same array all along: no copy of 600 points per tick
    expect(series).toHaveLength(601);
  });

  it('keeps at least minKeep points of a slow series, in place too', () => {
    let series: SeriesPoint[] | undefined;
    const all: SeriesPoint[] = [];
    for (let t = 60_000; t <= 1_800_000; t += 60_000) {
      const p = { atMs: t, value: t };
      all.push(p);
      series = appendPoints(series, [p], t, 120_000, 5);
    }
    expect(series).toEqual(reference(all, 1_800_000, 120_000, 5));
    expect(series).toHaveLength(5);
  });

  it('copies an array it did not hand out, or one changed since, and leaves it as it was', () => {
    const own: SeriesPoint[] = [{ atMs: 1_000, value: 1 }, { atMs: 2_000, value: 2 }];
    const next = appendPoints(own, [{ atMs: 3_000, value: 3 }], 3_000, 60_000);
    expect(next).not.toBe(own);
    expect(own).toEqual([{ atMs: 1_000, value: 1 }, { atMs: 2_000, value: 2 }]);
    expect(next.map((p) => p.value)).toEqual([1, 2, 3]);
    // Someone else pushed onto the handed-out array: it is not trusted any more.
    next.push({ atMs: 3_500, value: 9 });
    const after = appendPoints(next, [{ atMs: 4_000, value: 4 }], 4_000, 60_000);
    expect(after).not.toBe(next);
    expect(next).toHaveLength(4);
    expect(after.map((p) => p.value)).toEqual([1, 2, 3, 9, 4]);
  });

  it('out-of-order or repeated times still go through the sorting path', () => {
    let s = appendPoints(undefined, [{ atMs: 2_000, value: 2 }], 2_000, 60_000);
    s = appendPoints(s, [{ atMs: 2_000, value: 5 }], 2_000, 60_000); // same time: the later wins
    s = appendPoints(s, [{ atMs: 1_000, value: 1 }], 2_000, 60_000); // earlier: sorted in
    expect(s).toEqual([{ atMs: 1_000, value: 1 }, { atMs: 2_000, value: 5 }]);
  });
});
