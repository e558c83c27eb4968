import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../../shared/contract/requests';
import { sparklineModel } from './sparkline';

const GiB = 2 ** 30;
const pt = (atMs: number, usedGiB: number): HistoryPoint => ({ atMs, gpuId: 'gpu:0', memoryUsedBytes: usedGiB * GiB, memoryTotalBytes: 24 * GiB });
const opts = { nowMs: 300_000, windowMs: 300_000, width: 300, height: 40, warningPct: 80, criticalPct: 90 };

describe('sparklineModel (compact popover)', () => {
  it('draws the last minutes by time, 0 % at the bottom, with the thresholds', () => {
    const m = sparklineModel([pt(-10_000, 1), pt(0, 12), pt(150_000, 18), pt(300_000, 24)], opts);
    expect(m.path).toBe('M0 20 L150 10 L300 0'); // the point before the window is left out
    expect(m.area).toBe('M0 20 L150 10 L300 0 L300 40 L0 40 Z');
    expect([m.warningY, m.criticalY]).toEqual([8, 4]);
    expect([m.fromPct, m.toPct, m.maxPct, m.points, m.spanMs]).toEqual([50, 100, 100, 3, 300_000]);
  });

  it('a history younger than the window spans the whole width', () => {
    const m = sparklineModel([pt(290_000, 12), pt(295_000, 18), pt(300_000, 24)], opts);
    expect(m.path).toBe('M0 20 L150 10 L300 0');
    expect(m.spanMs).toBe(10_000);
  });

  it('no data → an empty line and null figures; a long history is thinned but keeps the last point', () => {
    expect(sparklineModel([], opts)).toMatchObject({ path: '', area: '', fromPct: null, points: 0 });
    const many = Array.from({ length: 1200 }, (_, i) => pt(i * 250 + 250, 12));
    const m = sparklineModel(many, { ...opts, maxPoints: 100 });
    expect(m.points).toBeLessThanOrEqual(101);
    expect(m.path.endsWith('L300 20')).toBe(true);
  });
});
