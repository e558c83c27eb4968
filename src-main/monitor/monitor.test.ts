import { describe, expect, it, vi } from 'vitest';
import type { BackendReading, GpuReading } from '../../shared/model/snapshot';
import { GiB } from '../../shared/units/bytes';
import type { BackendCollector, GpuSource, SourceSample } from '../collectors/types';
import { silentLogger } from '../util/logger';
import { Monitor } from './monitor';
import { parseAlertSettings } from '../../shared/alerts/settings';

const parseOrThrow = (v: unknown) => {
  const r = parseAlertSettings(v);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

const gpu = (usedGiB: number): GpuReading => ({
  id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: 10 * GiB, memoryUsedBytes: usedGiB * GiB, memoryFreeBytes: (10 - usedGiB) * GiB, utilizationPct: null, temperatureC: null, powerWatts: null,
});

function scriptedGpu(samples: SourceSample<GpuReading[]>[]): GpuSource {
  let i = 0;
  return { id: 'fake-gpu', label: 'Fake GPU', read: async () => samples[Math.min(i++, samples.length - 1)]!, dispose() {} };
}

const throwingBackend: BackendCollector = {
  id: 'ollama@x:1', kind: 'ollama', url: 'http://x:1',
  sample: async (): Promise<BackendReading> => {
    throw new Error('kaboom');
  },
  dispose() {},
};

describe('Monitor.tick', () => {
  it('assembles one Snapshot per tick; failures become values; threshold alerts keep sinceMs', async () => {
    let now = 1000;
    const m = new Monitor({
      gpuSources: [scriptedGpu([{ status: 'ok', value: [gpu(5)] }, { status: 'ok', value: [gpu(8.5)] }, { status: 'ok', value: [gpu(9.5)] }, { status: 'error', message: 'nvidia-smi died' }])],
      systemSource: { id: 'system', read: async () => ({ status: 'error', message: 'System memory: boom.' }) },
      backends: [throwingBackend],
      intervalMs: 1000,
      alertSettings: parseOrThrow({ vram: { forSamples: 1 } }),
      demo: false,
      logger: silentLogger,
      now: () => now,
    });
    const published: number[] = [];
    m.onSnapshot((s) => published.push(s.atMs));

    const s1 = await m.tick(AbortSignal.timeout(1000));
    expect(s1.gpus[0]?.memoryUsedBytes).toBe(5 * GiB);
    expect(s1.alerts).toEqual([]);
    expect(s1.system).toBeNull();
    expect(s1.sources).toEqual([
      { id: 'fake-gpu', label: 'Fake GPU', status: 'ok', message: null },
      { id: 'system', label: 'System memory', status: 'error', message: 'System memory: boom.' },
    ]);
    expect(s1.backends[0]).toMatchObject({ id: 'ollama@x:1', status: 'error', message: 'Ollama at x:1: Headroom failed to read its answer (details are in the log). Is this really an Ollama server?', models: [] });

    now = 2000;
    const s2 = await m.tick(AbortSignal.timeout(1000));
    expect(s2.alerts.map((a) => [a.kind, a.severity, a.sourceId, a.sinceMs])).toEqual([['threshold', 'warning', 'gpu:0', 2000]]);

    now = 3000;
    const s3 = await m.tick(AbortSignal.timeout(1000));
    expect(s3.alerts.map((a) => [a.severity, a.sinceMs])).toEqual([['critical', 3000]]);
    expect(s3.alerts[0]?.message).toMatch(/VRAM 95% full/);

    now = 4000;
    const s4 = await m.tick(AbortSignal.timeout(1000));
    expect(s4.gpus).toEqual([]);
    expect(s4.sources[0]).toEqual({ id: 'fake-gpu', label: 'Fake GPU', status: 'error', message: 'nvidia-smi died' });

    expect(published).toEqual([1000, 2000, 3000, 4000]);
    expect(m.history(2000).map((p) => [p.atMs, p.memoryUsedBytes / GiB])).toEqual([[2000, 8.5], [3000, 9.5]]);
    expect(m.latest()?.atMs).toBe(4000);
    m.dispose();
  });
});

describe('Monitor.start with a streaming GPU source', () => {
  it('a fresh line runs the nearly due tick at once (one wake-up, not two), and stops poking once stopped', async () => {
    vi.useFakeTimers();
    try {
      let listener: (() => void) | null = null;
      const source: GpuSource = {
        ...scriptedGpu([{ status: 'ok', value: [gpu(5)] }]),
        onData: (l) => {
          listener = l;
          return { dispose: () => (listener = null) };
        },
      };
      const m = new Monitor({ gpuSources: [source], systemSource: null, backends: [], intervalMs: 1000, alertSettings: parseOrThrow({}), demo: false, logger: silentLogger });
      const at: number[] = [];
      const t0 = Date.now();
      m.onSnapshot(() => at.push(Date.now() - t0));
      m.start();
      await vi.advanceTimersByTimeAsync(850);
      listener!();
      await vi.advanceTimersByTimeAsync(0);
      expect(at).toEqual([0, 850]);
      m.stop();
      expect(listener).toBeNull();
      m.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});
