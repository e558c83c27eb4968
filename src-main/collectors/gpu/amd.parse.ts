/**
 * Pure parsers for AMD's tools (backends.md §8):
 * - `rocm-smi --showmeminfo vram --json`: `{"card0": {"VRAM Total Memory (B)": "<bytes>", ...}}`,
 *   bytes as strings; text mode `GPU[0]\t\t: VRAM Total Memory (B): <bytes>`.
 * - `amd-smi metric --mem-usage --json`: `[{"gpu": 0, "mem_usage": {"total_vram":
 *   {"value": <MiB>, "unit": "MB"}, ...}}]` — "MB" means MiB; values may be "N/A"; the
 *   top-level layout differs between releases.
 */
import type { GpuReading } from '../../../shared/model/snapshot';
import { GiB, KiB, MiB } from '../../../shared/units/bytes';
import { memoryFigures, parseLooseNumber } from './values';

export interface AmdParseResult {
  readings: GpuReading[];
  /** Devices that were present but dropped, each with the reason (for the source message). */
  skipped: string[];
}

function reading(index: number, sourceId: string, figures: NonNullable<ReturnType<typeof memoryFigures>>): GpuReading {
  return {
    id: `gpu:${index}`,
    index,
    vendor: 'amd',
    name: `AMD GPU ${index}`,
    uuid: null,
    ...figures,
    utilizationPct: null,
    temperatureC: null,
    powerWatts: null,
    sourceId,
  };
}

/**
 * The JSON value in `text`. Tools sometimes print warning lines first (which may contain
 * brackets themselves), so each line that starts like JSON is tried in turn.
 */
