/**
 * Persisted history: one NDJSON file per UTC day under `<dataDir>/history/`, one compact line per
 * sample.
 *
 * Durability: each tick's line is written with one `write` on an open descriptor before the next
 * tick (it is then in the OS page cache: a crash or SIGKILL of Headroom loses nothing), and the
 * file is fsynced every `syncMs` (10 s) and on shutdown (a power cut loses at most that). The
 * fsync that is due is made by the append that finds it due (no timer of its own while ticks
 * come: a timer wakes the process, issue 12); a 60 s timer is the backstop once they stop. A torn
 * last line in the file about to be appended to is truncated on start. A failed write (disk full)
 * is truncated back, so no half line stays behind; history is then "paused" (see `status`) and
 * every later tick tries again, so writing resumes by itself when there is space.
 *
 * Reading: files are streamed line by line (never whole into a string). Each day is reduced to
 * 60 s min/max buckets kept on disk (`history/reduced/<day>.ndjson`, with the number of bytes of
 * the day file it covers), so a 7-day chart reads about 3 000 lines a day, and a restart never
 * re-reads a week. Torn or corrupt lines are skipped (counted). Days past the retention are deleted.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gpuOwnerShares, type OwnerShare } from '../../shared/contract/requests';
import type { Snapshot } from '../../shared/model/snapshot';
import { downsamplePerGpu } from '../../shared/history/downsample';
import type { Logger } from '../util/logger';
import { forEachLine } from './line-reader';
import { reduceInWorker } from './reduce-worker';

/** One sample of one GPU. */
export interface GpuSample {
  atMs: number;
  gpuId: string;
  gpuName: string;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  /** Who held the memory (LLM servers, other apps), where processes were listed. */
  owners?: OwnerShare[];
}

export interface HistoryStoreOptions {
  dataDir: string;
  retentionDays: number;
  logger: Logger;
  /** fsync cadence in ms (default 10 000); every line reaches the page cache at once regardless. Made by `append`; a timer at max(60 s, 6 × this) covers a pause in appends. */
  syncMs?: number;
  now?: () => number;
  /** Build missing day reductions in a worker thread (default true; see reduce-worker.ts). */
  reduceInWorker?: boolean;
  /** The write call (tests inject failures); default `fs.writeSync`. */
  writeSync?: (fd: number, buffer: Buffer, offset: number, length: number) => number;
}

/** Whether history is being written; `message` says why not ("history paused: disk full (…)"). */
export interface HistoryStatus {
  state: 'writing' | 'paused';
  message: string | null;
  sinceMs: number | null;
}

const DAY_MS = 86_400_000;
const FILE_RE = /^(\d{4}-\d{2}-\d{2})\.ndjson$/;
/** Bucket of the on-disk per-day reductions. */
export const REDUCE_MS = 60_000;
/** Today's reduction is saved this often (and on shutdown and at midnight). */
const SAVE_REDUCTION_MS = 10 * 60_000;

export const dayOf = (atMs: number): string => new Date(atMs).toISOString().slice(0, 10);

/** One line: `t` time, `g` [id, name, used, total] per GPU, `o` owners per GPU id as [label, bytes]. */
type Line = { t: number; g: [string, string, number, number][]; o?: Record<string, [string, number][]> };

/** GPU ids and names repeat on every line: one string each, not one per sample kept in memory. */
const interned = new Map<string, string>();
const intern = (v: string): string => {
  const hit = interned.get(v);
  if (hit !== undefined) return hit;
  if (interned.size > 1000) interned.clear();
  interned.set(v, v);
  return v;
};

/** Parses one stored line; null for torn or corrupt lines. */
export function parseHistoryLine(line: string): GpuSample[] | null {
  if (!line) return null;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  const rec = v as Partial<Line>;
  if (typeof rec?.t !== 'number' || !Number.isFinite(rec.t) || !Array.isArray(rec.g)) return null;
  const out: GpuSample[] = [];
  const owners = rec.o && typeof rec.o === 'object' ? rec.o : null;
  for (const g of rec.g) {
    if (!Array.isArray(g) || g.length < 4) return null;
    const [gpuId, gpuName, used, total] = g as unknown[];
    if (typeof gpuId !== 'string' || typeof gpuName !== 'string' || typeof used !== 'number' || typeof total !== 'number' || !(used >= 0) || !(total >= 0)) return null;
    const o = owners?.[gpuId];
    const shares = Array.isArray(o) ? o.filter((x) => Array.isArray(x) && typeof x[0] === 'string' && typeof x[1] === 'number' && x[1] >= 0).map(([label, bytes]) => ({ label, bytes })) : [];
    out.push({ atMs: rec.t, gpuId: intern(gpuId), gpuName: intern(gpuName), memoryUsedBytes: used, memoryTotalBytes: total, ...(shares.length ? { owners: shares } : {}) });
  }
  return out;
}

