/** CSV and JSON export of history samples (dashboard download and `headroom export`). */
import type { GpuSample } from './history-store';

export const CSV_HEADER = 'atMs,isoTime,gpuId,gpuName,memoryUsedBytes,memoryTotalBytes,memoryUsedPct';

function csvCell(v: string): string {
  // Quote when needed; neutralise spreadsheet formulas in free text (names come from drivers).
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One header row, then one row per sample and GPU. */
export function toCsv(samples: readonly GpuSample[]): string {
  const rows = [CSV_HEADER];
  for (const s of samples) {
    const pct = s.memoryTotalBytes > 0 ? ((s.memoryUsedBytes / s.memoryTotalBytes) * 100).toFixed(2) : '';
    rows.push([String(s.atMs), new Date(s.atMs).toISOString(), csvCell(s.gpuId), csvCell(s.gpuName), String(s.memoryUsedBytes), String(s.memoryTotalBytes), pct].join(','));
  }
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
