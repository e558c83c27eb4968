import { describe, expect, it } from 'vitest';
import { demoStateAt } from './demo-session';

const pct = (t: number) => (demoStateAt(t * 1000).usedBytes / (24564 * 1024 * 1024)) * 100;

describe('demo script', () => {
  it.each([
    { name: 'idle at start', t: 5, min: 3, max: 6, model: null },
    { name: '8k context loaded', t: 40, min: 40, max: 55, model: 8192 },
    { name: '32k reload passes 80%', t: 130, min: 80, max: 90, model: 32768 },
    { name: '48k reload passes 90%', t: 190, min: 90, max: 100, model: 49152 },
    { name: 'unloaded at the end (browser still open)', t: 230, min: 15, max: 25, model: null },
  ])('$name', ({ t, min, max, model }) => {
    expect(pct(t)).toBeGreaterThanOrEqual(min);
    expect(pct(t)).toBeLessThan(max);
    expect(demoStateAt(t * 1000).model?.contextLength ?? null).toBe(model);
  });
  it('loops', () => {
    expect(demoStateAt(40_000).usedBytes).toBe(demoStateAt(280_000).usedBytes);
  });
});
