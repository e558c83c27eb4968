/** One-shot GPU sources against fake executables: AMD (rocm-smi, amd-smi), Apple sysctl, systeminformation. */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GiB, MiB } from '../../../shared/units/bytes';
import { gpuFixture, makeFakeBinDir, readInvocations, writeFakeTool, type FakeBinDir } from '../../../e2e/fakes/gpu/make-fake-tool';
import type { GpuSource } from '../types';
import { parseAmdSmiMemUsage, parseRocmSmiMeminfo } from './amd.parse';
import { createAppleSource } from './apple.collector';
import { createCommandGpuSource } from './command-source';
import { createSiGraphicsSource } from './si-graphics.collector';

let bin: FakeBinDir;
let sources: GpuSource[] = [];
beforeEach(async () => {
  bin = await makeFakeBinDir();
});
afterEach(async () => {
  for (const s of sources) s.dispose();
  sources = [];
  await bin.remove();
});
const keep = <T extends GpuSource>(s: T) => {
  sources.push(s);
  return s;
};
const read = (s: GpuSource, timeoutMs = 5_000) => s.read(AbortSignal.timeout(timeoutMs));

const rocm = (file: string, timeoutMs?: number) =>
  keep(createCommandGpuSource({ id: 'rocm-smi', label: 'AMD (rocm-smi)', file, args: ['--showmeminfo', 'vram', '--json'], parse: parseRocmSmiMeminfo, ...(timeoutMs ? { timeoutMs } : {}) }));

describe('AMD command sources', () => {
  it('rocm-smi: two GPUs from the recorded JSON, args passed as an array', async () => {
    const log = path.join(bin.dir, 'calls.log');
    const file = await writeFakeTool(bin.dir, 'rocm-smi', { logFile: log, rules: [{ whenArgs: ['--showmeminfo', 'vram', '--json'], stdoutFile: gpuFixture('rocm-smi/meminfo.dual.json') }] });
    const r = await read(rocm(file));
    expect(r.status).toBe('ok');
    if (r.status !== 'ok') return;
    expect(r.value.map((g) => [g.id, g.memoryTotalBytes, g.memoryUsedBytes])).toEqual([
      ['gpu:0', 25753026560, 13388791808],
      ['gpu:1', 17163091968, 16146432],
    ]);
    expect((await readInvocations(log))[0]?.argv).toEqual(['--showmeminfo', 'vram', '--json']);
  });

  it('no process per tick: at most one run per 5 s, ticks in between reuse the last good reading; a failure is retried at once', async () => {
    const log = path.join(bin.dir, 'calls.log');
    const file = await writeFakeTool(bin.dir, 'rocm-smi', { logFile: log, rules: [{ whenArgs: ['--showmeminfo', 'vram', '--json'], stdoutFile: gpuFixture('rocm-smi/meminfo.dual.json') }] });
    let nowMs = 1_000_000;
    const s = keep(createCommandGpuSource({ id: 'rocm-smi', label: 'AMD (rocm-smi)', file, args: ['--showmeminfo', 'vram', '--json'], parse: parseRocmSmiMeminfo, now: () => nowMs }));
    for (let tick = 0; tick < 10; tick++) {
      expect((await read(s)).status).toBe('ok');
      nowMs += 1000;
    }
    // Ten 1 s ticks: runs at 0 s and 5 s only.
    expect(await readInvocations(log)).toHaveLength(2);
    const broken = await writeFakeTool(bin.dir, 'rocm-smi-broken', { logFile: log, rules: [{ stderr: 'ERROR\n', exitCode: 1 }] });
    const failing = keep(createCommandGpuSource({ id: 'rocm-smi', label: 'AMD (rocm-smi)', file: broken, args: ['--showmeminfo', 'vram', '--json'], parse: parseRocmSmiMeminfo, now: () => nowMs }));
    expect((await read(failing)).status).toBe('error');
    expect((await read(failing)).status).toBe('error');
    expect(await readInvocations(log)).toHaveLength(4);
  });

  it('amd-smi: MiB labelled MB become bytes', async () => {
    const file = await writeFakeTool(bin.dir, 'amd-smi', { rules: [{ stdoutFile: gpuFixture('amd-smi/metric-mem-usage.json') }] });
    const s = keep(createCommandGpuSource({ id: 'amd-smi', label: 'AMD (amd-smi)', file, args: ['metric', '--mem-usage', '--json'], parse: parseAmdSmiMemUsage }));
    const r = await read(s);
    expect(r.status === 'ok' && r.value[0]).toMatchObject({ memoryTotalBytes: 24560 * MiB, memoryUsedBytes: 12768 * MiB, vendor: 'amd', sourceId: 'amd-smi' });
  });

  it.each([
    { name: 'missing executable', rule: null, status: 'unavailable', message: /rocm-smi not found at/ },
    { name: 'non-zero exit names the cause', rule: { stderr: 'ERROR: GPU[0] : Unable to open /dev/kfd\n', exitCode: 1 }, status: 'error', message: /exit 1\): ERROR: GPU\[0\] : Unable to open \/dev\/kfd/ },
    { name: 'empty output', rule: { stdout: '' }, status: 'error', message: /no GPU in its output/ },
    { name: '[N/A] values', rule: { stdout: '{"card0": {"VRAM Total Memory (B)": "[N/A]", "VRAM Total Used Memory (B)": "[N/A]"}}' }, status: 'error', message: /GPU 0: rocm-smi reported no usable VRAM figures/ },
    { name: 'hang past the timeout', rule: { delayMs: 10_000, stdout: '{}' }, status: 'error', message: /timed out after 1000 ms\. Is the GPU driver hung\?/, timeoutMs: 1000 },
  ])('$name', async ({ rule, status, message, timeoutMs }) => {
    const file = rule ? await writeFakeTool(bin.dir, 'rocm-smi', { rules: [rule] }) : path.join(bin.dir, 'rocm-smi');
    const r = await read(rocm(file, timeoutMs ?? 8_000), 10_000);
    expect(r.status).toBe(status);
    expect(r.status !== 'ok' && r.message).toMatch(message);
  });
});

