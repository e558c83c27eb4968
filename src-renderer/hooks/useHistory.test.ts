import { describe, expect, it } from 'vitest';
import { countAfter } from './useHistory';

const at = (...ms: number[]) => ms.map((atMs) => ({ atMs, gpuId: 'gpu:0', memoryUsedBytes: 1, memoryTotalBytes: 2 }));

describe('countAfter', () => {
  it('counts the points strictly later than a time', () => {
    expect(countAfter(at(1, 2, 3, 4), 2)).toBe(2);
    expect(countAfter(at(1, 2, 3, 4), 0)).toBe(4);
    expect(countAfter(at(1, 2, 3, 4), 4)).toBe(0);
    expect(countAfter(at(1, 2, 3, 4), 2.5)).toBe(2);
    expect(countAfter(at(), 5)).toBe(0);
    expect(countAfter(at(1, 2), -Infinity)).toBe(2);
  });
});
