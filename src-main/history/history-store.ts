/**
 * Persisted history: one NDJSON file per UTC day under `<dataDir>/history/`, one compact line per
 * sample. Appends are buffered and flushed every few seconds (and on dispose). Reading skips a
 * torn last line or any corrupt line (counted), so a crash or a damaged file never loses the
 * other lines or the other days. Days older than the retention are deleted.
 */
import { appendFileSync, createReadStream, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Snapshot } from '../../shared/model/snapshot';
import type { Logger } from '../util/logger';

/** One sample of one GPU. */
export interface GpuSample {
  atMs: number;
  gpuId: string;
  gpuName: string;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
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

type Line = { t: number; g: [string, string, number, number][] };

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
  for (const g of rec.g) {
    if (!Array.isArray(g) || g.length < 4) return null;
    const [gpuId, gpuName, used, total] = g as unknown[];
    if (typeof gpuId !== 'string' || typeof gpuName !== 'string' || typeof used !== 'number' || typeof total !== 'number' || !(used >= 0) || !(total >= 0)) return null;
    out.push({ atMs: rec.t, gpuId, gpuName, memoryUsedBytes: used, memoryTotalBytes: total });
  }
  return out;
}

export function formatHistoryLine(s: Snapshot): string {
  const line: Line = { t: s.atMs, g: s.gpus.map((g) => [g.id, g.name, g.memoryUsedBytes, g.memoryTotalBytes]) };
  return `${JSON.stringify(line)}\n`;
}

export class HistoryStore {
  private readonly dir: string;
  private buffer: { day: string; text: string }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastPruneDay = '';
  private readonly now: () => number;
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
    const rl = createInterface({ input: createReadStream(join(dir, name), { encoding: 'utf8' }), crlfDelay: Infinity });
    try {
      for await (const line of rl) {
        if (!line) continue;
        const parsed = parseHistoryLine(line);
        if (!parsed) {
          skipped++;
          continue;
        }
        for (const s of parsed) if (s.atMs >= sinceMs && s.atMs <= untilMs) samples.push(s);
      }
    } catch {
      skipped++;
    }
  }
  samples.sort((a, b) => a.atMs - b.atMs);
  return { samples, skipped };
}
