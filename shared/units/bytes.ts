/** Byte units. GiB = 2^30 bytes, MiB = 2^20 bytes (binary units everywhere in Headroom). */
export const KiB = 1024;
export const MiB = 1024 * 1024;
export const GiB = 1024 * 1024 * 1024;

/** Converts MiB (as nvidia-smi and amd-smi print them) to integer bytes. */
export function mibToBytes(mib: number): number {
  return Math.round(mib * MiB);
}

/** Formats bytes as GiB with the given decimals, e.g. `formatGiB(1.5 * GiB) === "1.5 GiB"`. */
export function formatGiB(bytes: number | null | undefined, decimals = 1): string {
  if (bytes == null || !Number.isFinite(bytes)) return '—';
  return `${(bytes / GiB).toFixed(decimals)} GiB`;
}

/** Formats bytes with the largest binary unit that keeps the number ≥ 1 (B, KiB, MiB, GiB, TiB). */
export function formatBytes(bytes: number | null | undefined, decimals = 1): string {
  if (bytes == null || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const sign = bytes < 0 ? '-' : '';
  return `${sign}${unit === 0 ? value.toFixed(0) : value.toFixed(decimals)} ${units[unit]}`;
}

/** Percentage 0–100 of used over total; null when total is not positive. */
export function usedPct(usedBytes: number, totalBytes: number): number | null {
  if (!(totalBytes > 0) || !Number.isFinite(usedBytes)) return null;
  return Math.min(100, Math.max(0, (usedBytes / totalBytes) * 100));
}

/** Free bytes, never negative: a driver that over-reports used memory gives 0 headroom. */
export function headroomBytes(totalBytes: number, usedBytes: number): number {
  return Math.max(0, totalBytes - usedBytes);
}
