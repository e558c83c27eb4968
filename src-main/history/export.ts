/** CSV and JSON export of history samples (dashboard download and `headroom export`). */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dayOf, parseHistoryLine, type GpuSample } from './history-store';
import { forEachLine } from './line-reader';

export const CSV_HEADER = 'atMs,isoTime,gpuId,gpuName,memoryUsedBytes,memoryTotalBytes,memoryUsedPct';

function csvCell(v: string): string {
  // Quote when needed; neutralise spreadsheet formulas in free text (names come from drivers).
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV row (no newline) for one sample of one GPU. */
export function csvRow(s: GpuSample): string {
  const pct = s.memoryTotalBytes > 0 ? ((s.memoryUsedBytes / s.memoryTotalBytes) * 100).toFixed(2) : '';
  return [String(s.atMs), new Date(s.atMs).toISOString(), csvCell(s.gpuId), csvCell(s.gpuName), String(s.memoryUsedBytes), String(s.memoryTotalBytes), pct].join(',');
}

/** One header row, then one row per sample and GPU. */
export function toCsv(samples: readonly GpuSample[]): string {
  const rows = [CSV_HEADER];
  for (const s of samples) rows.push(csvRow(s));
  return `${rows.join('\n')}\n`;
}

export function toJson(samples: readonly GpuSample[]): string {
  return `${JSON.stringify(samples)}\n`;
}

/** Parses "24h", "7d", "90m", "30s" into milliseconds; null when invalid. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[m[2] as 'ms'];
  const ms = n * unit;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
}

const FILE_RE = /^(\d{4}-\d{2}-\d{2})\.ndjson$/;
/** `{"t":<number>` at the start of a line, as the store writes it: enough to check the order cheaply. */
const T_RE = /^\{"t":(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[,}]/;
const CHUNK_CHARS = 64 * 1024;

export interface StreamExportOptions {
  sinceMs: number;
  untilMs: number;
  format: 'csv' | 'json';
  /** Only this GPU id; null/undefined → all. */
  gpuId?: string | null;
}

/**
 * Streams the samples of a history folder as CSV or JSON to `write` (awaited: backpressure), in
 * about 64 KiB pieces, one day file at a time and line by line: memory stays flat however long
 * the range. The bytes equal `toCsv`/`toJson` of every sample in range sorted by time (stable).
 * Each day file is checked for time order first (a cheap scan of `"t"`); a file that is not in
 * order (the clock went back) is sorted on its own. Day files hold only their own UTC day, so
 * sorting each file sorts the whole. `skipped` counts torn and corrupt lines, as `read` does.
 */
export async function streamExport(dir: string, options: StreamExportOptions, write: (chunk: string) => void | Promise<void>): Promise<{ samples: number; skipped: number }> {
  const { sinceMs, untilMs, format, gpuId } = options;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => FILE_RE.test(n)).sort();
  } catch {
    names = [];
  }
  const firstDay = dayOf(Math.max(0, sinceMs));
  const lastDay = Number.isFinite(untilMs) ? dayOf(untilMs) : '9999-12-31';
  let pending = format === 'csv' ? `${CSV_HEADER}\n` : '[';
  let count = 0;
  let skipped = 0;
  /** Adds one sample; returns a promise only when a full chunk was handed to `write`. */
  const emit = (s: GpuSample): void | Promise<void> => {
    if (s.atMs < sinceMs || s.atMs > untilMs || (gpuId && s.gpuId !== gpuId)) return;
    pending += format === 'csv' ? `${csvRow(s)}\n` : `${count ? ',' : ''}${JSON.stringify(s)}`;
    count++;
    if (pending.length >= CHUNK_CHARS) {
      const chunk = pending;
      pending = '';
      return write(chunk);
    }
  };
  const emitAll = async (list: GpuSample[]) => {
    for (const s of list) {
      const wait = emit(s);
      if (wait) await wait;
    }
  };
  for (const name of names) {
    const day = FILE_RE.exec(name)![1]!;
    if (day < firstDay || day > lastDay) continue;
    const path = join(dir, name);
    // Pass 1: is the file in time order? (Unparseable lines do not count; they are skipped below.)
    let prevT = -Infinity;
    let ordered = true;
    const scan = await forEachLine(path, (line) => {
      if (!ordered || !line) return;
      const m = T_RE.exec(line);
      if (!m) {
        if (parseHistoryLine(line)) ordered = false; // valid but written differently: play safe
        return;
      }
      const t = Number(m[1]);
      if (t < prevT) ordered = false;
      prevT = t;
    });
    if (!scan.readable) {
      skipped++;
      continue;
    }
    if (ordered && scan.tail) {
      const m = T_RE.exec(scan.tail);
      if (m && Number(m[1]) < prevT) ordered = false;
    }
    // Pass 2 (the same bytes, though a live server may be appending): parse and emit in order,
    // or collect this one day and sort it (stable, as before).
    const collected: GpuSample[] = [];
    const take = (text: string): void | Promise<void> => {
      if (!text) return;
      const parsed = parseHistoryLine(text);
      if (!parsed) {
        skipped++;
        return;
      }
      if (!ordered) collected.push(...parsed);
      else if (parsed.length === 1) return emit(parsed[0]!);
      else return emitAll(parsed);
    };
    const end = scan.endOffset + Buffer.byteLength(scan.tail);
    // 16 KiB at a time (~180 lines, about a millisecond of work) between yields: the server stays responsive.
    const r = await forEachLine(path, take, 0, end, 16 * 1024);
    if (!r.readable) {
      skipped++;
      continue;
    }
    await take(r.tail);
    if (!ordered) {
      collected.sort((a, b) => a.atMs - b.atMs);
      await emitAll(collected);
    }
  }
  pending += format === 'csv' ? '' : ']\n';
  if (pending) await write(pending);
  return { samples: count, skipped };
}