/**
 * The samples `parseHistoryLine(formatHistoryLine(s))` gives, built without the JSON round trip
 * (each tick adds them to today's reduction). Null where that line would not parse back.
 */
export function historySamples(s: Snapshot): GpuSample[] | null {
  const t = s.atMs;
  if (typeof t !== 'number' || !Number.isFinite(t)) return null;
  const out: GpuSample[] = [];
  for (const g of s.gpus) {
    const used = g.memoryUsedBytes;
    const total = g.memoryTotalBytes;
    // JSON writes a non-finite number as null, which does not parse back as a sample.
    if (typeof g.id !== 'string' || typeof g.name !== 'string' || !Number.isFinite(used) || !Number.isFinite(total) || !(used >= 0) || !(total >= 0)) return null;
    const shares = gpuOwnerShares(g)?.filter((o) => typeof o.label === 'string' && Number.isFinite(o.bytes) && o.bytes >= 0).map((o) => ({ label: o.label, bytes: o.bytes + 0 }));
    out.push({ atMs: t + 0, gpuId: intern(g.id), gpuName: intern(g.name), memoryUsedBytes: used + 0, memoryTotalBytes: total + 0, ...(shares?.length ? { owners: shares } : {}) });
  }
  return out;
}

export function formatHistoryLine(s: Snapshot): string {
  return `{"t":${JSON.stringify(s.atMs)},${lineTail(s.gpus)}\n`;
}

/** Everything of a line after its time: `"g":[…],"o":{…}}`. */
function lineTail(gpus: Snapshot['gpus']): string {
  const line: Omit<Line, 't'> = { g: gpus.map((g) => [g.id, g.name, g.memoryUsedBytes, g.memoryTotalBytes]) };
  for (const g of gpus) {
    const shares = gpuOwnerShares(g);
    if (shares) (line.o ??= {})[g.id] = shares.map((o) => [o.label, o.bytes]);
  }
  return JSON.stringify(line).slice(1);
}

/**
 * `formatHistoryLine`, with the part after the time reused while the GPU readings are the same
 * objects as last tick (an idle GPU's reading is: nvidia-smi.collector.ts).
 */
export class HistoryLineFormatter {
  private gpus: Snapshot['gpus'] = [];
  private tail: string | null = null;

  format(s: Snapshot): string {
    const same = this.tail !== null && this.gpus.length === s.gpus.length && s.gpus.every((g, i) => g === this.gpus[i]);
    if (!same) {
      this.gpus = s.gpus.slice();
      this.tail = lineTail(s.gpus);
    }
    return `{"t":${JSON.stringify(s.atMs)},${this.tail}\n`;
  }
}

/**
 * Per GPU and bucket, the minimum and the maximum sample (spikes survive). Adding samples in any
 * order gives the same result, so a reduction can be loaded from disk and then extended.
 */
export class Reduction {
  private readonly buckets = new Map<string, { min: GpuSample; max: GpuSample }>();
  private cached: GpuSample[] | null = null;
  constructor(readonly bucketMs: number) {}

  add(s: GpuSample): void {
    const key = `${s.gpuId}|${Math.floor(s.atMs / this.bucketMs)}`;
    const g = this.buckets.get(key);
    if (!g) this.buckets.set(key, { min: s, max: s });
    else {
      if (s.memoryUsedBytes < g.min.memoryUsedBytes || (s.memoryUsedBytes === g.min.memoryUsedBytes && s.atMs < g.min.atMs)) g.min = s;
      if (s.memoryUsedBytes > g.max.memoryUsedBytes || (s.memoryUsedBytes === g.max.memoryUsedBytes && s.atMs < g.max.atMs)) g.max = s;
    }
    this.cached = null;
  }

