import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from '../../shared/contract/requests';
import { GiB } from '../../shared/units/bytes';
import { timelineSeries } from './timeline-data';

const p = (atMs: number, used: number, owners?: [string, number][]): HistoryPoint => ({
  atMs, gpuId: 'gpu:0', memoryUsedBytes: used, memoryTotalBytes: 24 * GiB, ...(owners ? { owners: owners.map(([label, bytes]) => ({ label, bytes })) } : {}),
});

describe('timelineSeries', () => {
  it('reduces to about one point per two pixels and keeps a one-sample spike', () => {
    const points = Array.from({ length: 7 * 86_400 / 10 }, (_, i) => p(i * 10_000, i === 12_345 ? 20 * GiB : 10 * GiB));
    const s = timelineSeries(points, 7 * 86_400_000, 600);
    expect(s.drawn).toBeLessThanOrEqual(300);
    expect(Math.max(...s.used.map((u) => u.y ?? 0))).toBe(20);
    expect(s.radii).toBeNull();
  });

  it('a gap is a null, an isolated sample gets a dot, short series are drawn as they are', () => {
    const s = timelineSeries([p(0, GiB), p(1000, GiB), p(100_000, 2 * GiB), p(200_000, GiB)], 300_000, 800);
    expect(s.used.map((u) => u.y)).toEqual([1, 1, null, 2, null, 1]);
    expect(s.radii).toEqual([0, 0, 0, 2.5, 0, 2.5]);
  });

  it('owner bands come from the same reduced points', () => {
    const s = timelineSeries([p(0, 3 * GiB, [['Ollama', GiB], ['Other apps', 2 * GiB]]), p(1000, 3 * GiB, [['Ollama', GiB], ['Other apps', 2 * GiB]])], 300_000, 800);
    expect(s.stack.map((o) => o.label)).toEqual(['Ollama', 'Other apps']);
    expect(s.stack[1]!.data.map((d) => d.y)).toEqual([3, 3]);
  });
});
