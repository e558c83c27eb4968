/**
 * Pure parsing for Apple Silicon's unified memory (backends.md §9). There is no VRAM: the
 * GPU may wire up to `iogpu.wired_limit_mb` MB of system memory (`0` = the OS default
 * share of `hw.memsize`), and everything else on the Mac competes for the same memory.
 */
import type { GpuReading } from '../../../shared/model/snapshot';
import { GiB, MiB } from '../../../shared/units/bytes';
import { ABSURD_BYTES, parseLooseNumber } from './values';

/** `name: value` (or `name = value`) lines from `sysctl a b c` → a map. Unknown lines are ignored. */
export function parseSysctl(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z0-9_.]+)\s*[:=]\s*(.*?)\s*$/.exec(line);
    if (m?.[1] && m[2] !== undefined) out.set(m[1], m[2]);
  }
  return out;
}

export interface AppleGpuBudget {
  budgetBytes: number;
  /** True when the wired limit is 0 and the budget is Headroom's estimate of the OS default. */
  isOsDefault: boolean;
  memsizeBytes: number;
}

/**
 * The OS default GPU share when `iogpu.wired_limit_mb` is 0: about two thirds of RAM up to
 * 36 GiB, three quarters above (third-party description, unverified — backends.md §9).
 */
export function defaultAppleGpuShare(memsizeBytes: number): number {
  return memsizeBytes > 36 * GiB ? 0.75 : 2 / 3;
}

/**
 * The GPU budget from sysctl output, or null when `hw.memsize` is missing or implausible.
 * Falls back to `debug.iogpu.wired_limit` (bytes, before macOS 14) when the new oid is absent.
 * A limit above physical memory is capped to it.
 */
export function appleGpuBudget(sysctl: Map<string, string>): AppleGpuBudget | null {
  const memsize = parseLooseNumber(sysctl.get('hw.memsize'));
  if (memsize === null || !(memsize > 0) || memsize > ABSURD_BYTES || !Number.isInteger(memsize)) return null;
  const limitMb = parseLooseNumber(sysctl.get('iogpu.wired_limit_mb'));
  const legacyBytes = parseLooseNumber(sysctl.get('debug.iogpu.wired_limit'));
  let limitBytes: number | null = null;
  if (limitMb !== null && limitMb > 0) limitBytes = limitMb * MiB;
  else if (limitMb === null && legacyBytes !== null && legacyBytes > 0) limitBytes = legacyBytes;
  if (limitBytes === null) {
    return { budgetBytes: Math.floor(memsize * defaultAppleGpuShare(memsize)), isOsDefault: true, memsizeBytes: memsize };
  }
  return { budgetBytes: Math.min(Math.round(limitBytes), memsize), isOsDefault: false, memsizeBytes: memsize };
}

/** One sentence saying how to read the figures (shown next to the GPU). */
export function appleBudgetNote(budget: AppleGpuBudget): string {
  const gib = (b: number) => `${(b / GiB).toFixed(1)} GiB`;
  const how = budget.isOsDefault
    ? `the macOS default share (about ${Math.round(defaultAppleGpuShare(budget.memsizeBytes) * 100)}%, iogpu.wired_limit_mb = 0)`
    : 'iogpu.wired_limit_mb';
  return (
    `Unified memory: the GPU budget of ${gib(budget.budgetBytes)} (${how}) of ${gib(budget.memsizeBytes)} RAM is shared with macOS and apps; ` +
    'used is memory in use system-wide.'
  );
}

/** The single Apple GPU reading: budget as total, system-wide used memory capped to it. */
export function appleGpuReading(budget: AppleGpuBudget, usedBytes: number | null, chipName: string | null): GpuReading | null {
  if (usedBytes === null || !Number.isFinite(usedBytes) || usedBytes < 0) return null;
  const used = Math.min(Math.round(usedBytes), budget.budgetBytes);
  return {
    id: 'gpu:0',
    index: 0,
    vendor: 'apple',
    name: chipName?.trim() ? `${chipName.trim()} GPU` : 'Apple Silicon GPU',
    uuid: null,
    memoryTotalBytes: budget.budgetBytes,
    memoryUsedBytes: used,
    memoryFreeBytes: budget.budgetBytes - used,
    utilizationPct: null,
    temperatureC: null,
    powerWatts: null,
    sourceId: 'apple-unified',
    unifiedMemory: true,
    note: appleBudgetNote(budget),
  };
}
