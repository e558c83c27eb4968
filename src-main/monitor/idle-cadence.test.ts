import { describe, expect, it } from 'vitest';
import { defaultAlertSettings } from '../../shared/alerts/settings';
import type { BackendReading } from '../../shared/model/snapshot';
import type { BackendCollector, GpuSource } from '../collectors/types';
import { MiB } from '../../shared/units/bytes';
import { silentLogger } from '../util/logger';
import { IdleCadence, idleCadenceFromEnv } from './idle-cadence';
import { Monitor } from './monitor';

const reading = (status: BackendReading['status'], models: string[] = ['qwen']): BackendReading => ({
  id: 'ollama@127.0.0.1:11434',
  kind: 'ollama',
  url: 'http://127.0.0.1:11434',
  status,
  message: status === 'up' ? null : 'Ollama at 127.0.0.1:11434: connection refused. Is it running?',
  version: '0.12.0',
  models: models.map((name) => ({ name, contextLength: 8192, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null })),
});

/** A collector whose answer the test sets; counts reads. */
function scripted(initial: BackendReading) {
  let current = initial;
  let reads = 0;
  const collector: BackendCollector = {
    id: initial.id,
    kind: initial.kind,
    url: initial.url,
    sample: async () => {
      reads++;
      return structuredClone(current); // a fresh object every read, like a real collector
    },
    dispose() {},
  };
  return { collector, set: (r: BackendReading) => void (current = r), reads: () => reads };
}

describe('IdleCadence', () => {
  it('reads every tick until the reading has stayed the same for quietMs, then every readEveryMs', () => {
    const c = new IdleCadence({ quietMs: 10_000, readEveryMs: 3_000 });
    const id = 'x';
    let read = 0;
    for (let t = 0; t <= 30_000; t += 1000) {
      if (c.reuse(id, t, 1000)) continue;
      read++;
      c.record(id, reading('up'), t);
    }
    // 0…10 s: 11 reads; then 13, 16, 19, 22, 25, 28 s.
    expect(read).toBe(17);
  });

  it('goes back to every tick on the first reading that differs, and hands back the older object while equal', () => {
    const c = new IdleCadence({ quietMs: 2_000, readEveryMs: 3_000 });
    const first = c.record('x', reading('up'), 0);
    expect(c.record('x', reading('up'), 1000)).toBe(first);
    c.record('x', reading('up'), 2000);
    expect(c.reuse('x', 3000, 1000)).toBeNull(); // the first tick of the next 3 s stretch: read
    c.record('x', reading('up'), 3000);
    expect(c.reuse('x', 4000, 1000)).toBe(first);
    const changed = c.record('x', reading('up', ['qwen', 'llama']), 5000);
    expect(changed).not.toBe(first);
    expect(c.reuse('x', 6000, 1000)).toBeNull();
  });

  it('reads all idle servers on the same ticks, whenever each went quiet', () => {
    const c = new IdleCadence({ quietMs: 5_000, readEveryMs: 3_000 });
    const readsAt = new Map<string, number[]>();
    // Three servers that went quiet at different times (a restart at 2 s, a change at 4 s).
    const since: Record<string, number> = { a: 0, b: 2_000, c: 4_000 };
    for (let t = 0; t <= 40_000; t += 1000) {
      for (const id of Object.keys(since)) {
        if (t < since[id]!) continue;
        if (c.reuse(id, t, 1000)) continue;
        readsAt.set(id, [...(readsAt.get(id) ?? []), t]);
        c.record(id, reading(t === since[id] && id !== 'a' ? 'down' : 'up'), t);
      }
    }
    const late = (id: string) => readsAt.get(id)!.filter((t) => t >= 15_000);
    expect(late('a')).toEqual(late('b'));
    expect(late('b')).toEqual(late('c'));
    // Every 3 s, never more than 3 s apart.
    const gaps = late('a').slice(1).map((t, i) => t - late('a')[i]!);
    expect(new Set(gaps)).toEqual(new Set([3_000]));
  });

  it('the GPU moving (memory by 256 MiB, utilisation by 20 points) reads every idle server on the next tick; drift does not', () => {
    const c = new IdleCadence({ quietMs: 0, readEveryMs: 60_000 });
    const gpu = (usedMiB: number, util: number | null, id = 'gpu:0') => ({
      id, index: 0, vendor: 'nvidia' as const, name: 'RTX 4090', uuid: null, memoryTotalBytes: 24564 * MiB, memoryUsedBytes: usedMiB * MiB, memoryFreeBytes: (24564 - usedMiB) * MiB, utilizationPct: util, temperatureC: 40, powerWatts: 30,
    });
    for (const id of ['a', 'b']) c.record(id, reading('up'), 0);
    const readAt = (t: number) => ['a', 'b'].filter((id) => c.reuse(id, t, 1000) === null);
    expect(c.noteGpus([gpu(1000, 0)])).toBe(false); // the first look sets the mark
    expect(readAt(1000)).toEqual([]);
    // Drift: a few MiB, a few points of utilisation, another field — no read.
    expect(c.noteGpus([gpu(1040, 5)])).toBe(false);
    expect(c.noteGpus([{ ...gpu(1040, 5), powerWatts: 80, temperatureC: 55 }])).toBe(false);
    expect(readAt(2000)).toEqual([]);
    // A request starts: utilisation 5 → 90. The next tick reads both servers, the one after does not.
    expect(c.noteGpus([gpu(1040, 90)])).toBe(true);
    expect(readAt(3000)).toEqual(['a', 'b']);
    for (const id of ['a', 'b']) c.record(id, reading('up'), 3000);
    expect(readAt(4000)).toEqual([]);
    // A model loads: +2 GiB over a tick.
    expect(c.noteGpus([gpu(3088, 90)])).toBe(true);
    expect(readAt(5000)).toEqual(['a', 'b']);
    // Unknown utilisation on either side never counts; a second GPU starts from its own first look.
    expect(c.noteGpus([gpu(3088, null), gpu(500, 0, 'gpu:1')])).toBe(false);
    expect(c.noteGpus([gpu(3088, 70), gpu(500, 0, 'gpu:1')])).toBe(false);
    expect(c.noteGpus([gpu(3088, 70), gpu(9000, 0, 'gpu:1')])).toBe(true);
  });

  it('reads every tick when turned off, and forgets on reset', () => {
    const off = new IdleCadence({ quietMs: 0, readEveryMs: 0 });
    off.record('x', reading('up'), 0);
    expect(off.reuse('x', 1000, 1000)).toBeNull();
    const c = new IdleCadence({ quietMs: 0, readEveryMs: 10_000 });
    c.record('x', reading('up'), 0);
    expect(c.reuse('x', 1000, 1000)).not.toBeNull();
    c.reset();
    expect(c.reuse('x', 2000, 1000)).toBeNull();
  });
});

