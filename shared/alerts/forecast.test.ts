import { describe, expect, it } from 'vitest';
import { bucketMedians, forecastCrossing, median, robustTrend, theilSen, type SeriesPoint } from './forecast';

const line = (n: number, slopePerSec: number, start = 50, stepMs = 1000): SeriesPoint[] =>
  Array.from({ length: n }, (_, i) => ({ atMs: i * stepMs, value: start + slopePerSec * i }));

describe('median', () => {
  it.each([
    { name: 'empty', values: [], want: Number.NaN },
    { name: 'odd', values: [3, 1, 2], want: 2 },
    { name: 'even', values: [4, 1, 3, 2], want: 2.5 },
    { name: 'single', values: [7], want: 7 },
  ])('$name', ({ values, want }) => {
    expect(median(values)).toEqual(want);
  });
});

describe('bucketMedians', () => {
  it('removes a single spike inside a bucket', () => {
    const points = [0, 1, 2, 3, 4].map((i) => ({ atMs: i * 1000, value: i === 2 ? 99 : 50 }));
    expect(bucketMedians(points, 5000)).toEqual([{ atMs: 2000, value: 50 }]);
  });
  it('returns nothing for no points', () => {
    expect(bucketMedians([], 1000)).toEqual([]);
  });
});

describe('theilSen', () => {
  it.each([
    { name: 'exact line', points: line(20, 0.5), want: 0.5 / 1000 },
    { name: 'line with 3 wild outliers of 20', points: line(20, 0.5).map((p, i) => (i % 7 === 3 ? { ...p, value: 500 } : p)), want: 0.5 / 1000 },
    { name: 'flat', points: line(10, 0), want: 0 },
  ])('$name', ({ points, want }) => {
    expect(theilSen(points, 0)?.slopePerMs).toBeCloseTo(want, 9);
  });
  it.each([
    { name: 'no points', points: [] },
    { name: 'same time twice', points: [{ atMs: 5, value: 1 }, { atMs: 5, value: 2 }] },
  ])('null for $name', ({ points }) => {
    expect(theilSen(points, 0)).toBeNull();
  });
});

describe('robustTrend', () => {
  const opts = { windowMs: 300_000, bucketMs: 10_000, minSpanMs: 60_000 };
  it('needs the minimum span', () => {
    expect(robustTrend(line(50, 0.1), 49_000, opts)).toBeNull();
  });
  it('fits level at now, ignoring a last-sample spike', () => {
    const points = line(120, 1 / 60); // 1 %/min from 50
    points[119] = { atMs: 119_000, value: 99 };
    const t = robustTrend(points, 119_000, opts);
    expect(t?.slopePerMs ?? 0).toBeCloseTo(1 / 60_000, 7);
    expect(t?.levelNow ?? 0).toBeCloseTo(50 + 119 / 60, 0);
  });
});

describe('forecastCrossing', () => {
  const opts = { windowMs: 300_000, bucketMs: 10_000, minSpanMs: 60_000, minRatePerMin: 0.2 };
  it.each([
    { name: '1 %/min ramp from 50', points: line(300, 1 / 60), nowMs: 299_000, wantEtaMin: 35 },
    { name: '5 %/min ramp from 50', points: line(120, 5 / 60), nowMs: 119_000, wantEtaMin: 6 },
  ])('$name', ({ points, nowMs, wantEtaMin }) => {
    const f = forecastCrossing(points, nowMs, 90, opts);
    expect((f?.etaMs ?? 0) / 60_000).toBeCloseTo(wantEtaMin, 0);
  });
  it.each([
    { name: 'flat', points: line(300, 0) },
    { name: 'falling', points: line(300, -1 / 60) },
    { name: 'too slow (0.1 %/min)', points: line(300, 0.1 / 60) },
    { name: 'step then plateau', points: line(300, 0).map((p) => (p.atMs >= 100_000 ? { ...p, value: 80 } : p)) },
    {
      name: 'noise over a short history',
      points: Array.from({ length: 150 }, (_, i) => ({ atMs: 149_000 + i * 1000, value: 86 + (i % 2 === 0 ? 1 : -1) * ((i * 7919) % 13) / 6 + i / 400 })),
    },
  ])('none for $name', ({ points }) => {
    expect(forecastCrossing(points, 299_000, 90, { ...opts, minSignificance: 4 })).toBeNull();
  });
});