describe('Apple unified-memory source', () => {
  it('budget from sysctl (0 → OS default), used from the injected reader, sysctl cached', async () => {
    const log = path.join(bin.dir, 'calls.log');
    const sysctlPath = await writeFakeTool(bin.dir, 'sysctl', {
      logFile: log,
      rules: [{ whenArgs: ['iogpu.wired_limit_mb', 'hw.memsize'], stdout: 'iogpu.wired_limit_mb: 0\nhw.memsize: 68719476736\nmachdep.cpu.brand_string: Apple M2 Max\n' }],
    });
    const s = keep(createAppleSource({ sysctlPath, readUsedBytes: async () => 20 * GiB, freeBytes: () => 8 * GiB }));
    const r = await read(s);
    expect(r.status).toBe('ok');
    expect(r.status === 'ok' && r.value[0]).toMatchObject({ name: 'Apple M2 Max GPU', vendor: 'apple', memoryTotalBytes: 48 * GiB, memoryUsedBytes: 20 * GiB, unifiedMemory: true });
    expect(r.status === 'ok' && r.message).toMatch(/shared with macOS and apps/);
    await read(s);
    expect(await readInvocations(log)).toHaveLength(1);
  });

  it('no process per tick: between precise reads (every 30 s) memory in use follows the free pool', async () => {
    const sysctlPath = await writeFakeTool(bin.dir, 'sysctl', { rules: [{ stdout: 'iogpu.wired_limit_mb: 0\nhw.memsize: 68719476736\n' }] });
    let t = 0;
    let free = 30 * GiB;
    let preciseReads = 0;
    const s = keep(createAppleSource({ sysctlPath, now: () => t, freeBytes: () => free, readUsedBytes: async () => (preciseReads++, 20 * GiB) }));
    expect((await read(s)).status === 'ok').toBe(true);
    // A model loads: 6 GiB leave the free pool; the next tick shows it without a new process.
    t = 1000;
    free = 24 * GiB;
    const r = await read(s);
    expect(r.status === 'ok' && r.value[0]?.memoryUsedBytes).toBe(26 * GiB);
    expect(preciseReads).toBe(1);
    t = 31_000;
    await read(s);
    expect(preciseReads).toBe(2);
  });

  it('macOS 13: unknown oid exits non-zero but hw.memsize still counts', async () => {
    const sysctlPath = await writeFakeTool(bin.dir, 'sysctl', { rules: [{ stdout: 'hw.memsize: 17179869184\n', stderr: "sysctl: unknown oid 'iogpu.wired_limit_mb'\n", exitCode: 1 }] });
    const r = await read(keep(createAppleSource({ sysctlPath, readUsedBytes: async () => 1 * GiB })));
    expect(r.status === 'ok' && r.value[0]?.memoryTotalBytes).toBe(Math.floor((16 * GiB * 2) / 3));
  });

  it.each([
    { name: 'no memsize', stdout: '', used: 1, message: /Apple GPU budget/ },
    { name: 'used unknown', stdout: 'hw.memsize: 17179869184\n', used: null, message: /memory in use could not be read/ },
  ])('error: $name', async ({ stdout, used, message }) => {
    const sysctlPath = await writeFakeTool(bin.dir, 'sysctl', { rules: [{ stdout }] });
    const r = await read(keep(createAppleSource({ sysctlPath, readUsedBytes: async () => used })));
    expect(r.status).toBe('error');
    expect(r.status !== 'ok' && r.message).toMatch(message);
  });
});

describe('systeminformation fallback', () => {
  it('maps controllers and reuses a result within minIntervalMs', async () => {
    let calls = 0;
    let t = 0;
    const s = keep(createSiGraphicsSource({ now: () => t, minIntervalMs: 1000, loadControllers: async () => (calls++, [{ vendor: 'NVIDIA', model: 'RTX', memoryTotal: 8192, memoryFree: 8192 }]) }));
    const r = await read(s);
    expect(r.status === 'ok' && r.value[0]).toMatchObject({ memoryUsedBytes: 0, memoryTotalBytes: 8 * GiB });
    t = 500;
    await read(s);
    t = 1500;
    await read(s);
    expect(calls).toBe(2);
  });

  it.each([
    { name: 'total only', load: async () => [{ vendor: 'AMD', model: 'Navi', vram: 16384 }], status: 'unavailable', message: /Navi: total known, usage not reported/ },
    { name: 'throws', load: async () => Promise.reject(new Error('WMI broke')), status: 'error', message: /WMI broke/ },
  ])('$name', async ({ load, status, message }) => {
    const r = await read(keep(createSiGraphicsSource({ loadControllers: load })));
    expect(r.status).toBe(status);
    expect(r.status !== 'ok' && r.message).toMatch(message);
  });

  it('a hung systeminformation call ends with the read signal', async () => {
    const r = await read(keep(createSiGraphicsSource({ loadControllers: () => new Promise(() => {}) })), 100);
    expect(r).toEqual({ status: 'error', message: 'systeminformation graphics(): timed out.' });
  });
});