  /** The kept samples, oldest first. */
  samples(): GpuSample[] {
    if (this.cached) return this.cached;
    const out: GpuSample[] = [];
    for (const { min, max } of this.buckets.values()) {
      if (min === max) out.push(min);
      else out.push(min.atMs <= max.atMs ? min : max, min.atMs <= max.atMs ? max : min);
    }
    return (this.cached = out.sort((a, b) => a.atMs - b.atMs));
  }
}

/** The reduction of the day being written: extended by every append, loaded once from disk. */
interface LiveDay {
  day: string;
  reduction: Reduction;
  ready: Promise<void>;
  isReady: boolean;
  savedAtMs: number;
}

const sampleLine = (s: GpuSample): string =>
  JSON.stringify({ t: s.atMs, g: [[s.gpuId, s.gpuName, s.memoryUsedBytes, s.memoryTotalBytes]], ...(s.owners ? { o: { [s.gpuId]: s.owners.map((o) => [o.label, o.bytes]) } } : {}) });

export class HistoryStore {
  private readonly dir: string;
  private readonly reducedDir: string;
  private timer: NodeJS.Timeout | null = null;
  private readonly syncMs: number;
  /** When `sync` last ran. */
  private syncedAtMs: number;
  private lastPruneDay = '';
  private readonly now: () => number;
  private readonly write: (fd: number, buffer: Buffer, offset: number, length: number) => number;
  private readonly formatter = new HistoryLineFormatter();
  private lastDayPath: { day: string; path: string } | null = null;
  /** The open day file being appended to. */
  private fd: number | null = null;
  private fdDay = '';
  private dirty = false;
  /** A failed write could not be truncated back: repair before the next write. */
  private tornTail = false;
  private state: HistoryStatus = { state: 'writing', message: null, sinceMs: null };
  private live: LiveDay | null = null;
  /** Reductions of finished days (read on demand, small), by day. */
  private readonly finished = new Map<string, { sourceBytes: number; samples: GpuSample[] }>();
  private readonly inFlight = new Map<string, Promise<GpuSample[]>>();
  private disposed = false;
  /** The first warm-up's worker, building the reductions missing on disk; reads wait for it. */
  private migrated: Promise<void> = Promise.resolve();
  private migrationStarted = false;
  retentionDays: number;

  constructor(private readonly options: HistoryStoreOptions) {
    this.dir = join(options.dataDir, 'history');
    this.reducedDir = join(this.dir, 'reduced');
    this.retentionDays = options.retentionDays;
    this.now = options.now ?? Date.now;
    this.write = options.writeSync ?? ((fd, buffer, offset, length) => writeSync(fd, buffer, offset, length));
    mkdirSync(this.dir, { recursive: true });
    // The file of today is the one that gets appended to: a torn last line there (a power cut
    // mid-write) is cut off now, or the next line would be glued to it.
    const today = join(this.dir, `${dayOf(this.now())}.ndjson`);
    this.repairTail(today);
    this.syncMs = options.syncMs ?? 10_000;
    this.syncedAtMs = this.now();
    // The backstop only: while ticks come, `append` syncs when one is due.
    this.timer = setInterval(() => this.sync(), Math.max(60_000, 6 * this.syncMs));
    this.timer.unref();
  }

  get directory(): string {
    return this.dir;
  }

  /** Writing, or paused with a sentence saying why (shown in the Sources list and the dashboard). */
  status(): HistoryStatus {
    return this.state;
  }

  /** The day file's path (the same string every tick of a day). */
  private dayPath(day: string): string {
    if (this.lastDayPath?.day !== day) this.lastDayPath = { day, path: join(this.dir, `${day}.ndjson`) };
    return this.lastDayPath.path;
  }

