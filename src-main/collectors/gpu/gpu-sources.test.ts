import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GiB } from '../../../shared/units/bytes';
import { gpuFixture, makeFakeBinDir, writeFakeTool, type FakeBinDir } from '../../../e2e/fakes/gpu/make-fake-tool';
import type { GpuSource } from '../types';
import { createGpuSources, probeGpuSources, probeToSourceStatus, type GpuSourceProbe, type GpuSourcesOptions } from './gpu-sources';

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

/** Linux with only the fake bin dir on PATH (no /opt/rocm), nothing from systeminformation. */
const linux = (extra: Partial<GpuSourcesOptions> = {}): GpuSourcesOptions => ({
  platform: 'linux',
  arch: 'x64',
  env: { PATH: bin.dir, ROCM_PATH: path.join(bin.dir, 'no-rocm') },
  probeTimeoutMs: 5_000,
  loadSiControllers: async () => [],
  createNvidiaSource: (p) => ({ id: 'nvidia-smi', label: `stub ${p}`, read: async () => ({ status: 'ok', value: [] }), dispose() {} }),
  ...extra,
});

const summary = (probes: GpuSourceProbe[]) => Object.fromEntries(probes.map((p) => [p.id, { ok: p.isAvailable, reason: p.reason, selected: p.isSelected ?? false }]));

async function create(opts: GpuSourcesOptions) {
  const r = await createGpuSources(opts);
  sources.push(...r.sources);
  return r;
}

