/**
 * Persisted history: one NDJSON file per UTC day under `<dataDir>/history/`, one compact line per
 * sample. Appends are buffered and flushed every few seconds (and on dispose). Reading skips a
 * torn last line or any corrupt line (counted), so a crash or a damaged file never loses the
 * other lines or the other days. Days older than the retention are deleted.
 */
import { appendFileSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { appendFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { gpuOwnerShares, type OwnerShare } from '../../shared/contract/requests';
import type { Snapshot } from '../../shared/model/snapshot';
import { downsamplePerGpu } from '../../shared/history/downsample';
import type { Logger } from '../util/logger';

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
  flushMs?: number;
  now?: () => number;
}

const DAY_MS = 86_400_000;
const FILE_RE = /^(\d{4}-\d{2}-\d{2})\.ndjson$/;

export const dayOf = (atMs: number): string => new Date(atMs).toISOString().slice(0, 10);

/** One line: `t` time, `g` [id, name, used, total] per GPU, `o` owners per GPU id as [label, bytes]. */
type Line = { t: number; g: [string, string, number, number][]; o?: Record<string, [string, number][]> };

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
    out.push({ atMs: rec.t, gpuId, gpuName, memoryUsedBytes: used, memoryTotalBytes: total, ...(shares.length ? { owners: shares } : {}) });
  }
  return out;
}

export function formatHistoryLine(s: Snapshot): string {
  const line: Line = { t: s.atMs, g: s.gpus.map((g) => [g.id, g.name, g.memoryUsedBytes, g.memoryTotalBytes]) };
  for (const g of s.gpus) {
    const shares = gpuOwnerShares(g);
    if (shares) (line.o ??= {})[g.id] = shares.map((o) => [o.label, o.bytes]);
  }
  return `${JSON.stringify(line)}\n`;
}

export class HistoryStore {
  private readonly dir: string;
  private buffer: { day: string; text: string }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastPruneDay = '';
  private readonly now: () => number;
  /** Finished days, pre-reduced to 10 s min/max buckets (see readDownsampled). */
  private readonly dayCache = new Map<string, { samples: GpuSample[]; offset: number }>();
  retentionDays: number;

  constructor(private readonly options: HistoryStoreOptions) {
    this.dir = join(options.dataDir, 'history');
    this.retentionDays = options.retentionDays;
    this.now = options.now ?? Date.now;
    mkdirSync(this.dir, { recursive: true });
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 5000);
    this.timer.unref();
  }

  get directory(): string {
    return this.dir;
  }

  append(s: Snapshot): void {
    if (!s.gpus.length || s.demo) return;
    this.buffer.push({ day: dayOf(s.atMs), text: formatHistoryLine(s) });
  }

  /** Writes buffered lines; errors are logged, never thrown (the dashboard keeps running). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const pending = this.buffer;
      this.buffer = [];
      const byDay = new Map<string, string>();
      for (const p of pending) byDay.set(p.day, (byDay.get(p.day) ?? '') + p.text);
      for (const [day, text] of byDay) {
        try {
          await appendFile(join(this.dir, `${day}.ndjson`), text);
        } catch (error) {
          this.options.logger.error(`history: cannot write ${join(this.dir, `${day}.ndjson`)}: ${(error as Error).message}`);
        }
      }
      const today = dayOf(this.now());
      if (today !== this.lastPruneDay) {
        this.lastPruneDay = today;
        this.prune();
      }
    });
    return this.flushing;
  }

  /** Deletes day files older than the retention. */
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
  }

  /**
   * Like `read`, reduced to about `maxPoints` per GPU (min/max-preserving). Finished days are
   * pre-reduced once to 10 s min/max buckets and kept in memory, so a 7-day chart does not
   * re-read 600 000 lines each time; today's file is read as it is.
   */
  async readDownsampled(sinceMs: number, untilMs: number, maxPoints: number): Promise<GpuSample[]> {
    await this.flush();
    const firstDay = dayOf(Math.max(0, sinceMs));
    const lastDay = Number.isFinite(untilMs) ? dayOf(untilMs) : '9999-12-31';
    const out: GpuSample[] = [];
    for (const name of this.files()) {
      const day = FILE_RE.exec(name)![1]!;
      if (day < firstDay || day > lastDay) continue;
      for (const s of await this.reducedDay(day)) if (s.atMs >= sinceMs && s.atMs <= untilMs) out.push(s);
    }
    const cutoff = dayOf(this.now() - this.retentionDays * DAY_MS);
    for (const day of this.dayCache.keys()) if (day < cutoff) this.dayCache.delete(day);
    return downsamplePerGpu(out, maxPoints);
  }

  /** Reads what is new in a day file since the last call (from the byte offset reached) and reduces it. */
  private async reducedDay(day: string): Promise<GpuSample[]> {
    const entry = this.dayCache.get(day) ?? { samples: [], offset: 0 };
    const path = join(this.dir, `${day}.ndjson`);
    let size = 0;
    try {
      size = statSync(path).size;
    } catch {
      return entry.samples;
    }
    if (size < entry.offset) Object.assign(entry, { samples: [], offset: 0 }); // replaced or truncated: start over
    if (size > entry.offset) {
      const fresh = await readHistoryFile(path, entry.offset, false);
      entry.samples = entry.samples.concat(reduceBuckets(fresh.samples, 10_000));
      entry.offset = fresh.endOffset;
      this.dayCache.set(day, entry);
    }
    return entry.samples;
  }

  /** Reads and reduces the retained days in the background, so the first 7-day chart is quick. */
  warmUp(): void {
    void (async () => {
      for (const name of this.files()) {
        await this.reducedDay(FILE_RE.exec(name)![1]!);
        await new Promise((r) => setImmediate(r));
      }
    })().catch((error: unknown) => this.options.logger.warn(`history: warm-up failed: ${(error as Error).message}`));
  }

  /** Samples with sinceMs ≤ atMs ≤ untilMs, oldest first; `skipped` counts corrupt lines. */
  async read(sinceMs: number, untilMs = Infinity): Promise<{ samples: GpuSample[]; skipped: number }> {
    await this.flush();
    return readHistoryDir(this.dir, sinceMs, untilMs);
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Synchronous final write: dispose may run while the process is exiting.
    const pending = this.buffer;
    this.buffer = [];
    for (const p of pending) {
      try {
        appendFileSync(join(this.dir, `${p.day}.ndjson`), p.text);
      } catch (error) {
        this.options.logger.error(`history: cannot write on exit: ${(error as Error).message}`);
      }
    }
  }

  private files(): string[] {
    try {
      return readdirSync(this.dir).filter((n) => FILE_RE.test(n)).sort();
    } catch {
      return [];
    }
  }
}

