import { describe, expect, it } from 'vitest';
import { contractMismatch, localFleet, parseRemoteSnapshot, safeLabel, fleetSnapshotSchema, type RemoteParseMemo } from './fleet';
import { snapshotSchema } from '../model/snapshot';

const gpu = { id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'H100', uuid: null, memoryTotalBytes: 80e9, memoryUsedBytes: 10e9, memoryFreeBytes: 70e9, utilizationPct: null, temperatureC: null, powerWatts: null };
const base = { atMs: 1_700_000_000_000, demo: false, gpus: [gpu], system: null, backends: [], sources: [], alerts: [] };

describe('parseRemoteSnapshot', () => {
  it.each([
    { name: 'not an object', input: 'hello', want: 'not a JSON object' },
    { name: 'an array', input: [base], want: 'not a JSON object' },
    { name: 'null', input: null, want: 'not a JSON object' },
    { name: 'no atMs', input: { ...base, atMs: undefined }, want: 'atMs' },
    { name: 'atMs a string', input: { ...base, atMs: '2025' }, want: 'atMs' },
    { name: 'negative atMs', input: { ...base, atMs: -5 }, want: 'atMs' },
    { name: 'gpus not a list', input: { ...base, gpus: { 0: gpu } }, want: 'gpus: expected a list' },
    { name: 'alerts a string', input: { ...base, alerts: 'all fine' }, want: 'alerts: expected a list' },
  ])('refuses $name', ({ input, want }) => {
    const r = parseRemoteSnapshot(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(want);
  });

  it('with a memo: the same result as without, unchanged items reused, changed and bad ones validated again', () => {
    const memo: RemoteParseMemo = {};
    const g1 = { ...gpu, id: 'gpu:1', index: 1 };
    const first = { ...base, gpus: [gpu, { ...gpu, memoryUsedBytes: 'lots' }, g1] };
    const a = parseRemoteSnapshot(JSON.parse(JSON.stringify(first)), memo);
    expect(a).toEqual(parseRemoteSnapshot(JSON.parse(JSON.stringify(first))));
    if (!a.ok) throw new Error('parse failed');
    expect(a.snapshot.gpus.map((g) => g.id)).toEqual(['gpu:0', 'gpu:1']);
    expect(a.notes[0]).toMatch(/1 GPU reading that this Headroom cannot read was left out \(gpus\.1\.memoryUsedBytes/);
    // Next tick: gpu:0 unchanged (reused, the very same object), gpu:1 changed (validated again), the bad one still dropped.
    const second = { ...base, atMs: base.atMs + 1000, gpus: [gpu, { ...gpu, memoryUsedBytes: 'lots' }, { ...g1, memoryUsedBytes: 20e9 }] };
    const b = parseRemoteSnapshot(JSON.parse(JSON.stringify(second)), memo);
    expect(b).toEqual(parseRemoteSnapshot(JSON.parse(JSON.stringify(second))));
    if (!b.ok) throw new Error('parse failed');
    expect(b.snapshot.gpus[0]).toBe(a.snapshot.gpus[0]);
    expect(b.snapshot.gpus[1]).not.toBe(a.snapshot.gpus[1]);
    expect(b.snapshot.gpus[1]!.memoryUsedBytes).toBe(20e9);
    // An item that turns invalid is not taken from the memo.
    const third = { ...base, atMs: base.atMs + 2000, gpus: [{ ...gpu, memoryTotalBytes: -1 }] };
    const c = parseRemoteSnapshot(JSON.parse(JSON.stringify(third)), memo);
    expect(c).toEqual(parseRemoteSnapshot(JSON.parse(JSON.stringify(third))));
    if (c.ok) expect(c.snapshot.gpus).toEqual([]);
  });

  it('with a memo: a list that is the same array as last time gives the same items and notes; another array is read again', () => {
    const memo: RemoteParseMemo = {};
    const gpus = [gpu, { ...gpu, id: 'gpu:1', memoryUsedBytes: 'lots' }];
    const alerts = [{ id: 'a', severity: 'warning', kind: 'threshold', message: 'x'.repeat(5000), sourceId: 'gpu:0', sinceMs: 1 }];
    const first = parseRemoteSnapshot({ ...base, gpus, alerts }, memo);
    const second = parseRemoteSnapshot({ ...base, atMs: base.atMs + 1000, gpus, alerts }, memo);
    if (!first.ok || !second.ok) throw new Error('parse failed');
    expect(second.snapshot.gpus).toBe(first.snapshot.gpus);
    expect(second.snapshot.alerts).toBe(first.snapshot.alerts);
    expect(second.notes).toEqual(first.notes);
    expect(second).toEqual(parseRemoteSnapshot({ ...base, atMs: base.atMs + 1000, gpus, alerts }));
    expect(second.snapshot.alerts[0]!.message.length).toBeLessThan(1100);
    // A new array (the next event) with one item changed: that change is seen, the bad item still left out.
    const third = parseRemoteSnapshot({ ...base, atMs: base.atMs + 2000, gpus: [{ ...gpu, memoryUsedBytes: 33e9 }, gpus[1]], alerts: [] }, memo);
    if (!third.ok) throw new Error('parse failed');
    expect(third.snapshot.gpus.map((g) => g.memoryUsedBytes)).toEqual([33e9]);
    expect(third.snapshot.alerts).toEqual([]);
    expect(third.notes).toEqual(first.notes);
    // And the first array again after another one: read as it is, not as the last result.
    const fourth = parseRemoteSnapshot({ ...base, atMs: base.atMs + 3000, gpus, alerts }, memo);
    expect(fourth).toEqual(parseRemoteSnapshot({ ...base, atMs: base.atMs + 3000, gpus, alerts }));
  });

  it('reads a current Snapshot as it is', () => {
    const r = parseRemoteSnapshot(base);
    expect(r).toEqual({ ok: true, snapshot: base, notes: [] });
  });

  it('an older server (lists missing): defaults, with a note', () => {
    const r = parseRemoteSnapshot({ atMs: 5, gpus: [gpu] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(snapshotSchema.safeParse(r.snapshot).success).toBe(true);
    expect(r.snapshot.backends).toEqual([]);
    expect(r.snapshot.system).toBeNull();
    expect(r.notes.join(' ')).toContain('no backends');
  });

  it('a newer server (unknown fields): kept, named in a note', () => {
    const r = parseRemoteSnapshot({ ...base, capacity: { usersAt8k: 12 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect((r.snapshot as Record<string, unknown>).capacity).toEqual({ usersAt8k: 12 });
    expect(r.notes.join(' ')).toContain('capacity');
  });

  it('drops one unreadable GPU and keeps the rest', () => {
    const r = parseRemoteSnapshot({ ...base, gpus: [gpu, { ...gpu, id: 'gpu:1', memoryTotalBytes: 'lots' }] });
    expect(r.ok && r.snapshot.gpus.map((g) => g.id)).toEqual(['gpu:0']);
    expect(r.ok && r.notes[0]).toMatch(/gpus\.1\.memoryTotalBytes/);
  });

  it('hostile: giant strings clamped, __proto__ ignored, lists capped', () => {
    const hostile = JSON.parse(`{"atMs":1,"__proto__":{"polluted":true},"gpus":[],"alerts":[${Array.from({ length: 300 }, (_, i) => `{"id":"a${i}","severity":"critical","kind":"threshold","message":"${'m'.repeat(5000)}","sourceId":"gpu:0","sinceMs":1}`).join(',')}]}`);
    const r = parseRemoteSnapshot(hostile);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.snapshot.alerts).toHaveLength(200);
    expect(r.snapshot.alerts[0]!.message.length).toBeLessThanOrEqual(1001);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(r.snapshot)).toBe(Object.prototype);
  });
});

describe('contract versions', () => {
  it.each([
    { name: 'same', v: 1, incompatible: false },
    { name: 'old server without the field', v: null, incompatible: false },
    { name: 'newer', v: 2, incompatible: true },
    { name: 'older', v: 0, incompatible: true },
  ])('$name', ({ v, incompatible }) => {
    const m = contractMismatch(v, 'gpu-server-1');
    expect(m !== null).toBe(incompatible);
    if (m) expect(m).toMatch(new RegExp(`version ${v}.*version 1`));
  });
});

describe('localFleet and labels', () => {
  it('a one-host fleet that passes its own schema', () => {
    const f = localFleet(base as never);
    expect(fleetSnapshotSchema.safeParse(f).success).toBe(true);
    expect(f.hosts[0]!.status).toBe('ok');
  });
  it.each([
    { raw: 'gpu-server-1', want: 'gpu-server-1' },
    { raw: '<img src=x onerror=alert(1)>', want: 'img srcx onerroralert1' },
    { raw: '\u0000\u001b[31m', want: '31m' },
    { raw: '', want: 'fallback' },
  ])('safeLabel($raw)', ({ raw, want }) => {
    expect(safeLabel(raw, 'fallback')).toBe(want);
  });
});