  /**
   * Writes the Snapshot's line now (one `write`; in the page cache when this returns). Never
   * throws: a failure pauses history, and the next call tries again.
   */
  append(s: Snapshot): void {
    if (!s.gpus.length || s.demo || this.disposed) return;
    const day = dayOf(s.atMs);
    const buf = Buffer.from(this.formatter.format(s));
    const path = this.dayPath(day);
    try {
      this.openDay(day);
      if (this.tornTail) {
        this.repairTail(path);
        this.tornTail = false;
      }
      let off = 0;
      try {
        while (off < buf.length) off += this.write(this.fd!, buf, off, buf.length - off);
      } catch (error) {
        // No half line may stay behind: cut off the `off` bytes that did get written.
        if (off > 0) {
          try {
            ftruncateSync(this.fd!, Math.max(0, fstatSync(this.fd!).size - off));
          } catch {
            this.tornTail = true;
          }
        }
        throw error;
      }
      this.dirty = true;
    } catch (error) {
      this.pause(error as NodeJS.ErrnoException, path);
      return;
    }
    if (this.state.state === 'paused') {
      this.options.logger.info(`history: writing again to ${path}`);
      this.state = { state: 'writing', message: null, sinceMs: null };
    }
    const live = this.liveDay(day);
    for (const g of historySamples(s) ?? []) live.reduction.add(g);
    const nowMs = this.now();
    if (nowMs - this.syncedAtMs >= this.syncMs) this.sync();
    const today = dayOf(nowMs);
    if (today !== this.lastPruneDay) {
      this.lastPruneDay = today;
      this.prune();
    }
  }

  private pause(error: NodeJS.ErrnoException, path: string): void {
    const full = error.code === 'ENOSPC' || error.code === 'EDQUOT';
    const message = full
      ? `history paused: disk full (no space left for ${path}); the dashboard keeps running, and writing resumes by itself when space is freed`
      : `history paused: cannot write ${path} (${error.code ?? error.message}); writing resumes by itself when it can`;
    if (this.state.state !== 'paused' || this.state.message !== message) {
      this.options.logger.error(`${message} [${error.message}]`);
      this.state = { state: 'paused', message, sinceMs: this.state.sinceMs ?? this.now() };
    }
    // A file we could not even open is reopened next time.
    if (this.fd !== null && error.code !== 'ENOSPC' && error.code !== 'EDQUOT') this.closeFd();
  }

