/** Durable history: every tick on disk before the next, torn tails cut, disk full paused and resumed, SIGKILL. */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, writeSync as fsWriteSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/model/snapshot';
import type { Logger } from '../util/logger';
import { silentLogger } from '../util/logger';
import { HistoryStore, dayOf, type HistoryStoreOptions } from './history-store';

const DAY = 86_400_000;
const snap = (atMs: number, used: number, gpus = 1): Snapshot => ({
  atMs, demo: false, system: null, backends: [], sources: [], alerts: [],
  gpus: Array.from({ length: gpus }, (_, i) => ({ id: `gpu:${i}`, index: i, vendor: 'nvidia' as const, name: 'RTX 4090', uuid: null, memoryTotalBytes: 10_000, memoryUsedBytes: used, memoryFreeBytes: 10_000 - used, utilizationPct: null, temperatureC: null, powerWatts: null })),
});

let dir: string;
let stores: HistoryStore[] = [];
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'headroom-durable-'))));
afterEach(() => {
  stores.forEach((s) => s.dispose());
  stores = [];
  rmSync(dir, { recursive: true, force: true });
});
const T0 = Date.UTC(2026, 10, 26, 12);
const open = (extra: Partial<HistoryStoreOptions> = {}, dataDir = dir) => {
  const s = new HistoryStore({ dataDir, retentionDays: 7, logger: silentLogger, now: () => T0, ...extra });
  stores.push(s);
  return s;
};
const file = (day = dayOf(T0), dataDir = dir) => join(dataDir, 'history', `${day}.ndjson`);
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter(Boolean);
const recorder = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
};

