import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/model/snapshot';
import { defaultDataDir } from '../util/data-dir';
import { silentLogger } from '../util/logger';
import { CSV_HEADER, parseDuration, toCsv } from './export';
import { HistoryLineFormatter, HistoryStore, dayOf, formatHistoryLine, historySamples, parseHistoryLine } from './history-store';

const DAY = 86_400_000;
const snap = (atMs: number, used: number, name = 'RTX 4090'): Snapshot => ({
  atMs, demo: false, system: null, backends: [], sources: [], alerts: [],
  gpus: [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name, uuid: null, memoryTotalBytes: 1000, memoryUsedBytes: used, memoryFreeBytes: 1000 - used, utilizationPct: null, temperatureC: null, powerWatts: null }],
});

let dir: string;
let stores: HistoryStore[] = [];
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'headroom-hist-'))));
afterEach(() => {
  stores.forEach((s) => s.dispose());
  stores = [];
  rmSync(dir, { recursive: true, force: true });
});
const open = (now = () => Date.UTC(2026, 10, 26, 12)) => {
  const s = new HistoryStore({ dataDir: dir, retentionDays: 7, logger: silentLogger, now });
  stores.push(s);
  return s;
};

describe('HistoryStore', () => {
  it('appends, flushes and reads back a range, across days', async () => {
    const store = open();
    const t0 = Date.UTC(2026, 10, 25, 23, 59, 58);
    for (let i = 0; i < 4; i++) store.append(snap(t0 + i * 1000, 100 + i));
    const { samples, skipped } = await store.read(t0 + 1000);
    expect(skipped).toBe(0);
    expect(samples.map((s) => s.memoryUsedBytes)).toEqual([101, 102, 103]);
    expect(readdirSync(join(dir, 'history')).sort()).toEqual(['2026-11-25.ndjson', '2026-11-26.ndjson']);
  });

  it('a torn last record is skipped; earlier data and other days are kept', async () => {
    const store = open();
    const t0 = Date.UTC(2026, 10, 24, 10);
    store.append(snap(t0, 1));
    store.append(snap(t0 + DAY, 2));
    await store.flush();
    appendFileSync(join(dir, 'history', `${dayOf(t0 + DAY)}.ndjson`), '{"t":17956,"g":[["gpu:0","RTX');
    writeFileSync(join(dir, 'history', '2026-11-23.ndjson'), '\u0000\u0001garbage\nnot json either\n');
    const { samples, skipped } = await store.read(0);
    expect(samples.map((s) => s.memoryUsedBytes)).toEqual([1, 2]);
    expect(skipped).toBe(3);
  });

  it('demo snapshots and GPU-less snapshots are not persisted', async () => {
    const store = open();
    store.append({ ...snap(Date.UTC(2026, 10, 26), 5), demo: true });
    store.append({ ...snap(Date.UTC(2026, 10, 26), 5), gpus: [] });
    expect((await store.read(0)).samples).toEqual([]);
  });

  it('prunes days older than the retention', async () => {
    mkdirSync(join(dir, 'history'), { recursive: true });
    for (const d of ['2026-11-01', '2026-11-18', '2026-11-19', '2026-11-26']) writeFileSync(join(dir, 'history', `${d}.ndjson`), '');
    const store = open(() => Date.UTC(2026, 10, 26, 12));
    store.prune();
    expect(readdirSync(join(dir, 'history')).sort()).toEqual(['2026-11-19.ndjson', '2026-11-26.ndjson']);
  });

  it('dispose writes what is still buffered', async () => {
    const store = open();
    store.append(snap(Date.UTC(2026, 10, 26, 1), 42));
    store.dispose();
    const again = open();
    expect((await again.read(0)).samples.map((s) => s.memoryUsedBytes)).toEqual([42]);
  });
});

describe('parseHistoryLine', () => {
  it.each([
    { line: '{"t":1,"g":[["gpu:0","A",5,10]]}', ok: true },
    { line: '{"t":1,"g":[["gpu:0","A",-5,10]]}', ok: false },
    { line: '{"t":"1","g":[]}', ok: false },
    { line: '{"t":1,"g":[["gpu:0"]]}', ok: false },
    { line: '[]', ok: false },
    { line: '{"t":1,"g":[["gpu:0","A",5,10]]', ok: false },
  ])('$line', ({ line, ok }) => {
    expect(parseHistoryLine(line) !== null).toBe(ok);
  });
});

describe('historySamples (what each tick adds to the reduction, without a JSON round trip)', () => {
  const withOwners = (used: number, owners: Array<{ label: string; bytes: number | null }>): Snapshot => {
    const s = snap(5_000, used);
    s.gpus[0] = { ...s.gpus[0]!, processes: [{ pid: 1, name: 'ollama', usedBytes: 10 }], owners: owners.map((o) => ({ ...o, kind: 'other' as const, backendId: null })) } as Snapshot['gpus'][number];
    return s;
  };
  it.each([
    { name: 'one GPU', s: snap(1_000, 400) },
    { name: 'two GPUs', s: { ...snap(2_000, 10), gpus: [snap(0, 10).gpus[0]!, { ...snap(0, 20).gpus[0]!, id: 'gpu:1', index: 1, name: 'A100' }] } },
    { name: 'owners, zero and unknown bytes dropped', s: withOwners(600, [{ label: 'Ollama', bytes: 300 }, { label: 'Other apps', bytes: 0 }, { label: 'Driver', bytes: null }, { label: 'x', bytes: 12 }]) },
    { name: 'a negative reading', s: snap(1_000, -1) },
    { name: 'a non-finite reading', s: snap(1_000, Number.NaN) },
    { name: 'an infinite total', s: { ...snap(1_000, 5), gpus: [{ ...snap(0, 5).gpus[0]!, memoryTotalBytes: Number.POSITIVE_INFINITY }] } },
  ])('$name: the same samples as the written line read back', ({ s }) => {
    expect(historySamples(s)).toEqual(parseHistoryLine(formatHistoryLine(s).trimEnd()));
  });
});

