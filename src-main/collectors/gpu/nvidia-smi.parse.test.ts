import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MiB } from '../../../shared/units/bytes';
import { describeNvidiaSmiFailure, parseNumberCell, parseNvidiaSmiCsv, parseNvidiaSmiLine } from './nvidia-smi.parse';

const fixture = (name: string) => readFileSync(join(__dirname, '../../../e2e/fixtures/backends/nvidia-smi', name), 'utf8');

describe('parseNvidiaSmiCsv on recorded output', () => {
  it.each([
    { name: 'single RTX 4080 SUPER', file: 'query-gpu.single.csv', want: [{ id: 'gpu:0', total: 16376, used: 596, free: 15348, util: 0, temp: 43, power: 26.2 }] },
    { name: 'Windows RTX 2080 SUPER', file: 'query-gpu.single.windows.csv', want: [{ id: 'gpu:0', total: 8192, used: 797, free: 7191, util: 0, temp: 40, power: 39.25 }] },
    {
      name: 'dual GPU',
      file: 'query-gpu.dual.csv',
      want: [
        { id: 'gpu:0', total: 24576, used: 18712, free: 5457, util: 87, temp: 71, power: 312.45 },
        { id: 'gpu:1', total: 12288, used: 9841, free: 2182, util: 64, temp: 63, power: 138.71 },
      ],
    },
    {
      name: '[N/A] and [Not Supported] become null',
      file: 'query-gpu.not-supported.csv',
      want: [
        { id: 'gpu:0', total: 81559, used: 59, free: 81022, util: null, temp: 42, power: 71.15 },
        { id: 'gpu:1', total: 4096, used: 1162, free: 2783, util: 3, temp: 52, power: null },
        { id: 'gpu:2', total: 2048, used: 311, free: 1737, util: 1, temp: 38, power: null },
      ],
    },
    {
      name: 'with units (csv without nounits), header skipped',
      file: 'query-gpu.dual.units.csv',
      want: [
        { id: 'gpu:0', total: 24576, used: 18712, free: 5457, util: 87, temp: 71, power: 312.45 },
        { id: 'gpu:1', total: 12288, used: 9841, free: 2182, util: 64, temp: 63, power: 138.71 },
      ],
    },
  ])('$name', ({ file, want }) => {
    const got = parseNvidiaSmiCsv(fixture(file));
    expect(
      got.map((g) => ({
        id: g.id,
        total: g.memoryTotalBytes / MiB,
        used: g.memoryUsedBytes / MiB,
        free: g.memoryFreeBytes / MiB,
        util: g.utilizationPct,
        temp: g.temperatureC,
        power: g.powerWatts,
      })),
    ).toEqual(want);
  });

  it('keeps name and uuid, and reserved memory where reported', () => {
    const [gpu] = parseNvidiaSmiCsv(fixture('query-gpu.single.csv'));
    expect(gpu).toMatchObject({ name: 'NVIDIA GeForce RTX 4080 SUPER', uuid: 'GPU-00000000-0000-0000-0000-000000000000', vendor: 'nvidia', memoryReservedBytes: 434 * MiB });
    const quadro = parseNvidiaSmiCsv(fixture('query-gpu.not-supported.csv'))[2];
    expect(quadro?.memoryReservedBytes).toBeNull();
  });
});

describe('parseNvidiaSmiLine bad input', () => {
  it.each([
    { name: 'empty', line: '' },
    { name: 'garbage', line: 'Xid (PCI:0000:01:00): 79, GPU has fallen off the bus' },
    { name: 'truncated line', line: '0, GPU-1, NVIDIA X, 16376, 596' },
    { name: 'extra column', line: '0, GPU-1, NVIDIA X, 16376, 596, 15348, 434, 0, 43, 26.20, 595.71.05, 7' },
    { name: 'total is [N/A]', line: '0, GPU-1, NVIDIA X, [N/A], 596, 15348, 434, 0, 43, 26.20, 595.71.05' },
    { name: 'used is [Insufficient Permissions]', line: '0, GPU-1, NVIDIA X, 16376, [Insufficient Permissions], 15348, 434, 0, 43, 26.20, 595.71.05' },
    { name: 'negative used', line: '0, GPU-1, NVIDIA X, 16376, -5, 15348, 434, 0, 43, 26.20, 595.71.05' },
    { name: 'zero total', line: '0, GPU-1, NVIDIA X, 0, 0, 0, 0, 0, 43, 26.20, 595.71.05' },
    { name: 'header line', line: 'index, uuid, name, memory.total [MiB], memory.used [MiB], memory.free [MiB], memory.reserved [MiB], utilization.gpu [%], temperature.gpu, power.draw [W], driver_version' },
  ])('$name → skipped', ({ line }) => {
    expect(parseNvidiaSmiLine(line)).toBeNull();
  });

  it('used above total is clamped to total (never negative headroom)', () => {
    const r = parseNvidiaSmiLine('0, GPU-1, NVIDIA X, 8192, 9000, 0, 0, 0, 43, 26.20, 595.71.05');
    expect(r?.memoryUsedBytes).toBe(8192 * MiB);
    expect(r?.memoryFreeBytes).toBe(0);
  });

  it.each([
    { cell: '[N/A]', want: null },
    { cell: ' [Not Supported]', want: null },
    { cell: '26.20 W', want: 26.2 },
    { cell: '16376 MiB', want: 16376 },
    { cell: '1,5', want: null },
    { cell: 'NaN', want: null },
    { cell: undefined, want: null },
  ])('parseNumberCell($cell) = $want', ({ cell, want }) => {
    expect(parseNumberCell(cell)).toBe(want);
  });
});

describe('describeNvidiaSmiFailure', () => {
  it.each([
    { code: 'ENOENT', out: '', path: 'nvidia-smi', want: /not found on PATH/ },
    { code: 9, out: fixture('no-driver.stdout.txt'), path: 'nvidia-smi', want: /driver.*exit 9/ },
    { code: 18, out: 'Failed to initialize NVML: Driver/library version mismatch', path: 'nvidia-smi', want: /mismatch/ },
    { code: 6, out: 'No devices were found', path: 'nvidia-smi', want: /no NVIDIA devices/ },
    { code: 255, out: '', path: 'nvidia-smi', want: /exit 255/ },
  ])('$code → $want', ({ code, out, path, want }) => {
    expect(describeNvidiaSmiFailure(code, out, path)).toMatch(want);
  });
});
