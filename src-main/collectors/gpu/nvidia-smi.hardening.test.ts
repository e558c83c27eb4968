/** nvidia-smi hardening (issue 5): old drivers, localized decimals, driver trouble, via fake executables. */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MiB } from '../../../shared/units/bytes';
import { makeFakeBinDir, readInvocations, writeFakeTool, type FakeBinDir } from '../../../e2e/fakes/gpu/make-fake-tool';
import { silentLogger } from '../../util/logger';
import { NvidiaSmiStream, queryNvidiaSmiOnce } from './nvidia-smi.collector';
import { NVIDIA_FALLBACK_FIELDS, parseNvidiaSmiLine } from './nvidia-smi.parse';
import { livePids, until } from './test-helpers';

describe('parseNvidiaSmiLine hardening', () => {
  it.each([
    { name: 'decimal comma in power (nounits)', line: '0, GPU-1, NVIDIA X, 16376, 596, 15348, 434, 0, 43, 26,20, 595.71.05', want: { power: 26.2, used: 596 } },
    { name: 'decimal comma with unit', line: '0, GPU-1, NVIDIA X, 16376 MiB, 596 MiB, 15348 MiB, 434 MiB, 0 %, 43, 26,20 W, 595.71.05', want: { power: 26.2, used: 596 } },
    { name: 'bare commas still split', line: '0,GPU-1,NVIDIA X,16376,596,15348,434,0,43,26.20,595.71.05', want: { power: 26.2, used: 596 } },
  ])('$name', ({ line, want }) => {
    const r = parseNvidiaSmiLine(line);
    expect(r && { power: r.powerWatts, used: r.memoryUsedBytes / MiB }).toEqual(want);
  });

  it('fallback field set (no memory.reserved) parses by name', () => {
    const r = parseNvidiaSmiLine('1, GPU-2, Quadro K620, 2048, 311, 1737, 1, 38, [Not Supported], 470.256.02', NVIDIA_FALLBACK_FIELDS);
    expect(r).toMatchObject({ id: 'gpu:1', memoryTotalBytes: 2048 * MiB, memoryUsedBytes: 311 * MiB, memoryReservedBytes: null, utilizationPct: 1, temperatureC: 38, powerWatts: null });
    expect(parseNvidiaSmiLine('1, GPU-2, Quadro K620, 2048, 311, 1737, 1, 38, [Not Supported], 470.256.02')).toBeNull();
  });
});

const oldDriverLine = '0, GPU-2, Quadro K620, 2048, 311, 1737, 1, 38, [Not Supported], 470.256.02';

describe('nvidia-smi on an old driver', () => {
  let bin: FakeBinDir;
  let log: string;
  let file: string;
  const streams: NvidiaSmiStream[] = [];
  beforeEach(async () => {
    bin = await makeFakeBinDir();
    log = path.join(bin.dir, 'calls.log');
    file = await writeFakeTool(bin.dir, 'nvidia-smi', {
      logFile: log,
      rules: [
        { whenArgs: ['memory.reserved'], stdout: 'Field "memory.reserved" is not a valid field to query.\n\n', exitCode: 2 },
        { whenArgs: ['-lms'], stream: { frames: [oldDriverLine] } },
        { stdout: `${oldDriverLine}\n` },
      ],
    });
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.dispose();
    await until(() => livePids(log), (p) => p.length === 0, 4_000);
    await bin.remove();
  });

  it('the stream falls back to the smaller field set at once', async () => {
    const s = new NvidiaSmiStream({ path: file, intervalMs: 100, logger: silentLogger, minBackoffMs: 10_000 });
    streams.push(s);
    const r = await until(() => s.read(AbortSignal.timeout(3_000)), (x) => x.status === 'ok');
    expect(r.status === 'ok' && r.value[0]).toMatchObject({ name: 'Quadro K620', memoryUsedBytes: 311 * MiB, memoryReservedBytes: null });
    const calls = await readInvocations(log);
    expect(calls.map((c) => c.argv.some((a) => a.includes('memory.reserved')))).toEqual([true, false]);
  });

  it('the one-shot query retries once without memory.reserved', async () => {
    const r = await queryNvidiaSmiOnce(file, 5_000);
    expect(r.status === 'ok' && r.value[0]?.memoryTotalBytes).toBe(2048 * MiB);
    expect(await readInvocations(log)).toHaveLength(2);
  });
});

describe('nvidia-smi driver trouble', () => {
  it('driver/library mismatch → an error that says to reboot', async () => {
    const bin = await makeFakeBinDir();
    try {
      const file = await writeFakeTool(bin.dir, 'nvidia-smi', { rules: [{ stdout: 'Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 570.144\n', exitCode: 18 }] });
      const r = await queryNvidiaSmiOnce(file, 5_000);
      expect(r).toEqual({ status: 'error', message: 'nvidia-smi reports a driver/library version mismatch. Reboot after the driver update.' });
    } finally {
      await bin.remove();
    }
  });
});