describe('HistoryLineFormatter', () => {
  it('writes what formatHistoryLine writes, reusing the GPU part only while the readings are the same objects', () => {
    const f = new HistoryLineFormatter();
    const a = snap(1_000, 400);
    expect(f.format(a)).toBe(formatHistoryLine(a));
    // Same reading objects, a later time: only the time moves.
    const later = { ...a, atMs: 2_000 };
    expect(f.format(later)).toBe(formatHistoryLine(later));
    expect(parseHistoryLine(f.format(later).trimEnd())![0]!.atMs).toBe(2_000);
    // A new reading (more memory used): the new figure is written.
    const changed = snap(3_000, 700);
    expect(f.format(changed)).toBe(formatHistoryLine(changed));
    expect(parseHistoryLine(f.format(changed).trimEnd())![0]!.memoryUsedBytes).toBe(700);
    // A GPU gone: the line lists none.
    const none = { ...changed, atMs: 4_000, gpus: [] };
    expect(f.format(none)).toBe('{"t":4000,"g":[]}\n');
  });
});

describe('export', () => {
  it('CSV: header row, one row per sample and GPU, formulas neutralised', () => {
    const csv = toCsv([
      { atMs: 0, gpuId: 'gpu:0', gpuName: 'RTX, "Super"', memoryUsedBytes: 250, memoryTotalBytes: 1000 },
      { atMs: 1000, gpuId: 'gpu:1', gpuName: '=HYPERLINK()', memoryUsedBytes: 0, memoryTotalBytes: 0 },
    ]);
    expect(csv.split('\n')).toEqual([
      CSV_HEADER,
      '0,1970-01-01T00:00:00.000Z,gpu:0,"RTX, ""Super""",250,1000,25.00',
      "1000,1970-01-01T00:00:01.000Z,gpu:1,'=HYPERLINK(),0,0,",
      '',
    ]);
  });
  it.each([
    { text: '24h', want: 86_400_000 },
    { text: '7d', want: 604_800_000 },
    { text: '90m', want: 5_400_000 },
    { text: '1.5h', want: 5_400_000 },
    { text: '0h', want: null },
    { text: 'yesterday', want: null },
    { text: '-1h', want: null },
  ])('parseDuration($text)', ({ text, want }) => {
    expect(parseDuration(text)).toBe(want);
  });
});

describe('defaultDataDir', () => {
  it.each([
    { platform: 'linux', env: {}, want: '/home/u/.config/Headroom' },
    { platform: 'linux', env: { XDG_CONFIG_HOME: '/x' }, want: '/x/Headroom' },
    { platform: 'darwin', env: {}, want: '/home/u/Library/Application Support/Headroom' },
    { platform: 'win32', env: { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, want: join('C:\\Users\\u\\AppData\\Roaming', 'Headroom') },
    { platform: 'linux', env: { HEADROOM_DATA_DIR: '/data' }, want: '/data' },
  ] as const)('$platform $env', ({ platform, env, want }) => {
    expect(defaultDataDir(env, platform, '/home/u')).toBe(want);
  });
});

describe('HistoryStore.readDownsampled', () => {
  it('reduces finished days once and reads only what is new in today', async () => {
    const t0 = Date.UTC(2026, 10, 25, 0, 0, 0);
    let now = Date.UTC(2026, 10, 26, 12);
    const store = new HistoryStore({ dataDir: dir, retentionDays: 7, logger: silentLogger, now: () => now });
    stores.push(store);
    for (let i = 0; i < 3600; i++) store.append(snap(t0 + i * 1000, i === 1234 ? 999 : 100)); // yesterday, one spike
    for (let i = 0; i < 60; i++) store.append(snap(Date.UTC(2026, 10, 26, 11) + i * 1000, 200));
    const first = await store.readDownsampled(0, now, 100);
    expect(first.length).toBeLessThanOrEqual(100);
    expect(Math.max(...first.map((s) => s.memoryUsedBytes))).toBe(999); // the spike survives
    expect(first.some((s) => s.memoryUsedBytes === 200)).toBe(true);
    store.append(snap(Date.UTC(2026, 10, 26, 11, 30), 321));
    now += 1000;
    const second = await store.readDownsampled(Date.UTC(2026, 10, 26), now, 100);
    expect(second.map((s) => s.memoryUsedBytes)).toContain(321);
    expect(second.filter((s) => s.memoryUsedBytes === 200).length).toBeGreaterThan(0);
  });
});
