/**
 * Issue 11 item 7: NVIDIA not ready at login is probed again with backoff; a driver update that
 * moves nvidia-smi.exe to a new DriverStore folder is followed. The first test runs the real
 * probe against a fake nvidia-smi that fails like a driver that is not loaded yet (exit 9, the
 * recorded "couldn't communicate with the NVIDIA driver" output) and then starts answering.
 */
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { gpuFixture, makeFakeBinDir, writeFakeTool, type FakeBinDir } from '../../../e2e/fakes/gpu/make-fake-tool';
import type { GpuSource, SourceSample } from '../types';
import type { GpuReading } from '../../../shared/model/snapshot';
import { createGpuSources } from './gpu-sources';
import { NvidiaSourceWatch, type NvidiaProbeResult } from './nvidia-reprobe';

const stub = (label: string, sample: SourceSample<GpuReading[]> = { status: 'ok', value: [] }): GpuSource & { disposed: boolean } => ({
  id: 'nvidia-smi',
  label,
  disposed: false,
  read: async () => sample,
  dispose() {
    this.disposed = true;
  },
});

describe('createGpuSources: nvidia-smi that fails at start (driver not loaded yet)', () => {
  let bin: FakeBinDir;
  const started: GpuSource[] = [];
  beforeEach(async () => {
    bin = await makeFakeBinDir();
  });
  afterEach(async () => {
    for (const s of started.splice(0)) s.dispose();
    await bin.remove();
  });

  it('probes again with backoff and starts NVIDIA when the driver answers', async () => {
    await writeFakeTool(bin.dir, 'nvidia-smi', { rules: [{ stdoutFile: gpuFixture('nvidia-smi/no-driver.stdout.txt'), exitCode: 9 }] });
    const created: string[] = [];
    const { sources, probes } = await createGpuSources({
      platform: 'linux',
      arch: 'x64',
      env: { PATH: bin.dir, ROCM_PATH: path.join(bin.dir, 'no-rocm') },
      loadSiControllers: async () => [],
      nvidiaReprobe: { backoffMs: [100] },
      createNvidiaSource: (p) => (created.push(p), stub(`stream ${p}`)),
    });
    started.push(...sources);
    expect(sources.map((s) => s.id)).toEqual(['nvidia-smi']);
    expect(probes.find((p) => p.id === 'nvidia-smi')).toMatchObject({ isAvailable: false, isSelected: true, path: null });
    const first = await sources[0]!.read(AbortSignal.timeout(1000));
    expect(first).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/exit 9.*Checking again in \d+ s/s) });
    // The driver finishes loading.
    await writeFakeTool(bin.dir, 'nvidia-smi', { rules: [{ stdoutFile: gpuFixture('nvidia-smi/query-gpu.single.csv') }] });
    await vi.waitFor(() => expect(created).toEqual([path.join(bin.dir, 'nvidia-smi')]), { timeout: 10_000, interval: 50 });
    expect(sources[0]!.label).toBe(`stream ${path.join(bin.dir, 'nvidia-smi')}`);
    expect(await sources[0]!.read(AbortSignal.timeout(1000))).toEqual({ status: 'ok', value: [] });
  });
});