/** Reads the day files of a history folder (used by the store and by `headroom export`). */
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
  for (const name of names) {
    const day = FILE_RE.exec(name)![1]!;
    if (day < firstDay || day > lastDay) continue;
    const r = await readHistoryFile(join(dir, name));
    skipped += r.skipped;
    for (const s of r.samples) if (s.atMs >= sinceMs && s.atMs <= untilMs) samples.push(s);
  }
  samples.sort((a, b) => a.atMs - b.atMs);
  return { samples, skipped };
}

/**
 * Every sample of one day file from byte `start`; torn or corrupt lines are counted, not fatal.
 * `endOffset` is just past the last complete line (a line still being written is read next time).
 */
async function readHistoryFile(path: string, start = 0, includeTail = true): Promise<{ samples: GpuSample[]; skipped: number; endOffset: number }> {
  const samples: GpuSample[] = [];
  let skipped = 0;
  let text: string;
  try {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const buf = Buffer.alloc(Math.max(0, size - start));
      await fh.read(buf, 0, buf.length, start);
      text = buf.toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return { samples, skipped: 1, endOffset: start };
  }
  const lastNl = text.lastIndexOf('\n');
  const complete = lastNl >= 0 ? text.slice(0, lastNl) : '';
  const tail = lastNl >= 0 ? text.slice(lastNl + 1) : text;
  for (const line of complete.split('\n')) {
    if (!line) continue;
    const parsed = parseHistoryLine(line);
    if (parsed) samples.push(...parsed);
    else skipped++;
  }
  // A torn last line (crash mid-write) is skipped now and re-read when it is completed.
  if (tail && includeTail) {
    const parsed = parseHistoryLine(tail);
    if (parsed) samples.push(...parsed);
    else skipped++;
  }
  return { samples, skipped, endOffset: start + Buffer.byteLength(complete) + (lastNl >= 0 ? 1 : 0) };
}

/** Per GPU and `bucketMs`, the minimum and maximum sample (in time order): spikes survive. */
function reduceBuckets(samples: GpuSample[], bucketMs: number): GpuSample[] {
  const groups = new Map<string, { min: GpuSample; max: GpuSample }>();
  for (const s of samples) {
    const key = `${s.gpuId}|${Math.floor(s.atMs / bucketMs)}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { min: s, max: s });
    else {
      if (s.memoryUsedBytes < g.min.memoryUsedBytes) g.min = s;
      if (s.memoryUsedBytes > g.max.memoryUsedBytes) g.max = s;
    }
  }
  const out: GpuSample[] = [];
  for (const { min, max } of groups.values()) {
    if (min === max) out.push(min);
    else out.push(min.atMs <= max.atMs ? min : max, min.atMs <= max.atMs ? max : min);
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}
