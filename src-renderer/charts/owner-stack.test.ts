import { describe, expect, it } from 'vitest';
import { GiB } from '../../shared/units/bytes';
import { ownerStack } from './owner-stack';

const p = (atMs: number, owners?: [string, number][]) => ({ atMs, gpuId: 'gpu:0', memoryUsedBytes: 10 * GiB, memoryTotalBytes: 24 * GiB, ...(owners ? { owners: owners.map(([label, g]) => ({ label, bytes: g * GiB })) } : {}) });

describe('ownerStack', () => {
  it('stacks LLM servers first, then other apps, then driver/unlisted; missing owners count 0', () => {
    const s = ownerStack([p(0, [['Other apps', 2], ['Ollama a', 6], ['Driver, graphics and unlisted', 1]]), p(1000, [['Ollama a', 7], ['vLLM b', 3]])], 60_000);
    expect(s.map((x) => x.label)).toEqual(['Ollama a', 'vLLM b', 'Other apps', 'Driver, graphics and unlisted']);
    expect(s.map((x) => x.data.map((d) => d.y))).toEqual([[6, 7], [6, 10], [8, 10], [9, 10]]);
    expect(s[1]!.own).toEqual([0, 3 * GiB]);
  });
  it('no owners anywhere → no bands; a point without owners is a gap; time gaps break the bands', () => {
    expect(ownerStack([p(0), p(1000)], 60_000)).toEqual([]);
    const s = ownerStack([p(0, [['A', 1]]), p(1000), p(200_000, [['A', 2]])], 60_000);
    expect(s[0]!.data.map((d) => d.y)).toEqual([1, null, null, 2]);
  });
});