describe('NvidiaSourceWatch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const base = (over: Partial<ConstructorParameters<typeof NvidiaSourceWatch>[0]> = {}) => {
    const probes: number[] = [];
    let answer: NvidiaProbeResult = { ok: false, reason: 'nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver' };
    const created: string[] = [];
    const w = new NvidiaSourceWatch({
      initial: { reason: 'nvidia-smi failed (exit 9)' },
      probe: async () => (probes.push(Date.now()), answer),
      relocate: async () => null,
      isExecutable: async () => true,
      create: (p) => (created.push(p), stub(p)),
      ...over,
    });
    return { w, probes, created, answer: (a: NvidiaProbeResult) => (answer = a) };
  };

  it('backs off 5 s, 10 s, 20 s … 5 min, and gives up after 30 minutes with a sentence', async () => {
    const t0 = Date.now();
    const { w, probes } = base();
    await vi.advanceTimersByTimeAsync(31 * 60_000);
    expect(probes.map((at) => Math.round((at - t0) / 1000))).toEqual([5, 15, 35, 75, 155, 315, 615, 915, 1215, 1515]);
    expect((await w.read(AbortSignal.timeout(1000))).message).toMatch(/Stopped checking after 30 min; restart Headroom once the NVIDIA driver runs\.$/);
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(probes).toHaveLength(10); // no retry loop forever
    w.dispose();
  });

  it('runs the Windows counters meanwhile, then replaces them with NVIDIA', async () => {
    const counters = { ...stub('Windows GPU counters', { status: 'ok', value: [] }), id: 'windows-counters' };
    const { w, created, answer } = base({ fallback: counters });
    expect(w.id).toBe('windows-counters');
    expect((await w.read(AbortSignal.timeout(1000))).message).toMatch(/^NVIDIA: nvidia-smi failed \(exit 9\)\. Checking again in 5 s/);
    answer({ ok: true, path: 'C:\\Windows\\System32\\nvidia-smi.exe' });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(created).toEqual(['C:\\Windows\\System32\\nvidia-smi.exe']);
    expect(counters.disposed).toBe(true);
    expect(w.id).toBe('nvidia-smi');
    w.dispose();
  });

  it('follows nvidia-smi.exe to its new DriverStore folder after a driver update', async () => {
    const oldPath = 'C:\\Windows\\System32\\DriverStore\\FileRepository\\nv_dispi.inf_amd64_1111\\nvidia-smi.exe';
    const newPath = 'C:\\Windows\\System32\\DriverStore\\FileRepository\\nv_dispi.inf_amd64_2222\\nvidia-smi.exe';
    const files = new Set([oldPath]);
    const failing = stub(oldPath, { status: 'error', message: 'nvidia-smi could not start: spawn ENOENT' });
    const created: string[] = [];
    const w = new NvidiaSourceWatch({
      initial: { path: oldPath },
      probe: async () => ({ ok: false, reason: 'unused' }),
      relocate: async () => [...files][0] ?? null,
      isExecutable: async (p) => files.has(p),
      create: (p) => (created.push(p), p === oldPath ? failing : stub(p)),
      relocateCheckMs: 30_000,
    });
    await w.read(AbortSignal.timeout(1000)); // still there: nothing to do
    await vi.advanceTimersByTimeAsync(0);
    expect(created).toEqual([oldPath]);
    files.delete(oldPath);
    files.add(newPath); // the update
    await w.read(AbortSignal.timeout(1000)); // inside the 30 s check interval: no check yet
    await vi.advanceTimersByTimeAsync(0);
    expect(created).toEqual([oldPath]);
    await vi.advanceTimersByTimeAsync(30_000);
    await w.read(AbortSignal.timeout(1000));
    await vi.advanceTimersByTimeAsync(0);
    expect(created).toEqual([oldPath, newPath]);
    expect(failing.disposed).toBe(true);
    expect(w.currentPath).toBe(newPath);
    expect(await w.read(AbortSignal.timeout(1000))).toEqual({ status: 'ok', value: [] });
    w.dispose();
  });

  it('sleep: suspend stops nvidia-smi (no stale stream to restart on wake), resume starts a fresh one', async () => {
    const made: (GpuSource & { disposed: boolean })[] = [];
    const w = new NvidiaSourceWatch({
      initial: { path: '/usr/bin/nvidia-smi' },
      probe: async () => ({ ok: false, reason: 'unused' }),
      relocate: async () => null,
      isExecutable: async () => true,
      create: (p) => {
        const s = stub(p);
        made.push(s);
        return s;
      },
    });
    w.suspend();
    expect(made[0]!.disposed).toBe(true);
    expect(await w.read(AbortSignal.timeout(1000))).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/^Paused/) });
    w.resume();
    expect(made).toHaveLength(2);
    expect(made[1]!.disposed).toBe(false);
    expect(await w.read(AbortSignal.timeout(1000))).toEqual({ status: 'ok', value: [] });
    w.dispose();
  });

  it('forwards each fresh line of the running stream to onData, across a late start, sleep and resume', async () => {
    // A stub stream with the GpuSource onData contract (collectors/types.ts): `emit` is a fresh line.
    const made: Array<{ path: string; emit(): void; listeners: Set<() => void> }> = [];
    const { w, answer } = base({
      create: (p) => {
        const listeners = new Set<() => void>();
        made.push({ path: p, listeners, emit: () => listeners.forEach((l) => l()) });
        return { ...stub(p), onData: (l: () => void) => (listeners.add(l), { dispose: () => listeners.delete(l) }) };
      },
    });
    let pokes = 0;
    const subscription = w.onData(() => pokes++);
    answer({ ok: true, path: '/usr/bin/nvidia-smi' });
    await vi.advanceTimersByTimeAsync(5_000); // the driver answers: the stream starts
    made[0]!.emit();
    made[0]!.emit();
    expect(pokes).toBe(2);
    w.suspend();
    expect(made[0]!.listeners.size).toBe(0); // the stopped stream holds no listener
    w.resume();
    made[1]!.emit();
    expect(pokes).toBe(3);
    subscription.dispose();
    made[1]!.emit();
    expect(pokes).toBe(3);
    w.dispose();
    expect(made[1]!.listeners.size).toBe(0);
  });

  it('no probing while suspended; probing goes on after resume', async () => {
    const { w, probes } = base();
    w.suspend();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(probes).toHaveLength(0);
    w.resume();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(probes).toHaveLength(1);
    w.dispose();
  });
});
