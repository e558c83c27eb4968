import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GiB, MiB } from '../../../shared/units/bytes';
import { gpuFixture, makeFakeBinDir, readInvocations, writeFakeTool, type FakeBinDir } from '../../../e2e/fakes/gpu/make-fake-tool';
import type { GpuReading } from '../../../shared/model/snapshot';
import type { GpuSource } from '../types';
import { adaptersFromSi, createWindowsCountersSource, typeperfArgs, withWindowsCounters } from './windows-counters.collector';
import { livePids, until } from './test-helpers';

const recorded = readFileSync(gpuFixture('windows/typeperf.gpu-adapter-memory.csv'), 'utf8').split(/\r?\n/);
const header = recorded[1] ?? '';
const row = recorded[2] ?? '';
const adapters = async () => [{ name: 'NVIDIA GeForce RTX 4080 SUPER', vendor: 'nvidia' as const, totalBytes: 16 * GiB }];

let bin: FakeBinDir;
let log: string;
let sources: GpuSource[] = [];
beforeEach(async () => {
  bin = await makeFakeBinDir();
  log = path.join(bin.dir, 'calls.log');
});
afterEach(async () => {
  for (const s of sources) s.dispose();
  sources = [];
  await until(() => livePids(log), (p) => p.length === 0, 4_000);
  await bin.remove();
});

async function typeperf(stream: Record<string, unknown>) {
  return writeFakeTool(bin.dir, 'typeperf', { logFile: log, rules: [{ whenArgs: ['-si'], crlf: true, stream: { header, frames: [row], intervalMs: 40, ...stream } }] });
}

const read = (s: GpuSource) => s.read(AbortSignal.timeout(5_000));

describe('Windows GPU counters source', () => {
  it('typeperf arguments: four counters, whole seconds', () => {
    expect(typeperfArgs(2500)).toEqual([
      '\\GPU Adapter Memory(*)\\Dedicated Usage',
      '\\GPU Adapter Memory(*)\\Shared Usage',
      '\\GPU Process Memory(*)\\Dedicated Usage',
      '\\GPU Process Memory(*)\\Shared Usage',
      '-si',
      '3',
    ]);
  });

  it('many reads, one typeperf process; dedicated + shared per adapter', async () => {
    const s = createWindowsCountersSource({ typeperfPath: await typeperf({}), loadAdapters: adapters });
    sources.push(s);
    const first = await until(() => read(s), (r) => r.status === 'ok' && r.value.length > 0);
    expect(first.status === 'ok' && first.value[0]).toMatchObject({ id: 'gpu:0', memoryTotalBytes: 16 * GiB, memoryUsedBytes: 10737786880, sharedUsedBytes: 148357120, sourceId: 'windows-counters' });
    for (let i = 0; i < 5; i += 1) await read(s);
    expect(await readInvocations(log)).toHaveLength(1);
  });

  it('before the first row: ok, empty, says it is waiting', async () => {
    const s = createWindowsCountersSource({ typeperfPath: await typeperf({ intervalMs: 60_000 }), loadAdapters: adapters });
    sources.push(s);
    expect(await read(s)).toEqual({ status: 'ok', value: [], message: 'Waiting for the first typeperf sample.' });
  });

  it('a stalled typeperf: readings marked stale, then restarted', async () => {
    const s = createWindowsCountersSource({ typeperfPath: await typeperf({ stallAfterFrames: 1 }), loadAdapters: adapters, staleAfterMs: 400, initialBackoffMs: 50 });
    sources.push(s);
    await until(() => read(s), (r) => r.status === 'ok' && r.value.length > 0);
    const stale = await until(() => read(s), (r) => r.status === 'ok' && r.value[0]?.stale === true);
    expect(stale.status === 'ok' && stale.value[0]?.stale).toBe(true);
    expect(stale.status === 'ok' && stale.message).toMatch(/No counter sample for/);
    await until(() => readInvocations(log), (l) => l.length >= 2);
    expect((await readInvocations(log)).length).toBeGreaterThanOrEqual(2);
  });

  it('missing counters (old or localized Windows) → a sentence', async () => {
    const file = await writeFakeTool(bin.dir, 'typeperf', { logFile: log, rules: [{ stdout: '\r\nError: No valid counters.\r\n', exitCode: 0 }] });
    const s = createWindowsCountersSource({ typeperfPath: file, loadAdapters: adapters, initialBackoffMs: 10_000 });
    sources.push(s);
    const r = await until(() => read(s), (x) => x.status === 'error');
    expect(r.status !== 'ok' && r.message).toMatch(/GPU counters are missing/);
  });

  it('enriches nvidia-smi readings with shared usage; dispose stops both', async () => {
    const counters = createWindowsCountersSource({ typeperfPath: await typeperf({}), loadAdapters: adapters });
    let nvidiaDisposed = false;
    const reading: GpuReading = { id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'RTX', uuid: null, memoryTotalBytes: 16 * GiB, memoryUsedBytes: 10240 * MiB, memoryFreeBytes: 6 * GiB, utilizationPct: 5, temperatureC: 40, powerWatts: 30 };
    const lines = new Set<() => void>();
    const nvidia: GpuSource = {
      id: 'nvidia-smi',
      label: 'NVIDIA (nvidia-smi)',
      read: async () => ({ status: 'ok', value: [reading] }),
      onData: (l) => (lines.add(l), { dispose: () => lines.delete(l) }),
      dispose: () => (nvidiaDisposed = true),
    };
    const s = withWindowsCounters(nvidia, counters);
    sources.push(s);
    // nvidia-smi's fresh lines still reach the monitor (its ticks ride on them).
    let pokes = 0;
    s.onData!(() => pokes++).dispose();
    s.onData!(() => pokes++);
    lines.forEach((l) => l());
    expect(pokes).toBe(1);
    const r = await until(() => read(s), (x) => x.status === 'ok' && x.value[0]?.sharedUsedBytes !== undefined);
    expect(r.status === 'ok' && r.value[0]).toMatchObject({ id: 'gpu:0', memoryUsedBytes: 10240 * MiB, sharedUsedBytes: 148357120 });
    expect(s.id).toBe('nvidia-smi');
    s.dispose();
    expect(nvidiaDisposed).toBe(true);
    expect(await until(() => livePids(log), (p) => p.length === 0)).toEqual([]);
  });

  it('adaptersFromSi: MiB to bytes, drops the Basic Render Driver and sizeless entries', () => {
    expect(
      adaptersFromSi([
        { vendor: 'NVIDIA', model: 'NVIDIA GeForce RTX 4080 SUPER', vram: 16376 },
        { vendor: 'Microsoft', model: 'Microsoft Basic Render Driver', vram: 0 },
        { vendor: 'Intel Corporation', model: 'Intel(R) UHD Graphics 770', vram: 128 },
        { vendor: 'X', model: 'Y', vram: null },
      ]),
    ).toEqual([
      { name: 'NVIDIA GeForce RTX 4080 SUPER', vendor: 'nvidia', totalBytes: 16376 * MiB },
      { name: 'Intel(R) UHD Graphics 770', vendor: 'other', totalBytes: 128 * MiB },
    ]);
  });
});
