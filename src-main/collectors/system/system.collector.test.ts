import { describe, expect, it } from 'vitest';
import { GiB } from '../../../shared/units/bytes';
import { parseProcMeminfoSwap, SystemMemorySource, toSystemMemory } from './system.collector';

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

describe('parseProcMeminfoSwap', () => {
  const meminfo = (swapTotal: string, swapFree: string) =>
    `MemTotal:       24684332 kB\nMemFree:        22811084 kB\nMemAvailable:   23913512 kB\nSwapCached:            0 kB\n${swapTotal}${swapFree}Dirty:               256 kB\n`;
  it.each([
    { name: 'swap in use', text: meminfo('SwapTotal:       8388604 kB\n', 'SwapFree:        7340028 kB\n'), want: { swaptotal: 8388604 * 1024, swapused: (8388604 - 7340028) * 1024 } },
    { name: 'no swap', text: meminfo('SwapTotal:             0 kB\n', 'SwapFree:              0 kB\n'), want: { swaptotal: 0, swapused: 0 } },
    { name: 'fields missing', text: meminfo('', ''), want: null },
    { name: 'empty', text: '', want: null },
  ])('$name', ({ text, want }) => {
    expect(parseProcMeminfoSwap(text)).toEqual(want);
  });
});

describe('SystemMemorySource', () => {
  it('reads the real machine', async () => {
    const r = await new SystemMemorySource().read(AbortSignal.timeout(5000));
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect(r.value.memoryTotalBytes).toBeGreaterThan(r.value.memoryUsedBytes);
  });

  it('reads RAM every tick but swap at most once a minute, never holding the tick for it', async () => {
    let nowMs = 0;
    let available = 20 * GiB;
    let swapReads = 0;
    let swapUsed = GiB;
    const source = new SystemMemorySource({
      totalBytes: () => 32 * GiB,
      availableBytes: () => available,
      readSwap: async () => {
        swapReads += 1;
        return { swaptotal: 8 * GiB, swapused: swapUsed };
      },
      now: () => nowMs,
    });
    const read = async () => {
      const r = await source.read(AbortSignal.timeout(1000));
      return r.status === 'ok' ? r.value : null;
    };
    expect(await read()).toEqual({ memoryTotalBytes: 32 * GiB, memoryUsedBytes: 12 * GiB, swapTotalBytes: 8 * GiB, swapUsedBytes: GiB });
    available = 16 * GiB;
    swapUsed = 2 * GiB;
    nowMs = 30_000;
    expect(await read()).toMatchObject({ memoryUsedBytes: 16 * GiB, swapUsedBytes: GiB });
    nowMs = 60_000;
    await read(); // starts the minute's swap read in the background
    await new Promise((r) => setTimeout(r, 0));
    expect(await read()).toMatchObject({ swapUsedBytes: 2 * GiB });
    expect(swapReads).toBe(2);
  });

  it('a failing swap reader leaves RAM readable and says why', async () => {
    const source = new SystemMemorySource({ totalBytes: () => 8 * GiB, availableBytes: () => 4 * GiB, readSwap: () => Promise.reject(new Error('PowerShell not found')) });
    const r = await source.read(AbortSignal.timeout(1000));
    expect(r).toEqual({
      status: 'ok',
      value: { memoryTotalBytes: 8 * GiB, memoryUsedBytes: 4 * GiB, swapTotalBytes: 0, swapUsedBytes: 0 },
      message: 'Swap could not be read: PowerShell not found.',
    });
  });

  it('a failing RAM reader becomes an error value', async () => {
    const r = await new SystemMemorySource({ totalBytes: () => { throw new Error('boom'); } }).read(AbortSignal.timeout(1000));
    expect(r).toEqual({ status: 'error', message: 'System memory: boom.' });
  });

  it('a total of 0 bytes is an error, not a reading', async () => {
    const r = await new SystemMemorySource({ totalBytes: () => 0, availableBytes: () => 0, readSwap: async () => ({ swaptotal: 0, swapused: 0 }) }).read(AbortSignal.timeout(1000));
    expect(r.status).toBe('error');
  });
});
