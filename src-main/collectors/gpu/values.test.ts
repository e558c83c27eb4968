import { describe, expect, it } from 'vitest';
import { GiB, MiB } from '../../../shared/units/bytes';
import { memoryFigures, parseLooseNumber, vendorFromText } from './values';

describe('parseLooseNumber', () => {
  it.each([
    { name: 'integer', input: '16376', want: 16376 },
    { name: 'decimal dot', input: '26.20', want: 26.2 },
    { name: 'decimal comma (de-DE typeperf)', input: '10737786880,000000', want: 10737786880 },
    { name: 'decimal comma watts', input: '26,20 W', want: 26.2 },
    { name: 'thousands separators', input: '1,234,567.5', want: 1234567.5 },
    { name: 'quoted', input: '"148357120.000000"', want: 148357120 },
    { name: 'unit MiB', input: '596 MiB', want: 596 },
    { name: 'number passthrough', input: 42, want: 42 },
    { name: 'negative', input: '-5', want: -5 },
    { name: '[N/A]', input: '[N/A]', want: null },
    { name: '[Insufficient Permissions]', input: '[Insufficient Permissions]', want: null },
    { name: 'N/A bare', input: 'N/A', want: null },
    { name: 'blank typeperf cell', input: ' ', want: null },
    { name: 'garbage', input: '12abc', want: null },
    { name: 'NaN number', input: Number.NaN, want: null },
    { name: 'null', input: null, want: null },
  ])('$name', ({ input, want }) => {
    expect(parseLooseNumber(input)).toBe(want);
  });
});

describe('memoryFigures', () => {
  it.each([
    { name: 'normal', total: 24 * GiB, used: 12 * GiB, free: null, want: { memoryTotalBytes: 24 * GiB, memoryUsedBytes: 12 * GiB, memoryFreeBytes: 12 * GiB } },
    { name: 'free as reported', total: 16 * GiB, used: 1 * GiB, free: 14 * GiB, want: { memoryTotalBytes: 16 * GiB, memoryUsedBytes: 1 * GiB, memoryFreeBytes: 14 * GiB } },
    { name: 'used slightly over total is clamped', total: 8 * GiB, used: 8 * GiB + 10 * MiB, free: null, want: { memoryTotalBytes: 8 * GiB, memoryUsedBytes: 8 * GiB, memoryFreeBytes: 0 } },
    { name: 'used far over total is dropped', total: 8 * GiB, used: 9 * GiB, free: null, want: null },
    { name: 'zero total', total: 0, used: 0, free: null, want: null },
    { name: 'negative used', total: 8 * GiB, used: -1, free: null, want: null },
    { name: 'absurd total', total: 2 ** 60, used: 0, free: null, want: null },
    { name: 'missing used', total: 8 * GiB, used: null, free: null, want: null },
    { name: 'insane free is derived', total: 8 * GiB, used: 2 * GiB, free: 99 * GiB, want: { memoryTotalBytes: 8 * GiB, memoryUsedBytes: 2 * GiB, memoryFreeBytes: 6 * GiB } },
  ])('$name', ({ total, used, free, want }) => {
    expect(memoryFigures(total, used, free)).toEqual(want);
  });
});

describe('vendorFromText', () => {
  it.each([
    { input: 'NVIDIA', want: 'nvidia' },
    { input: 'Advanced Micro Devices, Inc. [AMD/ATI]', want: 'amd' },
    { input: 'AMD', want: 'amd' },
    { input: 'Apple', want: 'apple' },
    { input: 'Intel Corporation', want: 'other' },
    { input: '', want: 'other' },
  ])('$input → $want', ({ input, want }) => {
    expect(vendorFromText(input)).toBe(want);
  });
});
