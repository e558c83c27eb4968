/**
 * Pure helpers every GPU parser shares: tolerant number cells and a sanity gate for memory
 * figures. A missing or implausible value becomes null (style guide §5), never 0 or NaN.
 */
import { MiB } from '../../../shared/units/bytes';

/** Anything above this is a parse accident, not a GPU (1 PiB). */
export const ABSURD_BYTES = 2 ** 50;

/**
 * A number from a text cell, or null. Accepts a decimal comma (`10737786880,000000` from a
 * German-locale typeperf, `26,20` from a localized nvidia-smi), a trailing unit, and rejects
 * bracketed tokens (`[N/A]`, `[Insufficient Permissions]`), `N/A`, blanks and garbage.
 */
export function parseLooseNumber(cell: string | number | null | undefined): number | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null;
  let t = cell.trim().replace(/^"|"$/g, '').trim();
  t = t.replace(/\s*(MiB|MB|B|%|W|C)$/i, '');
  if (t === '' || t.startsWith('[') || /^n\/?a$/i.test(t)) return null;
  // One comma and no dot: a decimal comma. A dot and commas: commas are thousands separators.
  if (/^-?\d+,\d+$/.test(t)) t = t.replace(',', '.');
  else if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, '');
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export interface MemoryFigures {
  memoryTotalBytes: number;
  memoryUsedBytes: number;
  memoryFreeBytes: number;
}

/**
 * Turns raw byte figures into the three the Snapshot needs, or null when they cannot be
 * trusted: no or non-positive total, negative used, absurd sizes, or used far above total.
 * Used slightly above total (driver rounding, ≤ 2% + 64 MiB) is clamped to total.
 * Free is taken as reported when sane, else derived as total − used.
 */
export function memoryFigures(
  totalBytes: number | null,
  usedBytes: number | null,
  freeBytes: number | null = null,
): MemoryFigures | null {
  if (totalBytes === null || usedBytes === null) return null;
  if (!(totalBytes > 0) || totalBytes > ABSURD_BYTES || usedBytes < 0) return null;
  if (usedBytes > totalBytes * 1.02 + 64 * MiB) return null;
  const total = Math.round(totalBytes);
  const used = Math.min(Math.round(usedBytes), total);
  const free =
    freeBytes !== null && freeBytes >= 0 && freeBytes <= total ? Math.round(freeBytes) : Math.max(0, total - used);
  return { memoryTotalBytes: total, memoryUsedBytes: used, memoryFreeBytes: free };
}

/** Maps a vendor string (PCI vendor name or id) to the Snapshot's vendor enum. */
export function vendorFromText(text: string | null | undefined): 'nvidia' | 'amd' | 'apple' | 'other' {
  const t = (text ?? '').toLowerCase();
  if (/nvidia|\b(0x)?10de\b/.test(t)) return 'nvidia';
  if (/\bamd\b|advanced micro devices|\bati\b|\b(0x)?1002\b/.test(t)) return 'amd';
  if (/apple/.test(t)) return 'apple';
  return 'other';
}
