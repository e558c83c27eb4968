import { afterEach, describe, expect, it, vi } from 'vitest';
import { snapshotSchema, type BackendReading, type Snapshot } from '../../shared/model/snapshot';
import { errorReading } from '../collectors/backends/http/sanitize-reading';
import { sameData, SnapshotGuard } from './snapshot-guard';

const who = (n: number) => ({ id: `vllm@127.0.0.1:${8000 + n}`, kind: 'vllm' as const, url: `http://127.0.0.1:${8000 + n}` });
const reading = (n: number, message = 'down for a test.'): BackendReading => errorReading(who(n), message);
const snap = (backends: BackendReading[], atMs = 1000): Snapshot => ({ atMs, demo: false, gpus: [], system: null, backends, sources: [], alerts: [] });

function newGuard() {
  const errors: string[] = [];
  return { guard: new SnapshotGuard({ info() {}, warn() {}, error: (m: string) => void errors.push(m) }), errors };
}

afterEach(() => vi.restoreAllMocks());

describe('SnapshotGuard memo', () => {
  it('walks only the entries that changed since the last valid Snapshot', () => {
    const { guard } = newGuard();
    const spy = vi.spyOn(snapshotSchema, 'safeParse');
    guard.check(snap([reading(1), reading(2)]));
    expect((spy.mock.calls[0]![0] as Snapshot).backends).toHaveLength(2);
    // Equal data in new objects (a fresh reading of an idle server): nothing to walk.
    guard.check(snap([reading(1), reading(2)], 2000));
    expect((spy.mock.calls[1]![0] as Snapshot).backends).toHaveLength(0);
    // One message changed: that entry alone is walked.
    guard.check(snap([reading(1), reading(2, 'still down.')], 3000));
    expect((spy.mock.calls[2]![0] as Snapshot).backends).toEqual([reading(2, 'still down.')]);
  });

  it('catches an entry that turns invalid after being valid, and keeps catching it', () => {
    const { guard, errors } = newGuard();
    guard.check(snap([reading(1), reading(2)]));
    const broken = { ...reading(2), status: 'exploded' } as unknown as BackendReading;
    for (const atMs of [2000, 3000]) {
      const out = guard.check(snap([reading(1), broken], atMs));
      expect(out.backends[0]).toEqual(reading(1));
      expect(out.backends[1]).toMatchObject({ id: who(2).id, status: 'error', message: expect.stringMatching(/could not use/) });
    }
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/backends\.1\.status/);
    // Repaired: valid again, and remembered again.
    expect(guard.check(snap([reading(1), reading(2)], 4000)).backends[1]).toEqual(reading(2));
  });

  it('reports the position in the Snapshot, not in the walked subset', () => {
    const { guard, errors } = newGuard();
    guard.check(snap([reading(1), reading(2), reading(3)]));
    const broken = { ...reading(3), models: 'none' } as unknown as BackendReading;
    const out = guard.check(snap([reading(1), reading(2), broken], 2000));
    expect(out.backends.slice(0, 2)).toEqual([reading(1), reading(2)]);
    expect(out.backends[2]!.message).toMatch(/could not use/);
    expect(errors[0]).toMatch(/backends\.2\.models/);
  });

  it('walks system memory, thresholds and the rest only when they changed, and still catches a bad change', () => {
    const { guard, errors } = newGuard();
    const spy = vi.spyOn(snapshotSchema, 'safeParse');
    const system = { memoryTotalBytes: 64, memoryUsedBytes: 32, swapTotalBytes: 0, swapUsedBytes: 0 };
    const withParts = (atMs: number, sys: Snapshot['system']): Snapshot => ({ ...snap([], atMs), system: sys, thresholds: { warningPct: 80, criticalPct: 90 } });
    guard.check(withParts(1000, system));
    expect((spy.mock.calls[0]![0] as Snapshot).system).toEqual(system);
    // Equal parts in new objects: not walked (system stands in as null, thresholds left out).
    guard.check(withParts(2000, { ...system }));
    expect((spy.mock.calls[1]![0] as Snapshot).system).toBeNull();
    expect((spy.mock.calls[1]![0] as Snapshot).thresholds).toBeUndefined();
    // A changed figure is walked; an impossible one is caught.
    guard.check(withParts(3000, { ...system, memoryUsedBytes: 40 }));
    expect((spy.mock.calls[2]![0] as Snapshot).system).toMatchObject({ memoryUsedBytes: 40 });
    guard.check(withParts(4000, { ...system, memoryUsedBytes: Number.NaN }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/system\.memoryUsedBytes/);
    // A required part gone is caught too, even right after a valid Snapshot.
    guard.check(withParts(5000, system));
    const { system: _gone, ...noSystem } = withParts(6000, system);
    guard.check(noSystem as Snapshot);
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(/system/);
  });

  it('walks a nested change (a NaN where a number was)', () => {
    const { guard } = newGuard();
    const model = { name: 'm', contextLength: 4096, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null };
    const up = (contextLength: number): BackendReading => ({ ...reading(1), status: 'up', message: null, models: [{ ...model, contextLength }] });
    expect(guard.check(snap([up(4096)])).backends[0]!.status).toBe('up');
    expect(guard.check(snap([up(Number.NaN)], 2000)).backends[0]!.status).toBe('error');
  });
});

describe('sameData', () => {
  it.each([
    { a: { x: 1, y: [1, { z: 'a' }] }, b: { x: 1, y: [1, { z: 'a' }] }, want: true },
    { a: { x: 1 }, b: { x: 1, y: undefined }, want: false },
    { a: { x: 0 }, b: { x: -0 }, want: false },
    { a: { x: Number.NaN }, b: { x: null }, want: false },
    { a: [1, 2], b: { 0: 1, 1: 2 }, want: false },
    { a: new Date(0), b: new Date(0), want: false },
    { a: [1, [2, 3]], b: [1, [2, 4]], want: false },
  ])('$a vs $b → $want', ({ a, b, want }) => expect(sameData(a, b)).toBe(want));
});
