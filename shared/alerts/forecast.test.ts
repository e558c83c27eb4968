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

describe('forecastCrossing (adaptive)', () => {
  const opts = { windowMs: 600_000, minRatePerMin: 0.05 };
  /** Deterministic noise: ±amp, a fixed pseudo-random pattern. */
  const noisy = (points: SeriesPoint[], amp: number, seed = 7): SeriesPoint[] => {
    let a = seed;
    return points.map((p) => {
      a = (a * 1103515245 + 12345) % 2147483648;
      return { ...p, value: p.value + ((a / 2147483648) * 2 - 1) * amp };
    });
  };
  it.each([
    { name: '1 %/min ramp from 60, 10 min of samples', points: line(600, 1 / 60, 60), nowMs: 599_000, wantEtaMin: 20 },
    { name: '5 %/min ramp from 50, 2.5 min', points: line(150, 5 / 60), nowMs: 149_000, wantEtaMin: 5.5 },
  ])('$name', ({ points, nowMs, wantEtaMin }) => {
    const f = forecastCrossing(noisy(points, 0.3), nowMs, 90, opts);
    expect((f?.etaMs ?? 0) / 60_000).toBeCloseTo(wantEtaMin, 0);
  });
  it('a 60 %/min climb after a flat hour is forecast within seconds at a 250 ms interval', () => {
    const flat = line(4 * 600, 0, 50, 250);
    const climbStart = flat.length * 250;
    const climb = Array.from({ length: 40 }, (_, i) => ({ atMs: climbStart + i * 250, value: 50 + (i * 0.25 * 60) / 60 }));
    const points = noisy([...flat, ...climb], 0.5);
    let firstAt: number | null = null;
    for (let k = flat.length + 1; k <= points.length; k++) {
      const f = forecastCrossing(points.slice(0, k), points[k - 1]!.atMs, 90, opts);
      if (f && f.etaMs < 900_000) {
        firstAt = points[k - 1]!.atMs;
        break;
      }
    }
    expect(firstAt).not.toBeNull();
    // 40 points from 50 % per second: the crossing is 40 s after the start; the forecast comes in the first 10 s.
    expect(firstAt! - climbStart).toBeLessThan(10_000);
  });
  it('works at a 60 s interval from the last 16 samples, even when they are older than the window', () => {
    const f = forecastCrossing(noisy(line(16, 1, 50, 60_000), 0.3), 15 * 60_000, 90, { ...opts, windowMs: 300_000 });
    expect(f).not.toBeNull();
    expect(f!.ratePerMin).toBeCloseTo(1, 0);
  });
  it('does not extrapolate far beyond its evidence', () => {
    // 2 minutes of a 1 %/min rise from 50: the crossing is 40 min away, > 3 × 2 min.
    expect(forecastCrossing(noisy(line(120, 1 / 60), 0.1), 119_000, 90, opts)).toBeNull();
  });
  it.each([
    { name: 'flat', points: line(600, 0) },
    { name: 'falling', points: line(600, -1 / 60) },
    { name: 'too slow (0.02 %/min)', points: line(600, 0.02 / 60) },
    { name: 'step then plateau', points: line(600, 0).map((p) => (p.atMs >= 300_000 ? { ...p, value: 80 } : p)) },
    { name: 'step just now', points: line(600, 0).map((p) => (p.atMs >= 596_000 ? { ...p, value: 80 } : p)) },
    { name: 'rise then plateau', points: line(600, 0).map((p) => ({ ...p, value: 50 + Math.min(20, p.atMs / 15_000) })) },
    { name: 'rise, then a fall just now', points: line(600, 0).map((p) => ({ ...p, value: p.atMs < 590_000 ? 50 + p.atMs / 20_000 : 60 })) },
    {
      name: 'climbing back to a level it held and left',
      points: line(600, 0).map((p) => ({ ...p, value: p.atMs < 200_000 ? 80 : p.atMs < 300_000 ? 60 : 60 + (p.atMs - 300_000) / 16_000 })),
    },
    { name: 'noise over a short history', points: line(12, 0, 86) },
  ])('none for $name', ({ points }) => {
    expect(forecastCrossing(noisy(points, 1), points[points.length - 1]!.atMs, 90, opts)).toBeNull();
  });
  it('is null for fewer than 8 samples', () => {
    expect(forecastCrossing(line(7, 1), 6_000, 90, opts)).toBeNull();
  });
});