describe('durable history', () => {
  it('each sample is in the file when append returns (no buffer to lose)', () => {
    const store = open();
    for (let i = 0; i < 5; i++) {
      store.append(snap(T0 + i * 1000, 100 + i));
      expect(lines(file())).toHaveLength(i + 1);
    }
    expect(JSON.parse(lines(file())[4]!)).toMatchObject({ t: T0 + 4000 });
  });

  it('what is due at a sync (today\'s reduction, 10 minutes on) is done by the appends themselves, with no timer firing', async () => {
    // The timers never get a chance here: the clock is injected and nothing waits 10 s of real time.
    let now = T0;
    const store = open({ now: () => now });
    store.append(snap(now, 100));
    await store.readDownsampled(T0 - DAY, T0 + 1000, 10); // a long range waits for today's live reduction to load
    const reduced = join(dir, 'history', 'reduced', `${dayOf(T0)}.ndjson`);
    for (let i = 1; i <= 9 * 60; i++) store.append(snap((now = T0 + i * 1000), 100 + (i % 7)));
    expect(existsSync(reduced)).toBe(false);
    for (let i = 9 * 60 + 1; i <= 11 * 60; i++) store.append(snap((now = T0 + i * 1000), 100 + (i % 7)));
    expect(existsSync(reduced)).toBe(true);
    const header = JSON.parse(readFileSync(reduced, 'utf8').split('\n')[0]!) as { sourceBytes: number };
    expect(header.sourceBytes).toBeGreaterThan(0);
  });

  it('a torn last line in the file being appended to is cut on start; the next line is whole', async () => {
    mkdirSync(join(dir, 'history'), { recursive: true });
    writeFileSync(file(), `{"t":${T0 - 2000},"g":[["gpu:0","RTX 4090",1,10000]]}\n{"t":${T0 - 1000},"g":[["gpu:0","RT`);
    const log = recorder();
    const store = open({ logger: log });
    expect(readFileSync(file(), 'utf8').endsWith('\n')).toBe(true);
    expect(log.lines.join('\n')).toMatch(/cut a torn last line \(\d+ bytes\)/);
    store.append(snap(T0, 7));
    const { samples, skipped } = await store.read(0);
    expect(skipped).toBe(0);
    expect(samples.map((s) => s.memoryUsedBytes)).toEqual([1, 7]);
  });

  it('a write that fails half-way (disk full) leaves no half line, pauses, and resumes by itself', async () => {
    let full = false;
    const writeSync = (fd: number, buffer: Buffer, offset: number, length: number): number => {
      if (!full) return fsWriteSync(fd, buffer, offset, length);
      if (length > 10) return fsWriteSync(fd, buffer, offset, 10); // 10 bytes fit, then none
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const log = recorder();
    const store = open({ writeSync, logger: log });
    store.append(snap(T0, 1));
    const before = readFileSync(file(), 'utf8');
    full = true;
    store.append(snap(T0 + 1000, 2));
    store.append(snap(T0 + 2000, 3));
    expect(readFileSync(file(), 'utf8')).toBe(before);
    expect(store.status()).toMatchObject({ state: 'paused', message: expect.stringMatching(/^history paused: disk full \(/) });
    expect(log.lines.filter((l) => l.includes('history paused'))).toHaveLength(1); // said once, not every tick
    full = false;
    store.append(snap(T0 + 3000, 4));
    expect(store.status()).toMatchObject({ state: 'writing', message: null });
    expect((await store.read(0)).samples.map((s) => s.memoryUsedBytes)).toEqual([1, 4]);
    expect(log.lines.some((l) => l.includes('writing again'))).toBe(true);
  });

  it('on a real full file system (64 KiB tmpfs): serving goes on, nothing written is damaged, writing resumes when space is freed', async (ctx) => {
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
    if (mount.status !== 0) {
      ctx.skip(`cannot mount a tmpfs here (${(mount.stderr || mount.error?.message || 'not root').trim()}); the injected-failure test above covers the logic`);
      return;
    }
    try {
      const store = open({}, mnt);
      let t = T0;
      let i = 0;
      while (store.status().state === 'writing' && i < 5000) store.append(snap((t += 1000), ++i, 4));
      expect(store.status().state).toBe('paused');
      expect(store.status().message).toMatch(/^history paused: disk full \(/);
      const text = readFileSync(file(dayOf(T0), mnt), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const written = text.split('\n').filter(Boolean);
      expect(written.length).toBeGreaterThan(50);
      for (const l of written) expect(() => JSON.parse(l)).not.toThrow();
      // More ticks while full: still paused, file unchanged.
      for (let k = 0; k < 5; k++) store.append(snap((t += 1000), 1, 4));
      expect(readFileSync(file(dayOf(T0), mnt), 'utf8')).toBe(text);
      // Space is freed: the next tick is written.
      writeFileSync(file(dayOf(T0), mnt), written.slice(-10).join('\n') + '\n');
      store.append(snap((t += 1000), 4242, 4));
      expect(store.status().state).toBe('writing');
      const after = lines(file(dayOf(T0), mnt));
      expect(JSON.parse(after[after.length - 1]!)).toMatchObject({ t });
    } finally {
      stores.forEach((s) => s.dispose());
      stores = [];
      spawnSync('umount', [mnt]);
    }
  });

  it('SIGKILL at seeded random moments loses at most one tick each time', async () => {
    const child = fileURLToPath(new URL('./testing/append-loop.ts', import.meta.url));
    let seed = 17;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const data = join(dir, 'kill');
    for (let k = 0; k < 2; k++) {
      const p = spawn(process.execPath, ['--import', 'tsx', child, data, '100'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const published: number[] = [];
      let buf = '';
      let ready: () => void;
      const started = new Promise<void>((r) => (ready = r));
      p.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const l = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (l === 'ready') ready();
          else published.push(Number(l));
        }
      });
      await started;
      const exited = new Promise((r) => p.once('exit', r));
      await new Promise((r) => setTimeout(r, 300 + rnd() * 500));
      p.kill('SIGKILL');
      await exited;
      const store = new HistoryStore({ dataDir: data, retentionDays: 7, logger: silentLogger });
      const onDisk = new Set((await store.read(0)).samples.map((s) => s.atMs));
      store.dispose();
      const lost = published.filter((t) => !onDisk.has(t));
      expect(published.length).toBeGreaterThan(0);
      expect(lost.length).toBeLessThanOrEqual(1);
    }
  }, 20_000);
});

describe('history across day boundaries and restarts', () => {
  it('answers long and short ranges across midnight, before and after a restart, from saved reductions', async () => {
    let now = Date.UTC(2026, 10, 26, 0, 30);
    const first = open({ now: () => now });
    const start = Date.UTC(2026, 10, 25, 22); // 2.5 h across midnight, one sample a second
    for (let t = start, i = 0; t < now; t += 1000, i++) first.append(snap(t, i === 4000 ? 9999 : 1000 + (i % 50)));
    const long1 = await first.readDownsampled(start, now, 200);
    const short1 = await first.readDownsampled(Date.UTC(2026, 10, 25, 23, 59), Date.UTC(2026, 10, 26, 0, 1), 400);
    expect(long1.length).toBeLessThanOrEqual(200);
    expect(Math.max(...long1.map((s) => s.memoryUsedBytes))).toBe(9999); // spike kept
    expect(short1.length).toBe(121); // 2 minutes at 1 s, all of them (fewer than asked)
    expect(new Set(short1.map((s) => dayOf(s.atMs)))).toEqual(new Set(['2026-11-25', '2026-11-26']));
    first.dispose();
    // Yesterday's reduction was saved at midnight, today's on shutdown.
    for (const day of ['2026-11-25', '2026-11-26']) {
      const header = JSON.parse(readFileSync(join(dir, 'history', 'reduced', `${day}.ndjson`), 'utf8').split('\n')[0]!) as { sourceBytes: number };
      expect(header.sourceBytes).toBe(statSync(file(day)).size);
    }
    now += 60_000;
    const second = open({ now: () => now });
    await second.warmUp();
    expect(await second.readDownsampled(start, now, 200)).toEqual(long1);
    expect(await second.readDownsampled(Date.UTC(2026, 10, 25, 23, 59), Date.UTC(2026, 10, 26, 0, 1), 400)).toEqual(short1);
    // New ticks after the restart show at once.
    second.append(snap(now, 7777));
    const after = await second.readDownsampled(start, now, 200);
    expect(after.some((s) => s.atMs === now && s.memoryUsedBytes === 7777)).toBe(true);
  });

  it('a day file that grew or was replaced after its reduction was saved is read again', async () => {
    const store = open({ now: () => T0 });
    const y = T0 - DAY;
    for (let i = 0; i < 600; i++) store.append(snap(y + i * 1000, 100));
    await store.warmUp();
    store.dispose();
    expect(existsSync(join(dir, 'history', 'reduced', `${dayOf(y)}.ndjson`))).toBe(true);
    appendFileSync(file(dayOf(y)), `{"t":${y + 3_600_000},"g":[["gpu:0","RTX 4090",5555,10000]]}\n`);
    const again = open({ now: () => T0 });
    expect((await again.readDownsampled(y, T0, 100)).map((s) => s.memoryUsedBytes)).toContain(5555);
    writeFileSync(file(dayOf(y)), `{"t":${y + 10},"g":[["gpu:0","RTX 4090",42,10000]]}\n`);
    expect((await again.readDownsampled(y, T0, 100)).map((s) => s.memoryUsedBytes)).toEqual([42]);
  });
});

describe('day reductions built in a worker', () => {
  it('equal the ones built in the process, byte for byte, and answer the same', async () => {
    mkdirSync(join(dir, 'history'), { recursive: true });
    let seed = 3;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const start = Date.UTC(2026, 10, 24, 21);
    const byDay = new Map<string, string[]>();
    for (let t = start; t < start + 6 * 3_600_000; t += 1000 + Math.floor(rnd() * 3000)) {
      const g: unknown[] = [['gpu:0', 'RTX 4090', Math.floor(rnd() * 1000) * 1000, 24e9]];
      if (rnd() < 0.5) g.push(['gpu:1', 'A100, "SXM"', Math.floor(rnd() * 50), 80e9]);
      const line = rnd() < 0.2 ? JSON.stringify({ t, g, o: { 'gpu:0': [['Ollama', 5], ['Other apps', 7]] } }) : JSON.stringify({ t, g });
      const day = dayOf(t);
      byDay.set(day, [...(byDay.get(day) ?? []), line, ...(rnd() < 0.01 ? ['{broken'] : [])]);
    }
    for (const [day, ls] of byDay) writeFileSync(file(day), `${ls.join('\n')}\n{"t":1,"g":[["gpu:0"`);
    const now = () => Date.UTC(2026, 10, 28);
    const inProcess = open({ now, reduceInWorker: false });
    await inProcess.warmUp();
    const want = await inProcess.readDownsampled(start - 1, now(), 100_000);
    const days = [...byDay.keys()];
    const saved = days.map((d) => readFileSync(join(dir, 'history', 'reduced', `${d}.ndjson`), 'utf8'));
    inProcess.dispose();
    rmSync(join(dir, 'history', 'reduced'), { recursive: true });
    const inWorker = open({ now });
    await inWorker.warmUp();
    expect(days.map((d) => readFileSync(join(dir, 'history', 'reduced', `${d}.ndjson`), 'utf8'))).toEqual(saved);
    expect(await inWorker.readDownsampled(start - 1, now(), 100_000)).toEqual(want);
    expect(want.length).toBeGreaterThan(1000);
  }, 30_000);
});