  /** Opens (creates) the day file for appending, closing the previous day's. */
  private openDay(day: string): void {
    if (this.fd !== null && this.fdDay === day) return;
    if (this.fd !== null) {
      const previous = this.fdDay;
      this.closeFd();
      this.saveLive(previous);
    }
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, `${day}.ndjson`);
    this.repairTail(path);
    const fd = openSync(path, 'a');
    this.fd = fd;
    this.fdDay = day;
    this.tornTail = false;
  }

  private closeFd(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      if (this.dirty) fsyncSync(fd);
    } catch (error) {
      this.options.logger.warn(`history: fsync failed: ${(error as Error).message}`);
    }
    this.dirty = false;
    try {
      closeSync(fd);
    } catch {
      // already gone
    }
  }

  /** Cuts a day file back to its last complete line (a torn line from a crash mid-write). */
  private repairTail(path: string): void {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch {
      return; // no file yet
    }
    try {
      const size = fstatSync(fd).size;
      if (size === 0) return;
      const one = Buffer.alloc(1);
      readSync(fd, one, 0, 1, size - 1);
      if (one[0] === 0x0a) return;
      const chunk = Buffer.alloc(64 * 1024);
      let end = size;
      let keep = 0;
      while (end > 0) {
        const start = Math.max(0, end - chunk.length);
        readSync(fd, chunk, 0, end - start, start);
        const nl = chunk.subarray(0, end - start).lastIndexOf(0x0a);
        if (nl >= 0) {
          keep = start + nl + 1;
          break;
        }
        end = start;
      }
      ftruncateSync(fd, keep);
      this.options.logger.warn(`history: cut a torn last line (${size - keep} bytes) from ${path}`);
    } catch (error) {
      this.options.logger.warn(`history: cannot repair ${path}: ${(error as Error).message}`);
    } finally {
      closeSync(fd);
    }
  }

  /** fsync of what was written since the last one; saves today's reduction now and then. */
  sync(): void {
    this.syncedAtMs = this.now();
    if (this.fd !== null && this.dirty) {
      try {
        fsyncSync(this.fd);
        this.dirty = false;
      } catch (error) {
        this.options.logger.warn(`history: fsync failed: ${(error as Error).message}`);
      }
    }
    if (this.live?.isReady && this.now() - this.live.savedAtMs >= SAVE_REDUCTION_MS) this.saveLive(this.live.day);
  }

  /** Nothing is buffered: kept for callers that wait for written data. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Deletes day files (and their reductions) older than the retention. */
  prune(): void {
    const cutoff = dayOf(this.now() - this.retentionDays * DAY_MS);
    for (const name of this.files()) {
      const day = FILE_RE.exec(name)![1]!;
      if (day < cutoff) {
        try {
          unlinkSync(join(this.dir, name));
        } catch (error) {
          this.options.logger.warn(`history: cannot delete ${name}: ${(error as Error).message}`);
        }
      }
    }
    let reduced: string[] = [];
    try {
      reduced = readdirSync(this.reducedDir).filter((n) => FILE_RE.test(n));
    } catch {
      // none yet
    }
    for (const name of reduced) {
      if (FILE_RE.exec(name)![1]! < cutoff) {
        try {
          unlinkSync(join(this.reducedDir, name));
        } catch {
          // retried at the next prune
        }
      }
    }
    for (const day of this.finished.keys()) if (day < cutoff) this.finished.delete(day);
  }

  /**
   * Samples in [sinceMs, untilMs], reduced to about `maxPoints` per GPU (min/max-preserving).
   * Long ranges read the per-day 60 s reductions (today's is in memory); short ranges stream the
   * raw lines through buckets of their own size, so memory stays about `maxPoints` either way.
   */
  async readDownsampled(sinceMs: number, untilMs: number, maxPoints: number): Promise<GpuSample[]> {
    const limit = Math.max(4, Math.floor(maxPoints));
    const end = Number.isFinite(untilMs) ? untilMs : this.now();
    const span = Math.max(1, end - sinceMs);
    const firstDay = dayOf(Math.max(0, sinceMs));
    const lastDay = dayOf(Math.max(0, end));
    const days = this.files().map((n) => FILE_RE.exec(n)![1]!).filter((d) => d >= firstDay && d <= lastDay);
    const out: GpuSample[] = [];
    if (span / limit >= REDUCE_MS / 2) {
      for (const day of days) for (const s of await this.reducedDay(day)) if (s.atMs >= sinceMs && s.atMs <= untilMs) out.push(s);
    } else {
      const reduction = new Reduction(Math.max(1, Math.floor(span / Math.max(2, Math.floor(limit / 2)))));
      for (const day of days) {
        await forEachLine(join(this.dir, `${day}.ndjson`), (line) => {
          const m = T_PREFIX.exec(line);
          if (m && (Number(m[1]) < sinceMs || Number(m[1]) > untilMs)) return; // out of range: no parse
          for (const s of parseHistoryLine(line) ?? []) if (s.atMs >= sinceMs && s.atMs <= untilMs) reduction.add(s);
        });
      }
      out.push(...reduction.samples());
    }
    return downsamplePerGpu(out, maxPoints);
  }

  /** The 60 s reduction of one day: today's from memory, others from disk (computed once). */
  private async reducedDay(day: string): Promise<GpuSample[]> {
    await this.migrated;
    if (this.live?.day === day) {
      await this.live.ready;
      return this.live.reduction.samples();
    }
    const size = this.sizeOf(day);
    const cached = this.finished.get(day);
    if (cached && cached.sourceBytes === size) return cached.samples;
    let job = this.inFlight.get(day);
    if (!job) {
      job = (async () => {
        const reduction = new Reduction(REDUCE_MS);
        const saved: GpuSample[] = [];
        const covered = await this.extend(day, reduction, size, false, saved);
        // A saved reduction that covers the whole day is its samples as they are (written oldest
        // first by `samples()`): a start loads a week without rebuilding seven reductions.
        const samples = covered === size && saved.length ? saved : reduction.samples();
        if (covered !== size) this.saveReduction(day, reduction, size);
        this.finished.set(day, { sourceBytes: size, samples });
        return samples;
      })().finally(() => this.inFlight.delete(day));
      this.inFlight.set(day, job);
    }
    return job;
  }

  /**
   * Loads the saved reduction of `day` into `reduction` and streams what it does not cover, up to
   * `size`; returns what the saved one covered. `ahead`: the day being appended to, whose
   * reduction may cover lines past `size` (they are added again by `append`: adding is idempotent).
   */
  private async extend(day: string, reduction: Reduction, size: number, ahead = false, complete?: GpuSample[]): Promise<number> {
    let covered = 0;
    const saved: GpuSample[] = [];
    let header: { v?: number; bucketMs?: number; sourceBytes?: number } | null = null;
    const r = await forEachLine(join(this.reducedDir, `${day}.ndjson`), (line) => {
      if (header === null) {
        try {
          header = JSON.parse(line) as typeof header;
        } catch {
          header = {};
        }
        return;
      }
      for (const s of parseHistoryLine(line) ?? []) saved.push(s);
    });
    const h = header as { v?: number; bucketMs?: number; sourceBytes?: number } | null;
    const fits = (n: number) => n <= size || (ahead && n <= this.sizeOf(day));
    if (r.readable && h && h.v === 1 && h.bucketMs === reduction.bucketMs && typeof h.sourceBytes === 'number' && fits(h.sourceBytes)) {
      covered = Math.min(h.sourceBytes, size);
      // `complete`: the caller takes the saved samples as they are when they cover the whole file.
      if (complete && covered === size && !ahead && isSorted(saved)) {
        complete.push(...saved);
        return covered;
      }
      for (const s of saved) reduction.add(s);
    }
    if (covered < size) {
      await forEachLine(
        join(this.dir, `${day}.ndjson`),
        (line) => {
          for (const s of parseHistoryLine(line) ?? []) reduction.add(s);
        },
        covered,
        size,
      );
    }
    return covered;
  }

  /** Today's (or the appended day's) reduction: loaded from disk and the file once, then kept up by `append`. */
  private liveDay(day: string): LiveDay {
    if (this.live?.day === day) return this.live;
    if (this.live) this.saveLive(this.live.day);
    const reduction = new Reduction(REDUCE_MS);
    // What is in the file now is loaded below; every later append adds itself.
    const size = this.sizeOf(day);
    const live: LiveDay = { day, reduction, ready: Promise.resolve(), isReady: false, savedAtMs: this.now() };
    live.ready = this.migrated.then(() => this.extend(day, reduction, size, true)).then(
      () => {
        live.isReady = true;
      },
      (error: unknown) => {
        live.isReady = true;
        this.options.logger.warn(`history: cannot read ${day}: ${(error as Error).message}`);
      },
    );
    this.finished.delete(day);
    this.live = live;
    return live;
  }

  private saveLive(day: string): void {
    const live = this.live;
    if (!live || live.day !== day || !live.isReady) return;
    live.savedAtMs = this.now();
    const size = this.sizeOf(day);
    this.saveReduction(day, live.reduction, size);
    if (this.fdDay !== day || this.fd === null) {
      // A finished day: keep it as one.
      this.finished.set(day, { sourceBytes: size, samples: live.reduction.samples() });
      this.live = null;
    }
  }

  /** Writes a reduction atomically (temporary file, rename); a failure only costs a re-read later. */
  private saveReduction(day: string, reduction: Reduction, sourceBytes: number): void {
    const path = join(this.reducedDir, `${day}.ndjson`);
    const tmp = `${path}.tmp`;
    try {
      mkdirSync(this.reducedDir, { recursive: true });
      const lines = [JSON.stringify({ v: 1, bucketMs: reduction.bucketMs, sourceBytes })];
      for (const s of reduction.samples()) lines.push(sampleLine(s));
      writeFileSync(tmp, `${lines.join('\n')}\n`);
      renameSync(tmp, path);
    } catch (error) {
      try {
        unlinkSync(tmp);
      } catch {
        // not there
      }
      this.options.logger.warn(`history: cannot save the reduction of ${day}: ${(error as Error).message}`);
    }
  }

  private sizeOf(day: string): number {
    try {
      return statSync(join(this.dir, `${day}.ndjson`)).size;
    } catch {
      return 0;
    }
  }

  /**
   * Prepares the reductions in the background (finished days missing one are streamed once and
   * saved; all are loaded, today's with what the file has beyond its saved reduction), so the
   * first 7-day chart after a start is quick.
   */
  warmUp(): Promise<void> {
    const today = dayOf(this.now());
    if (!this.migrationStarted) {
      this.migrationStarted = true;
      const jobs = [];
      for (const name of this.files()) {
        const day = FILE_RE.exec(name)![1]!;
        const size = this.sizeOf(day);
        if (size > 0 && this.savedCovers(day) !== size) jobs.push({ source: join(this.dir, name), target: join(this.reducedDir, name), sourceBytes: size });
      }
      if (jobs.length && this.options.reduceInWorker !== false) {
        try {
          mkdirSync(this.reducedDir, { recursive: true });
          this.migrated = reduceInWorker(jobs, REDUCE_MS).then((failures) => {
            for (const f of failures) this.options.logger.warn(`history: cannot save a day reduction: ${f}`);
          });
        } catch (error) {
          this.options.logger.warn(`history: cannot make ${this.reducedDir}: ${(error as Error).message}`);
        }
      }
    }
    return (async () => {
      await this.migrated;
      for (const name of this.files()) {
        if (this.disposed) return;
        const day = FILE_RE.exec(name)![1]!;
        if (this.live?.day === day || (day === today && !this.live)) {
          await this.liveDay(day).ready;
          continue;
        }
        // Made once and saved where missing or stale; kept in memory (a few thousand samples a
        // day) so the first 7-day chart after a start reads nothing.
        await this.reducedDay(day);
      }
    })().catch((error: unknown) => this.options.logger.warn(`history: warm-up failed: ${(error as Error).message}`));
  }

  /** `sourceBytes` of the saved reduction of `day` (its first line), or -1. */
  private savedCovers(day: string): number {
    let fd: number;
    try {
      fd = openSync(join(this.reducedDir, `${day}.ndjson`), 'r');
    } catch {
      return -1;
    }
    try {
      const buf = Buffer.alloc(200);
      const n = readSync(fd, buf, 0, buf.length, 0);
      const nl = buf.subarray(0, n).indexOf(0x0a);
      const h = JSON.parse(buf.toString('utf8', 0, nl < 0 ? n : nl)) as { v?: number; bucketMs?: number; sourceBytes?: number };
      return h.v === 1 && h.bucketMs === REDUCE_MS && typeof h.sourceBytes === 'number' ? h.sourceBytes : -1;
    } catch {
      return -1;
    } finally {
      closeSync(fd);
    }
  }

  /** Samples with sinceMs ≤ atMs ≤ untilMs, oldest first; `skipped` counts corrupt lines (in range). */
  async read(sinceMs: number, untilMs = Infinity): Promise<{ samples: GpuSample[]; skipped: number }> {
    return readHistoryDir(this.dir, sinceMs, untilMs);
  }

  /** fsyncs and closes the file, saves today's reduction. Synchronous: it may run while the process exits. */
  dispose(): void {
    if (this.disposed) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const day = this.fdDay;
    this.closeFd();
    if (day) this.saveLive(day);
    this.disposed = true;
  }

  private files(): string[] {
    try {
      return readdirSync(this.dir).filter((n) => FILE_RE.test(n)).sort();
    } catch {
      return [];
    }
  }
}

