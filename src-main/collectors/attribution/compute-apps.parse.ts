/**
 * Parses `nvidia-smi --query-compute-apps=pid,process_name,used_gpu_memory,gpu_uuid
 * --format=csv,noheader,nounits` (and the `--format=csv` variant with a header and `MiB` units).
 * Windows (WDDM) prints `[N/A]` for every process's memory; restricted containers and MIG print
 * `[Insufficient Permissions]`. Process names may contain ", " (Windows paths), so fields are
 * taken from both ends and the name is what is left in the middle (reference §6.3).
 */
const MiB = 1024 * 1024;

/** The query Headroom runs; pass it to `nvidia-smi` as an argument array (execFile). */
export const COMPUTE_APPS_ARGS = [
  '--query-compute-apps=pid,process_name,used_gpu_memory,gpu_uuid',
  '--format=csv,noheader,nounits',
] as const;

export const COMPUTE_APPS_COLUMNS = ['pid', 'process_name', 'used_gpu_memory', 'gpu_uuid'] as const;

export interface ComputeApp {
  pid: number;
  /** As nvidia-smi prints it: a path on Linux (`/usr/bin/python3`) and Windows (`C:\…\x.exe`). */
  name: string;
  /** null where the driver does not say (`[N/A]` under WDDM, `[Insufficient Permissions]`). */
  usedBytes: number | null;
  gpuUuid: string | null;
}

export interface ComputeAppsResult {
  apps: ComputeApp[];
  /** Some rows were hidden by `[Insufficient Permissions]` (container, MIG). */
  restricted: boolean;
  /** Every listed process had `[N/A]` memory: per-process bytes must come from elsewhere (Windows counters). */
  memoryNotReported: boolean;
}

/**
 * `columns`: the query's field order; a header line in `text` (from `--format=csv`) overrides it.
 * Never throws; lines that do not fit are skipped.
 */
export function parseComputeApps(text: string, columns: readonly string[] = COMPUTE_APPS_COLUMNS): ComputeAppsResult {
  let cols = [...columns];
  const apps: ComputeApp[] = [];
  let restricted = false;
  let withMemory = 0;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const fields = line.split(',').map((f) => f.trim());
    if (isHeader(fields)) {
      cols = fields.map((f) => f.replace(/\s*\[[^\]]*\]$/, '').trim());
      continue;
    }
    const row = splitRow(fields, cols);
    if (!row) continue;
    if (Object.values(row).some((v) => /^\[Insufficient Permissions\]$/i.test(v))) restricted = true;
    const pid = toInt(row.pid);
    const name = bracketed(row.process_name) ? null : (row.process_name ?? null);
    if (pid === null || name === null) continue;
    const usedBytes = toMiBBytes(row.used_gpu_memory);
    if (usedBytes !== null) withMemory++;
    const uuid = row.gpu_uuid;
    apps.push({ pid, name, usedBytes, gpuUuid: uuid && !bracketed(uuid) ? uuid : null });
  }
  return { apps, restricted, memoryNotReported: apps.length > 0 && withMemory === 0 };
}

function isHeader(fields: string[]): boolean {
  return fields.some((f) => /^pid$/i.test(f)) && fields.some((f) => /^process_name$/i.test(f));
}

/** Fields before `process_name` from the left, after it from the right, the name in between. */
function splitRow(fields: string[], cols: string[]): Record<string, string> | null {
  if (fields.length < cols.length) return null;
  const nameAt = cols.indexOf('process_name');
  const row: Record<string, string> = {};
  if (nameAt === -1) {
    if (fields.length !== cols.length) return null;
    cols.forEach((c, i) => (row[c] = fields[i] ?? ''));
    return row;
  }
  const after = cols.length - nameAt - 1;
  cols.slice(0, nameAt).forEach((c, i) => (row[c] = fields[i] ?? ''));
  cols.slice(nameAt + 1).forEach((c, i) => (row[c] = fields[fields.length - after + i] ?? ''));
  row.process_name = fields.slice(nameAt, fields.length - after).join(', ');
  return row;
}

function bracketed(value: string | undefined): boolean {
  return value === undefined || /^\[.*\]$/.test(value) || value === 'N/A';
}

function toInt(value: string | undefined): number | null {
  if (bracketed(value) || !/^\d+$/.test(value ?? '')) return null;
  return Number(value);
}

function toMiBBytes(value: string | undefined): number | null {
  if (bracketed(value)) return null;
  const m = /^(\d+(?:\.\d+)?)\s*(MiB)?$/i.exec(value ?? '');
  if (!m?.[1]) return null;
  return Math.round(Number(m[1]) * MiB);
}
