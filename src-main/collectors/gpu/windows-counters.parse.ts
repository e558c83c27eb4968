/**
 * Pure parsing of Windows GPU performance counters (backends.md §10), any vendor:
 * `\GPU Adapter Memory(luid_…_phys_N)\Dedicated Usage|Shared Usage` (bytes per adapter) and
 * `\GPU Process Memory(pid_P_luid_…_phys_N)\…` (bytes per process), read from typeperf CSV
 * (`"(PDH-CSV 4.0)",…` header, then one quoted row per interval; values may carry a decimal
 * comma in some locales; `" "` = no value) or from `Get-Counter … | ConvertTo-Json`.
 */
import { MiB } from '../../../shared/units/bytes';
import { ABSURD_BYTES, parseLooseNumber } from './values';

export type CounterSet = 'adapter' | 'process';
export type CounterKind = 'dedicated' | 'shared';

export interface CounterColumn {
  set: CounterSet;
  kind: CounterKind;
  /** Adapter key, lower case: `luid_0x00000000_0x0000d1b6_phys_0`. */
  adapter: string;
  /** Process id for `GPU Process Memory`, else null. */
  pid: number | null;
}

export interface CounterSample extends CounterColumn {
  /** Bytes, or null when the counter had no value. */
  bytes: number | null;
}

export interface GpuProcessUsage {
  pid: number;
  dedicatedBytes: number | null;
  sharedBytes: number | null;
}

export interface AdapterUsage {
  adapter: string;
  dedicatedUsedBytes: number | null;
  sharedUsedBytes: number | null;
  processes: GpuProcessUsage[];
}

/** The counter paths Headroom reads, English names (see the localisation caveat in §10). */
export const WINDOWS_GPU_COUNTERS = [
  '\\GPU Adapter Memory(*)\\Dedicated Usage',
  '\\GPU Adapter Memory(*)\\Shared Usage',
  '\\GPU Process Memory(*)\\Dedicated Usage',
  '\\GPU Process Memory(*)\\Shared Usage',
] as const;

const PATH_RE = /\\(gpu adapter memory|gpu process memory)\(([^)]*)\)\\(dedicated usage|shared usage)$/i;
export const INSTANCE_RE = /^(?:pid_(\d+)_)?(luid_0x[0-9a-f]+_0x[0-9a-f]+_phys_\d+)$/i;

/** `\\HOST\GPU Adapter Memory(luid_…)\Dedicated Usage` → column, or null for other counters. */
export function parseCounterPath(path: string): CounterColumn | null {
  const m = PATH_RE.exec(path.trim());
  if (!m?.[1] || m[2] === undefined || !m[3]) return null;
  const inst = INSTANCE_RE.exec(m[2].trim());
  if (!inst?.[2]) return null;
  const set: CounterSet = m[1].toLowerCase() === 'gpu adapter memory' ? 'adapter' : 'process';
  const pid = inst[1] !== undefined ? Number(inst[1]) : null;
  if ((set === 'process') !== (pid !== null)) return null;
  return { set, kind: m[3].toLowerCase().startsWith('dedicated') ? 'dedicated' : 'shared', adapter: inst[2].toLowerCase(), pid };
}

/** Splits one CSV line with `"` quoting; null when a quote is left open (a truncated line). */
export function splitCsvLine(line: string): string[] | null {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  if (quoted) return null;
  cells.push(cell);
  return cells;
}

/**
 * A typeperf header line → one entry per value column (null for counters Headroom ignores),
 * or null when the line is not a header.
 */
export function parseTypeperfHeader(line: string): (CounterColumn | null)[] | null {
  const cells = splitCsvLine(line.trim());
  if (!cells || !/^\(PDH-CSV/i.test(cells[0] ?? '')) return null;
  return cells.slice(1).map(parseCounterPath);
}

function sampleBytes(v: number | null): number | null {
  return v !== null && v >= 0 && v <= ABSURD_BYTES ? Math.round(v) : null;
}

/**
 * One typeperf data row against its header's columns, or null when the line is not a
 * complete row (trailer text, truncated line, wrong number of columns).
 */
export function parseTypeperfRow(line: string, columns: readonly (CounterColumn | null)[]): CounterSample[] | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('"')) return null;
  const cells = splitCsvLine(trimmed);
  if (!cells || cells.length !== columns.length + 1) return null;
  const out: CounterSample[] = [];
  columns.forEach((col, i) => {
    if (col) out.push({ ...col, bytes: sampleBytes(parseLooseNumber(cells[i + 1])) });
  });
  return out;
}

