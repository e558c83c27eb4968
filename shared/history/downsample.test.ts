import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from './downsample';

const pts = (values: number[]) => values.map((value, i) => ({ atMs: i * 1000, value }));
const ds = (values: number[], max: number) => downsampleMinMax(pts(values), max, (p) => p.atMs, (p) => p.value);

describe('downsampleMinMax', () => {
  it.each([
    { name: 'small input unchanged', values: [1, 2, 3], max: 10, want: [1, 2, 3] },
    { name: 'empty', values: [], max: 10, want: [] },
  ])('$name', ({ values, max, want }) => {
    expect(ds(values, max).map((p) => p.value)).toEqual(want);
  });

  it('a single spike in a week of 1 s samples survives', () => {
    const values = new Array<number>(604_800).fill(50);
    values[300_001] = 99;
    values[400_000] = 1;
    const out = ds(values, 1000);
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(Math.max(...out.map((p) => p.value))).toBe(99);
    expect(Math.min(...out.map((p) => p.value))).toBe(1);
  });

  it('keeps time order and the first and last bucket', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => Math.sin(i / 50) * 100);
    const out = ds(values, 200);
    for (let i = 1; i < out.length; i++) expect(out[i]!.atMs).toBeGreaterThan(out[i - 1]!.atMs);
    expect(out[0]!.atMs).toBeLessThan(10 * 1000 * 50);
    expect(out[out.length - 1]!.atMs).toBeGreaterThan(9_900 * 1000 - 100 * 1000);
  });

  it('a tiny maxPoints is clamped, never zero', () => {
    expect(ds([1, 5, 2, 8, 3, 9], 0).length).toBeGreaterThan(0);
  });
});
