/**
 * Pure parsing of `nvidia-smi --query-gpu=... --format=csv,noheader,nounits` output.
 * Values are MiB; special tokens (`[N/A]`, `[Not Supported]`, `[Insufficient Permissions]`…)
 * become null. Lines that do not parse (headers, XID event lines, garbage) are skipped.
 */
import type { GpuReading } from '../../../shared/model/snapshot';
import { mibToBytes } from '../../../shared/units/bytes';

/** Fields Headroom queries, in this order (backends.md §6.1). */
export const NVIDIA_QUERY_FIELDS = [
  'index',
  'uuid',
  'name',
  'memory.total',
  'memory.used',
  'memory.free',
  'memory.reserved',
  'utilization.gpu',
  'temperature.gpu',
  'power.draw',
  'driver_version',
] as const;

export const NVIDIA_QUERY_ARGS = [`--query-gpu=${NVIDIA_QUERY_FIELDS.join(',')}`, '--format=csv,noheader,nounits'];

/**
 * The smaller field set for old drivers that reject a field of the full set (the whole query
 * fails on one unknown name, backends.md §6.1); `memory.reserved` is the newest of ours.
 */
export const NVIDIA_FALLBACK_FIELDS = NVIDIA_QUERY_FIELDS.filter((f) => f !== 'memory.reserved');

export function nvidiaQueryArgs(fields: readonly string[]): string[] {
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'];
}

/** True when nvidia-smi's output says a query field is unknown to this driver. */
export function isUnknownFieldError(output: string): boolean {
  return /is not a valid field/i.test(output);
}

/**
 * Splits a CSV line into cells. nvidia-smi separates with comma + space, so a localized
 * decimal comma (`26,20`) stays inside its cell; a bare-comma line (`0,GPU-1,…`) still splits.
 * A decimal comma inside a cell becomes a dot.
 */
function splitCells(line: string, expected: number): string[] {
  const spaced = line.split(/,\s+/);
  const cells = spaced.length === expected ? spaced : line.split(',');
  return cells.map((c) => (/^\s*-?\d+,\d+(\s*\S+)?\s*$/.test(c) ? c.replace(',', '.') : c));
}

/** A number from a CSV cell, or null for `[N/A]`-style tokens, empty cells and garbage. */
export function parseNumberCell(cell: string | undefined): number | null {
  if (cell === undefined) return null;
  const t = cell.trim().replace(/\s*(MiB|%|W)$/, '');
  if (t === '' || t.startsWith('[') || /^n\/?a$/i.test(t)) return null;
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

function textCell(cell: string | undefined): string | null {
  if (cell === undefined) return null;
  const t = cell.trim();
  if (t === '' || t.startsWith('[')) return null;
  return t;
}

/**
 * Parses one CSV line into a reading, or null when it is not a data line.
 * Memory fields must be present and sane (total > 0, used ≤ total + small slack); otherwise
 * the line is dropped rather than shown as a fake number.
 */
export function parseNvidiaSmiLine(line: string, fields: readonly string[] = NVIDIA_QUERY_FIELDS): GpuReading | null {
  const cells = splitCells(line, fields.length);
  if (cells.length !== fields.length) return null;
  const cell = (name: (typeof NVIDIA_QUERY_FIELDS)[number]) => {
    const i = fields.indexOf(name);
    return i >= 0 ? cells[i] : undefined;
  };
  const [indexCell, uuidCell, nameCell, totalCell, usedCell, freeCell, reservedCell, utilCell, tempCell, powerCell] = NVIDIA_QUERY_FIELDS.map(cell);
  const index = parseNumberCell(indexCell);
  if (index === null || !Number.isInteger(index) || index < 0) return null;
  const totalMiB = parseNumberCell(totalCell);
  const usedMiB = parseNumberCell(usedCell);
  if (totalMiB === null || usedMiB === null || totalMiB <= 0 || usedMiB < 0) return null;
  const freeMiB = parseNumberCell(freeCell);
  const reservedMiB = parseNumberCell(reservedCell);
  const memoryTotalBytes = mibToBytes(totalMiB);
  const memoryUsedBytes = Math.min(mibToBytes(usedMiB), memoryTotalBytes);
  const memoryFreeBytes =
    freeMiB !== null && freeMiB >= 0 ? Math.min(mibToBytes(freeMiB), memoryTotalBytes) : Math.max(0, memoryTotalBytes - memoryUsedBytes);
  const util = parseNumberCell(utilCell);
  const temp = parseNumberCell(tempCell);
  const power = parseNumberCell(powerCell);
  return {
    id: `gpu:${index}`,
    index,
    vendor: 'nvidia',
    name: textCell(nameCell) ?? `NVIDIA GPU ${index}`,
    uuid: textCell(uuidCell),
    memoryTotalBytes,
    memoryUsedBytes,
    memoryFreeBytes,
    memoryReservedBytes: reservedMiB !== null && reservedMiB >= 0 ? mibToBytes(reservedMiB) : null,
    utilizationPct: util !== null && util >= 0 && util <= 100 ? util : null,
    temperatureC: temp !== null && temp > -50 && temp < 200 ? temp : null,
    powerWatts: power !== null && power >= 0 && power < 5000 ? power : null,
    sourceId: 'nvidia-smi',
  };
}

/** Parses a whole one-shot output (one line per GPU). */
export function parseNvidiaSmiCsv(text: string, fields: readonly string[] = NVIDIA_QUERY_FIELDS): GpuReading[] {
  return text
    .split(/\r?\n/)
    .map((line) => parseNvidiaSmiLine(line, fields))
    .filter((r): r is GpuReading => r !== null);
}

/**
 * Explains a failed nvidia-smi run in one sentence (backends.md §6.5).
 * `code` is the exit code, or the spawn error code (ENOENT).
 */
export function describeNvidiaSmiFailure(code: number | string | null, output: string, path: string): string {
  const text = output.trim().split(/\r?\n/)[0] ?? '';
  if (code === 'ENOENT') return `nvidia-smi not found${path === 'nvidia-smi' ? ' on PATH' : ` at ${path}`}. No NVIDIA GPU, or the driver is not installed.`;
  if (code === 'EACCES') return `nvidia-smi at ${path} is not executable (permission denied).`;
  if (code === 9 || /couldn't communicate with the NVIDIA driver/i.test(text)) {
    return 'nvidia-smi cannot talk to the NVIDIA driver (exit 9). Is the driver loaded?';
  }
  if (/Driver\/library version mismatch/i.test(output)) {
    return 'nvidia-smi reports a driver/library version mismatch. Reboot after the driver update.';
  }
  if (/No devices were found/i.test(output)) return 'nvidia-smi found no NVIDIA devices.';
  if (/is not a valid field/i.test(output)) return `nvidia-smi rejected a query field: ${text}`;
  return `nvidia-smi failed${code !== null ? ` (exit ${code})` : ''}${text ? `: ${text.slice(0, 200)}` : '.'}`;
}
