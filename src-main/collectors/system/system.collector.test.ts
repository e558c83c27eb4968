import { describe, expect, it } from 'vitest';
import { GiB } from '../../../shared/units/bytes';
import { SystemMemorySource, toSystemMemory } from './system.collector';

describe('toSystemMemory', () => {
  it.each([
    { name: 'normal', mem: { total: 32 * GiB, available: 20 * GiB, swaptotal: 8 * GiB, swapused: GiB }, want: { memoryTotalBytes: 32 * GiB, memoryUsedBytes: 12 * GiB, swapTotalBytes: 8 * GiB, swapUsedBytes: GiB } },
    { name: 'no swap', mem: { total: 16 * GiB, available: 16 * GiB, swaptotal: 0, swapused: 0 }, want: { memoryTotalBytes: 16 * GiB, memoryUsedBytes: 0, swapTotalBytes: 0, swapUsedBytes: 0 } },
    { name: 'available > total (bogus)', mem: { total: 8 * GiB, available: 9 * GiB, swaptotal: NaN, swapused: -1 }, want: { memoryTotalBytes: 8 * GiB, memoryUsedBytes: 0, swapTotalBytes: 0, swapUsedBytes: 0 } },
    { name: 'zero total', mem: { total: 0, available: 0, swaptotal: 0, swapused: 0 }, want: null },
  ])('$name', ({ mem, want }) => {
    expect(toSystemMemory(mem)).toEqual(want);
  });
});

describe('SystemMemorySource', () => {
  it('reads the real machine', async () => {
    const r = await new SystemMemorySource().read(AbortSignal.timeout(5000));
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect(r.value.memoryTotalBytes).toBeGreaterThan(r.value.memoryUsedBytes);
  });
  it('a failing reader becomes an error value', async () => {
    const r = await new SystemMemorySource(() => Promise.reject(new Error('boom'))).read(AbortSignal.timeout(1000));
    expect(r).toEqual({ status: 'error', message: 'System memory: boom.' });
  });
});
