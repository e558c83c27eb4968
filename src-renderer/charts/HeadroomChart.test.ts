import { describe, expect, it } from 'vitest';
import { bytesAtContext, densify, isModelMaximum, shortTokens } from './HeadroomChart';

const points = [
  { contextTokens: 2048, totalBytes: 1000 },
  { contextTokens: 4096, totalBytes: 2000 },
  { contextTokens: 8192, totalBytes: 4000 },
];

describe('shortTokens', () => {
  it.each([
    { name: 'under 1k', tokens: 512, want: '512' },
    { name: 'power of two', tokens: 32768, want: '32k' },
    { name: 'fraction of k', tokens: 28160, want: '27.5k' },
    { name: 'a million', tokens: 1048576, want: '1M' },
  ])('$name', ({ tokens, want }) => expect(shortTokens(tokens)).toBe(want));
});

describe('bytesAtContext', () => {
  it.each([
    { name: 'on a point', tokens: 4096, want: 2000 },
    { name: 'between points (linear in tokens)', tokens: 6144, want: 3000 },
    { name: 'before the first point', tokens: 1024, want: 1000 },
    { name: 'past the last point', tokens: 65536, want: 4000 },
  ])('$name', ({ tokens, want }) => expect(bytesAtContext(points, tokens)).toBe(want));
  it('no points: null', () => expect(bytesAtContext([], 4096)).toBeNull());
});

describe('densify', () => {
  it('keeps the exact points, adds interpolated ones between them, all on the straight line in tokens', () => {
    const d = densify(points, 4);
    expect(d.filter((p) => p.exact).map((p) => p.tokens)).toEqual([2048, 4096, 8192]);
    expect(d).toHaveLength(3 + 2 * 3);
    for (const p of d) expect(p.bytes).toBeCloseTo(bytesAtContext(points, p.tokens)!, 6);
    expect(d.map((p) => p.x)).toEqual([...d.map((p) => p.x)].sort((a, b) => a - b));
  });
  it('skips a zero-token point (log scale)', () => {
    expect(densify([{ contextTokens: 0, totalBytes: 5 }, ...points], 2).some((p) => p.tokens === 0)).toBe(false);
  });
});

describe('isModelMaximum', () => {
  it.each([
    { name: 'at the maximum', largest: 32768, max: 32768, want: true },
    { name: 'maximum not a multiple of 256', largest: 40960, max: 41000, want: true },
    { name: 'below it', largest: 28672, max: 32768, want: false },
    { name: 'nothing fits', largest: null, max: 32768, want: false },
    { name: 'maximum unknown', largest: 32768, max: null, want: false },
  ])('$name', ({ largest, max, want }) => expect(isModelMaximum(largest, max)).toBe(want));
});