describe('Monitor with idle servers', () => {
  const monitor = (collector: BackendCollector, now: () => number) =>
    new Monitor({ gpuSources: [], systemSource: null, backends: [collector], intervalMs: 1000, alertSettings: defaultAlertSettings(), demo: false, logger: silentLogger, now, idleCadence: { quietMs: 5_000, readEveryMs: 3_000 } });

  it('reads an idle server less often, and shows a change (a model unloaded, the server down) within readEveryMs', async () => {
    let now = 0;
    const s = scripted(reading('up'));
    const m = monitor(s.collector, () => now);
    const tick = async () => {
      const snap = await m.tick(new AbortController().signal);
      now += 1000;
      return snap.backends[0]!;
    };
    for (let i = 0; i < 20; i++) await tick();
    // 0…5 s every tick (6 reads), then every 3 s: 8, 11, 14, 17 s.
    expect(s.reads()).toBe(10);
    s.set(reading('up', []));
    let seenAfter = 0;
    while ((await tick()).models.length > 0) seenAfter++;
    expect(seenAfter).toBeLessThan(3);
    // Changed: read every tick again.
    const before = s.reads();
    await tick();
    await tick();
    expect(s.reads()).toBe(before + 2);
    s.set(reading('down', []));
    let ticks = 0;
    while ((await tick()).status !== 'down') ticks++;
    expect(ticks).toBe(0);
  });

  it('an idle server is read on the tick after the GPU moves (a model loading), not readEveryMs later', async () => {
    let now = 0;
    let usedMiB = 1000;
    const s = scripted(reading('up'));
    const gpuSource: GpuSource = {
      id: 'nvidia-smi',
      label: 'NVIDIA (nvidia-smi)',
      read: async () => ({ status: 'ok', value: [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'RTX 4090', uuid: null, memoryTotalBytes: 24564 * MiB, memoryUsedBytes: usedMiB * MiB, memoryFreeBytes: (24564 - usedMiB) * MiB, utilizationPct: 0, temperatureC: 40, powerWatts: 30 }] }),
      dispose() {},
    };
    const m = new Monitor({ gpuSources: [gpuSource], systemSource: null, backends: [s.collector], intervalMs: 1000, alertSettings: defaultAlertSettings(), demo: false, logger: silentLogger, now: () => now, idleCadence: { quietMs: 5_000, readEveryMs: 60_000 } });
    const tick = async () => {
      const snap = await m.tick(new AbortController().signal);
      now += 1000;
      return snap.backends[0]!;
    };
    for (let i = 0; i < 10; i++) await tick();
    const quiet = s.reads();
    for (let i = 0; i < 5; i++) await tick();
    expect(s.reads()).toBe(quiet); // idle: not read for a minute
    // Ollama loads a second model: 6 GiB more on the GPU this tick, listed by the server.
    s.set(reading('up', ['qwen', 'llama']));
    usedMiB += 6144;
    expect((await tick()).models).toHaveLength(1); // this tick saw the GPU move…
    expect((await tick()).models).toHaveLength(2); // …the next one read the server
  });

  it('reads every tick again after the servers are replaced', async () => {
    let now = 0;
    const s = scripted(reading('up'));
    const m = monitor(s.collector, () => now);
    for (let i = 0; i < 10; i++) {
      await m.tick(new AbortController().signal);
      now += 1000;
    }
    m.setBackends([s.collector]);
    const before = s.reads();
    await m.tick(new AbortController().signal);
    expect(s.reads()).toBe(before + 1);
  });
});

describe('idleCadenceFromEnv', () => {
  it.each([
    { raw: undefined, want: 5000 },
    { raw: '0', want: 0 },
    { raw: '3000', want: 3000 },
    { raw: 'soon', want: 5000 },
    { raw: '-1', want: 5000 },
    { raw: '', want: 5000 },
  ])('HEADROOM_IDLE_READ_MS=$raw → $want', ({ raw, want }) => {
    expect(idleCadenceFromEnv(raw === undefined ? {} : { HEADROOM_IDLE_READ_MS: raw }).readEveryMs).toBe(want);
  });
});
