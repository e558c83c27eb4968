import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gpuSchema } from '../../../shared/model/snapshot';
import { GiB, MiB } from '../../../shared/units/bytes';
import { gpuFixture } from '../../../e2e/fakes/gpu/make-fake-tool';
import { appleGpuBudget, appleGpuReading, parseSysctl } from './apple.parse';

const recorded = readFileSync(gpuFixture('macos/sysctl.iogpu.wired_limit_mb.txt'), 'utf8') + readFileSync(gpuFixture('macos/sysctl.hw.memsize.txt'), 'utf8');

describe('appleGpuBudget', () => {
  it.each([
    { name: 'recorded: limit 0 on 64 GiB → OS default 3/4', text: recorded, want: { budgetBytes: 48 * GiB, isOsDefault: true, memsizeBytes: 64 * GiB } },
    { name: 'limit 0 on 16 GiB → 2/3', text: `iogpu.wired_limit_mb: 0\nhw.memsize: ${16 * GiB}\n`, want: { budgetBytes: Math.floor((16 * GiB * 2) / 3), isOsDefault: true, memsizeBytes: 16 * GiB } },
    { name: 'raised limit', text: `iogpu.wired_limit_mb: 57344\nhw.memsize: ${64 * GiB}\n`, want: { budgetBytes: 57344 * MiB, isOsDefault: false, memsizeBytes: 64 * GiB } },
    { name: 'limit above RAM is capped', text: `iogpu.wired_limit_mb: 999999\nhw.memsize: ${64 * GiB}\n`, want: { budgetBytes: 64 * GiB, isOsDefault: false, memsizeBytes: 64 * GiB } },
    { name: 'macOS 13: legacy oid in bytes', text: `debug.iogpu.wired_limit: ${40 * GiB}\nhw.memsize: ${64 * GiB}\n`, want: { budgetBytes: 40 * GiB, isOsDefault: false, memsizeBytes: 64 * GiB } },
    { name: 'unknown oid error text, memsize only', text: `sysctl: unknown oid 'iogpu.wired_limit_mb'\nhw.memsize: ${32 * GiB}\n`, want: { budgetBytes: Math.floor((32 * GiB * 2) / 3), isOsDefault: true, memsizeBytes: 32 * GiB } },
    { name: 'no memsize', text: 'iogpu.wired_limit_mb: 0\n', want: null },
    { name: 'garbage memsize', text: 'hw.memsize: lots\n', want: null },
    { name: 'negative limit → default', text: `iogpu.wired_limit_mb: -5\nhw.memsize: ${16 * GiB}\n`, want: { budgetBytes: Math.floor((16 * GiB * 2) / 3), isOsDefault: true, memsizeBytes: 16 * GiB } },
    { name: 'empty output', text: '', want: null },
  ])('$name', ({ text, want }) => {
    expect(appleGpuBudget(parseSysctl(text))).toEqual(want);
  });
});

describe('appleGpuReading', () => {
  const budget = { budgetBytes: 48 * GiB, isOsDefault: true, memsizeBytes: 64 * GiB };
  it('is a valid reading that says the budget is shared', () => {
    const r = appleGpuReading(budget, 20 * GiB, 'Apple M2 Max');
    expect(gpuSchema.parse(r)).toMatchObject({ id: 'gpu:0', vendor: 'apple', name: 'Apple M2 Max GPU', memoryTotalBytes: 48 * GiB, memoryUsedBytes: 20 * GiB, memoryFreeBytes: 28 * GiB, unifiedMemory: true });
    expect(r?.note).toMatch(/shared with macOS and apps/);
    expect(r?.note).toMatch(/default share/);
  });
  it.each([
    { name: 'used above budget caps to budget', used: 60 * GiB, want: 48 * GiB },
    { name: 'unknown used → no reading', used: null, want: null },
    { name: 'negative used → no reading', used: -1, want: null },
  ])('$name', ({ used, want }) => {
    expect(appleGpuReading(budget, used, null)?.memoryUsedBytes ?? null).toBe(want);
  });
});