/** A whole one-shot typeperf output (`-sc N`): the samples of the last complete row. */
export function parseTypeperfCsv(text: string): CounterSample[] {
  let columns: (CounterColumn | null)[] | null = null;
  let last: CounterSample[] = [];
  for (const line of text.split(/\r?\n/)) {
    const header = parseTypeperfHeader(line);
    if (header) {
      columns = header;
      continue;
    }
    const row = columns ? parseTypeperfRow(line, columns) : null;
    if (row) last = row;
  }
  return last;
}

/**
 * `(Get-Counter …).CounterSamples | Select Path,InstanceName,CookedValue | ConvertTo-Json`.
 * ConvertTo-Json prints a lone object (not an array) for a single sample.
 */
export function parseGetCounterJson(text: string): CounterSample[] {
  let json: unknown;
  try {
    json = JSON.parse(text.trim() || 'null');
  } catch {
    return [];
  }
  const items = Array.isArray(json) ? json : json && typeof json === 'object' ? [json] : [];
  const out: CounterSample[] = [];
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    const { Path: path, CookedValue: value } = item as { Path?: unknown; CookedValue?: unknown };
    if (typeof path !== 'string') continue;
    const col = parseCounterPath(path);
    if (!col) continue;
    out.push({ ...col, bytes: sampleBytes(parseLooseNumber(typeof value === 'number' || typeof value === 'string' ? value : null)) });
  }
  return out;
}

/** Groups samples per adapter, with its processes (pid order). */
export function summarizeCounters(samples: readonly CounterSample[]): AdapterUsage[] {
  const adapters = new Map<string, AdapterUsage>();
  const get = (key: string) => {
    let a = adapters.get(key);
    if (!a) {
      a = { adapter: key, dedicatedUsedBytes: null, sharedUsedBytes: null, processes: [] };
      adapters.set(key, a);
    }
    return a;
  };
  for (const s of samples) {
    const a = get(s.adapter);
    if (s.set === 'adapter') {
      if (s.kind === 'dedicated') a.dedicatedUsedBytes = s.bytes;
      else a.sharedUsedBytes = s.bytes;
      continue;
    }
    const pid = s.pid ?? -1;
    let p = a.processes.find((x) => x.pid === pid);
    if (!p) {
      p = { pid, dedicatedBytes: null, sharedBytes: null };
      a.processes.push(p);
    }
    if (s.kind === 'dedicated') p.dedicatedBytes = s.bytes;
    else p.sharedBytes = s.bytes;
  }
  for (const a of adapters.values()) a.processes.sort((x, y) => x.pid - y.pid);
  return [...adapters.values()].sort((x, y) => x.adapter.localeCompare(y.adapter));
}

/** Shared usage below this is normal desktop traffic (compositor, browsers), not a spill. */
export const DEFAULT_SPILL_FLOOR_BYTES = 512 * MiB;

/**
 * Bytes the driver has spilled from VRAM into system RAM: shared usage above the floor,
 * counted only while a model is loaded on this discrete GPU (0 otherwise). Unified-memory
 * GPUs never spill in this sense.
 */
export function spilledBytes(input: {
  sharedUsedBytes: number | null | undefined;
  isModelLoaded: boolean;
  isUnifiedMemory?: boolean;
  floorBytes?: number;
}): number {
  if (!input.isModelLoaded || input.isUnifiedMemory || input.sharedUsedBytes == null) return 0;
  return Math.max(0, input.sharedUsedBytes - (input.floorBytes ?? DEFAULT_SPILL_FLOOR_BYTES));
}