describe('probeGpuSources / createGpuSources', () => {
  it('Linux, no GPU tools: every source says why', async () => {
    const { sources: started, probes } = await create(linux());
    expect(started).toEqual([]);
    expect(summary(probes)).toEqual({
      'nvidia-smi': { ok: false, reason: 'nvidia-smi not found on PATH.', selected: false },
      'amd-smi': { ok: false, reason: `amd-smi not found on PATH or in ${path.join(bin.dir, 'no-rocm')}/bin.`, selected: false },
      'rocm-smi': { ok: false, reason: `rocm-smi not found on PATH or in ${path.join(bin.dir, 'no-rocm')}/bin.`, selected: false },
      'windows-counters': { ok: false, reason: 'Windows only.', selected: false },
      'apple-unified': { ok: false, reason: 'Apple Silicon Macs only.', selected: false },
      systeminformation: { ok: false, reason: 'systeminformation reports no GPU memory usage.', selected: false },
    });
    expect(probeToSourceStatus(probes[2] as GpuSourceProbe)).toMatchObject({ id: 'rocm-smi', status: 'unavailable', label: 'AMD (rocm-smi)' });
  });

  it('Linux AMD: amd-smi preferred, rocm-smi on standby, readings flow', async () => {
    await writeFakeTool(bin.dir, 'rocm-smi', { rules: [{ stdoutFile: gpuFixture('rocm-smi/meminfo.json') }] });
    await writeFakeTool(bin.dir, 'amd-smi', { rules: [{ whenArgs: ['metric', '--mem-usage', '--json'], stdoutFile: gpuFixture('amd-smi/metric-mem-usage.json') }] });
    const { sources: started, probes } = await create(linux());
    expect(started.map((s) => s.id)).toEqual(['amd-smi']);
    expect(summary(probes)['rocm-smi']).toEqual({ ok: true, reason: 'Standby: amd-smi is used instead.', selected: false });
    expect(summary(probes)['amd-smi']).toEqual({ ok: true, reason: '1 GPU found.', selected: true });
    const r = await started[0]?.read(AbortSignal.timeout(5_000));
    expect(r?.status === 'ok' && r.value[0]?.vendor).toBe('amd');
  });

  it('Linux AMD: the product name is asked once and shown on every reading', async () => {
    const log = path.join(bin.dir, 'amd-smi.calls.log');
    await writeFakeTool(bin.dir, 'amd-smi', {
      logFile: log,
      rules: [
        { whenArgs: ['static', '--asic', '--board', '--json'], stdoutFile: gpuFixture('amd-smi/static.json') },
        { whenArgs: ['metric', '--mem-usage', '--json'], stdoutFile: gpuFixture('amd-smi/metric-mem-usage.json') },
      ],
    });
    const { sources: started } = await create(linux());
    for (let i = 0; i < 3; i++) {
      const r = await started[0]!.read(AbortSignal.timeout(5_000));
      expect(r.status === 'ok' && r.value.map((g) => g.name)).toEqual(['Radeon RX 7900 XTX']);
    }
    const calls = (await readFile(log, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { argv: string[] }).argv[0]);
    expect(calls.filter((a) => a === 'static')).toHaveLength(1);
  });

  it('Linux AMD: rocm-smi alone when amd-smi is broken', async () => {
    await writeFakeTool(bin.dir, 'rocm-smi', { rules: [{ stdoutFile: gpuFixture('rocm-smi/meminfo.dual.json') }] });
    await writeFakeTool(bin.dir, 'amd-smi', { rules: [{ stderr: 'amdsmi.AmdSmiLibraryException: Error code: 34\n', exitCode: 1 }] });
    const { sources: started, probes } = await create(linux());
    expect(started.map((s) => s.id)).toEqual(['rocm-smi']);
    expect(summary(probes)['amd-smi']?.reason).toMatch(/exit 1\): amdsmi.AmdSmiLibraryException/);
    expect(summary(probes)['rocm-smi']?.reason).toBe('2 GPUs found.');
  });

  it('NVIDIA found and working; systeminformation is not needed', async () => {
    await writeFakeTool(bin.dir, 'nvidia-smi', { rules: [{ stdoutFile: gpuFixture('nvidia-smi/query-gpu.dual.csv') }] });
    let created = '';
    const { sources: started, probes } = await create(
      linux({ createNvidiaSource: (p) => ((created = p), { id: 'nvidia-smi', label: 'stub', read: async () => ({ status: 'ok', value: [] }), dispose() {} }) }),
    );
    expect(created).toBe(path.join(bin.dir, 'nvidia-smi'));
    expect(started.map((s) => s.id)).toEqual(['nvidia-smi']);
    expect(summary(probes)['nvidia-smi']).toEqual({ ok: true, reason: '2 GPUs found.', selected: true });
    expect(summary(probes).systeminformation?.reason).toBe('Not needed: a vendor source covers the GPUs.');
  });

  it('NVIDIA: each line of the running stream reaches onData through the watch (the monitor ticks on it, scheduler.ts poke)', async () => {
    // The real stream (NvidiaSmiStream) against the fake nvidia-smi, as `serve` builds it.
    const fake = path.join(__dirname, '../../../e2e/fakes/nvidia-smi');
    const state = path.join(bin.dir, 'smi.state');
    await writeFile(state, '0, GPU-1, NVIDIA GeForce RTX 4090, 24564, 1000, 23264, 300, 10, 50, 100.00, 595.71.05\n');
    process.env.FAKE_NVIDIA_SMI_STATE = state;
    try {
      const { sources: started } = await create(linux({ createNvidiaSource: undefined, paths: { 'nvidia-smi': fake }, intervalMs: 100 }));
      expect(started.map((s) => s.id)).toEqual(['nvidia-smi']);
      let lines = 0;
      const subscription = started[0]!.onData!(() => lines++);
      await vi.waitFor(() => expect(lines).toBeGreaterThanOrEqual(3), { timeout: 10_000, interval: 50 });
      subscription.dispose();
      const after = lines;
      await new Promise((r) => setTimeout(r, 350));
      expect(lines).toBe(after);
    } finally {
      delete process.env.FAKE_NVIDIA_SMI_STATE;
    }
  });

  it('NVIDIA installed without a driver (exit 9) → unavailable with the reason', async () => {
    await writeFakeTool(bin.dir, 'nvidia-smi', { rules: [{ stdoutFile: gpuFixture('nvidia-smi/no-driver.stdout.txt'), exitCode: 9 }] });
    const { probes } = await create(linux());
    expect(summary(probes)['nvidia-smi']).toMatchObject({ ok: false, reason: expect.stringMatching(/exit 9/) });
  });

  it('fallback: systeminformation when no vendor tool exists', async () => {
    const { sources: started, probes } = await create(linux({ loadSiControllers: async () => [{ vendor: 'NVIDIA', model: 'RTX', memoryTotal: 8192, memoryUsed: 100, memoryFree: 8092 }] }));
    expect(started.map((s) => s.id)).toEqual(['systeminformation']);
    expect(summary(probes).systeminformation).toEqual({ ok: true, reason: null, selected: true });
  });

  it('switched off in settings', async () => {
    await writeFakeTool(bin.dir, 'rocm-smi', { rules: [{ stdoutFile: gpuFixture('rocm-smi/meminfo.json') }] });
    const probes = await probeGpuSources(linux({ disabled: ['rocm-smi'] }));
    expect(summary(probes)['rocm-smi']).toEqual({ ok: false, reason: 'Switched off in settings.', selected: false });
  });

  it('Windows: typeperf runs for any vendor when nvidia-smi is absent', async () => {
    const typeperf = await writeFakeTool(bin.dir, 'typeperf', { rules: [{ stream: { frames: ['x'], intervalMs: 1000 } }] });
    const nothing = { platform: 'win32' as const, env: {}, isExecutable: async () => false, listDirs: async () => [], mtimeMs: async () => null };
    const { sources: started, probes } = await create(linux({ platform: 'win32', locate: nothing, paths: { typeperf } }));
    expect(started.map((s) => s.id)).toEqual(['windows-counters']);
    expect(summary(probes)['nvidia-smi']?.reason).toBe('nvidia-smi not found in System32, the DriverStore, NVSMI or on PATH.');
    expect(summary(probes)['rocm-smi']?.reason).toMatch(/^Linux only/);
  });

  it('Windows: the counters are read through WMI (any display language) when Windows PowerShell exists', async () => {
    const ps = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
    const locate = { platform: 'win32' as const, env: { WINDIR: 'C:\\Windows' }, isExecutable: async (f: string) => f === ps, listDirs: async () => [], mtimeMs: async () => null };
    const { sources: started, probes } = await create(linux({ platform: 'win32', locate, env: { WINDIR: 'C:\\Windows' }, loadWindowsAdapters: async () => [] }));
    expect(started.map((s) => [s.id, s.label])).toEqual([['windows-counters', 'Windows GPU counters (WMI)']]);
    expect(probes.find((p) => p.id === 'windows-counters')).toMatchObject({ isAvailable: true, path: ps, reason: 'Read through WMI (any display language).' });
  });

  it('Windows with NVIDIA: the counters enrich the nvidia-smi source', async () => {
    const typeperf = await writeFakeTool(bin.dir, 'typeperf', { rules: [{ stream: { frames: ['x'], intervalMs: 1000 } }] });
    const nvsmi = await writeFakeTool(bin.dir, 'nvidia-smi', { rules: [{ stdoutFile: gpuFixture('nvidia-smi/query-gpu.single.windows.csv') }] });
    const nothing = { platform: 'win32' as const, env: {}, isExecutable: async () => false, listDirs: async () => [], mtimeMs: async () => null };
    const { sources: started, probes } = await create(linux({ platform: 'win32', locate: nothing, paths: { typeperf, 'nvidia-smi': nvsmi } }));
    expect(started.map((s) => [s.id, s.label])).toEqual([['nvidia-smi', 'stub ' + nvsmi + ' + Windows GPU counters']]);
    expect(summary(probes)['windows-counters']).toMatchObject({ ok: true, selected: true });
  });

  it.each([
    { name: 'Apple Silicon', arch: 'arm64', want: { ok: true, selected: true } },
    { name: 'Intel Mac', arch: 'x64', want: { ok: false, reason: 'Apple Silicon only (this Mac has an Intel CPU).' } },
  ])('macOS: $name', async ({ arch, want }) => {
    const sysctl = await writeFakeTool(bin.dir, 'sysctl', { rules: [{ stdout: `iogpu.wired_limit_mb: 0\nhw.memsize: ${64 * GiB}\n` }] });
    const { probes } = await create(linux({ platform: 'darwin', arch, paths: { sysctl }, readAppleUsedBytes: async () => 1 * GiB }));
    expect(summary(probes)['apple-unified']).toMatchObject(want);
    expect(summary(probes)['nvidia-smi']?.reason).toBe('Not on macOS (no NVIDIA driver).');
  });
});