function extractJson(text: string): unknown {
  const end = Math.max(text.lastIndexOf('}'), text.lastIndexOf(']'));
  let offset = 0;
  for (const line of text.split('\n')) {
    const lead = line.trimStart();
    if (lead.startsWith('{') || lead.startsWith('[')) {
      try {
        return JSON.parse(text.slice(offset, end + 1)) as unknown;
      } catch {
        // not this line; keep looking
      }
    }
    offset += line.length + 1;
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A byte count from a rocm-smi string; integers only (a decimal here is not bytes). */
function bytesCell(v: unknown): number | null {
  const n = parseLooseNumber(typeof v === 'number' || typeof v === 'string' ? v : null);
  return n !== null && Number.isInteger(n) ? n : null;
}

function sortByIndex(r: GpuReading[]): GpuReading[] {
  return r.sort((a, b) => a.index - b.index);
}

/** Parses `rocm-smi --showmeminfo vram --json` (or the text mode of the same command). */
export function parseRocmSmiMeminfo(text: string): AmdParseResult {
  const json = extractJson(text);
  if (!isRecord(json)) return parseRocmSmiText(text);
  const readings: GpuReading[] = [];
  const skipped: string[] = [];
  for (const [key, value] of Object.entries(json)) {
    const m = /^card(\d+)$/.exec(key);
    if (!m || !isRecord(value)) continue;
    const index = Number(m[1]);
    const figures = memoryFigures(bytesCell(value['VRAM Total Memory (B)']), bytesCell(value['VRAM Total Used Memory (B)']));
    if (figures) readings.push(reading(index, 'rocm-smi', figures));
    else skipped.push(`GPU ${index}: rocm-smi reported no usable VRAM figures`);
  }
  return { readings: sortByIndex(readings), skipped };
}

function parseRocmSmiText(text: string): AmdParseResult {
  const byIndex = new Map<number, { total: number | null; used: number | null }>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^GPU\[(\d+)\]\s*:\s*VRAM Total (Used )?Memory \(B\):\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    const index = Number(m[1]);
    const entry = byIndex.get(index) ?? { total: null, used: null };
    if (m[2]) entry.used = bytesCell(m[3]);
    else entry.total = bytesCell(m[3]);
    byIndex.set(index, entry);
  }
  const readings: GpuReading[] = [];
  const skipped: string[] = [];
  for (const [index, { total, used }] of byIndex) {
    const figures = memoryFigures(total, used);
    if (figures) readings.push(reading(index, 'rocm-smi', figures));
    else skipped.push(`GPU ${index}: rocm-smi reported no usable VRAM figures`);
  }
  return { readings: sortByIndex(readings), skipped };
}

const UNIT_BYTES: Record<string, number> = { B: 1, KB: KiB, KIB: KiB, MB: MiB, MIB: MiB, GB: GiB, GIB: GiB };

/** `{"value": 24560, "unit": "MB"}` → bytes. amd-smi's "MB" is MiB (`bytes // 2**20`). */
function amdSmiBytes(v: unknown): number | null {
  if (isRecord(v)) {
    const unit = typeof v.unit === 'string' ? (UNIT_BYTES[v.unit.trim().toUpperCase()] ?? null) : MiB;
    const n = parseLooseNumber(typeof v.value === 'number' || typeof v.value === 'string' ? v.value : null);
    return unit === null || n === null ? null : n * unit;
  }
  const n = parseLooseNumber(typeof v === 'number' || typeof v === 'string' ? v : null);
  return n === null ? null : n * MiB;
}

/** The per-GPU entries, whatever the release's top-level layout. */
function amdSmiEntries(json: unknown): Record<string, unknown>[] {
  if (Array.isArray(json)) return json.filter(isRecord);
  if (!isRecord(json)) return [];
  if ('mem_usage' in json) return [json];
  for (const value of Object.values(json)) {
    if (Array.isArray(value) && value.some((v) => isRecord(v) && 'mem_usage' in v)) return value.filter(isRecord);
  }
  return [];
}

/** Parses `amd-smi metric --mem-usage --json`. */
export function parseAmdSmiMemUsage(text: string): AmdParseResult {
  const readings: GpuReading[] = [];
  const skipped: string[] = [];
  amdSmiEntries(extractJson(text)).forEach((entry, position) => {
    const gpu = parseLooseNumber(typeof entry.gpu === 'number' || typeof entry.gpu === 'string' ? entry.gpu : null);
    const index = gpu !== null && Number.isInteger(gpu) && gpu >= 0 ? gpu : position;
    const mem = entry.mem_usage;
    const figures = isRecord(mem)
      ? memoryFigures(amdSmiBytes(mem.total_vram), amdSmiBytes(mem.used_vram), amdSmiBytes(mem.free_vram))
      : null;
    if (figures) readings.push(reading(index, 'amd-smi', figures));
    else skipped.push(`GPU ${index}: amd-smi reported no usable VRAM figures`);
  });
  return { readings: sortByIndex(readings), skipped };
}

/** GPU index → product name, from a one-time query at start (names do not change). */
export type AmdProductNames = Map<number, string>;

/** A product name as shown: trimmed, "N/A"/empty dropped, capped for the UI. */
function productName(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const s = v.replace(/\s+/g, ' ').trim();
  if (s === '' || /^(n\/a|unknown|unsupported)$/i.test(s)) return null;
  return s.length > 96 ? `${s.slice(0, 95)}…` : s;
}

/** A value by key, ignoring case (rocm-smi wrote "Card series", ROCm 6 writes "Card Series"). */
function field(record: Record<string, unknown>, key: string): unknown {
  const k = Object.keys(record).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : record[k];
}

/** Parses `rocm-smi --showproductname --json` (or its text mode): "Card series" per card. */
export function parseRocmSmiProductNames(text: string): AmdProductNames {
  const names: AmdProductNames = new Map();
  const json = extractJson(text);
  if (isRecord(json)) {
    for (const [key, value] of Object.entries(json)) {
      const m = /^card(\d+)$/.exec(key);
      const name = m && isRecord(value) ? productName(field(value, 'Card series')) : null;
      if (m && name) names.set(Number(m[1]), name);
    }
    return names;
  }
  for (const line of text.split(/\r?\n/)) {
    const m = /^GPU\[(\d+)\]\s*:\s*Card series:\s*(.+)$/i.exec(line);
    const name = m ? productName(m[2]) : null;
    if (m && name) names.set(Number(m[1]), name);
  }
  return names;
}

/** Parses `amd-smi static --asic --board --json`: `asic.market_name`, else `board.product_name`. */
export function parseAmdSmiProductNames(text: string): AmdProductNames {
  const names: AmdProductNames = new Map();
  const json = extractJson(text);
  const entries = Array.isArray(json)
    ? json.filter(isRecord)
    : isRecord(json)
      ? 'asic' in json
        ? [json]
        : (Object.values(json).find((v): v is unknown[] => Array.isArray(v) && v.some((e) => isRecord(e) && 'asic' in e)) ?? []).filter(isRecord)
      : [];
  entries.forEach((entry, position) => {
    const gpu = parseLooseNumber(typeof entry.gpu === 'number' || typeof entry.gpu === 'string' ? entry.gpu : null);
    const index = gpu !== null && Number.isInteger(gpu) && gpu >= 0 ? gpu : position;
    const name = (isRecord(entry.asic) ? productName(entry.asic.market_name) : null) ?? (isRecord(entry.board) ? productName(entry.board.product_name) : null);
    if (name) names.set(index, name);
  });
  return names;
}

/** Readings with the product names where known ("AMD GPU 0" stays where the tool gave none). */
export function withProductNames(readings: GpuReading[], names: AmdProductNames): GpuReading[] {
  return names.size === 0 ? readings : readings.map((r) => (names.has(r.index) ? { ...r, name: names.get(r.index)! } : r));
}