/** Oldest first (as `Reduction.samples()` writes them); a hand-edited file is rebuilt instead. */
function isSorted(samples: readonly GpuSample[]): boolean {
  for (let i = 1; i < samples.length; i++) if (samples[i - 1]!.atMs > samples[i]!.atMs) return false;
  return true;
}

/** `{"t":<number>,` at the start of a line, as the store writes it. */
const T_PREFIX = /^\{"t":(-?\d+(?:\.\d+)?),/;

/** Reads the day files of a history folder, line by line (used by the store's `read`). */
export async function readHistoryDir(dir: string, sinceMs: number, untilMs = Infinity): Promise<{ samples: GpuSample[]; skipped: number }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FILE_RE.test(n)).sort();
  } catch {
    return { samples: [], skipped: 0 };
  }
  const firstDay = dayOf(Math.max(0, sinceMs));
  const lastDay = Number.isFinite(untilMs) ? dayOf(untilMs) : '9999-12-31';
  const samples: GpuSample[] = [];
  let skipped = 0;
  const take = (line: string) => {
    if (!line) return;
    // Lines out of range are skipped on their time alone (no JSON parse): a 15-minute read of
    // today's file costs a regex per line. Damaged lines are counted among those in range.
    const m = T_PREFIX.exec(line);
    if (m) {
      const t = Number(m[1]);
      if (t < sinceMs || t > untilMs) return;
    }
    const parsed = parseHistoryLine(line);
    if (!parsed) {
      skipped++;
      return;
    }
    for (const s of parsed) if (s.atMs >= sinceMs && s.atMs <= untilMs) samples.push(s);
  };
  for (const name of names) {
    const day = FILE_RE.exec(name)![1]!;
    if (day < firstDay || day > lastDay) continue;
    const r = await forEachLine(join(dir, name), take);
    if (!r.readable) skipped++;
    else take(r.tail); // a torn last line is counted; a complete one without its newline is read
  }
  samples.sort((a, b) => a.atMs - b.atMs);
  return { samples, skipped };
}
