/**
 * Apple Silicon GPU source: the unified-memory budget from `sysctl` (re-read every
 * `budgetTtlMs`, it changes only with `sudo sysctl`) and memory in use system-wide (the GPU
 * has no memory of its own to count). systeminformation's `mem()` runs `sysctl` and `vm_stat`
 * (three processes) on macOS, so memory in use is re-read every `usedTtlMs`, never per tick.
 */
import os from 'node:os';
import si from 'systeminformation';
import type { GpuReading } from '../../../shared/model/snapshot';
import type { GpuSource, SourceSample } from '../types';
import { appleGpuBudget, appleGpuReading, parseSysctl, type AppleGpuBudget } from './apple.parse';
import { runCommand } from './run-command';

export const APPLE_SYSCTL_ARGS = ['iogpu.wired_limit_mb', 'hw.memsize', 'machdep.cpu.brand_string'] as const;

export interface AppleSourceOptions {
  sysctlPath: string;
  /** Bytes of memory in use system-wide; defaults to systeminformation's `mem().active`. */
  readUsedBytes?: () => Promise<number | null>;
  budgetTtlMs?: number;
  /**
   * Re-read the precise memory-in-use figure this often (ms); default 30 s (it takes 3
   * processes). Between reads it is carried forward by how much the OS's free memory moved
   * (`os.freemem()`, no process), so the card still follows a model loading.
   */
  usedTtlMs?: number;
  /** Free memory now, bytes (default `os.freemem()`). */
  freeBytes?: () => number;
  timeoutMs?: number;
  now?: () => number;
}

async function activeMemoryBytes(): Promise<number | null> {
  const m = await si.mem();
  return Number.isFinite(m.active) && m.active > 0 ? m.active : null;
}

export function createAppleSource(options: AppleSourceOptions): GpuSource {
  const readUsed = options.readUsedBytes ?? activeMemoryBytes;
  const ttl = options.budgetTtlMs ?? 60_000;
  const now = options.now ?? Date.now;
  const usedTtlMs = options.usedTtlMs ?? 30_000;
  const freeBytes = options.freeBytes ?? (() => os.freemem());
  let cached: { atMs: number; budget: AppleGpuBudget; chip: string | null } | null = null;
  let used: { atMs: number; bytes: number | null; freeAtRead: number } | null = null;
  let disposed = false;

  async function budget(signal: AbortSignal): Promise<{ budget: AppleGpuBudget; chip: string | null } | string> {
    if (cached && now() - cached.atMs < ttl) return cached;
    const r = await runCommand(options.sysctlPath, APPLE_SYSCTL_ARGS, { timeoutMs: options.timeoutMs ?? 2_000, signal });
    // sysctl exits non-zero when one oid is unknown (macOS < 14) but still prints the others.
    const values = parseSysctl(r.stdout);
    const b = appleGpuBudget(values);
    if (!b) return r.ok ? 'sysctl printed no hw.memsize.' : r.message;
    cached = { atMs: now(), budget: b, chip: values.get('machdep.cpu.brand_string') ?? null };
    return cached;
  }

  return {
    id: 'apple-unified',
    label: 'Apple Silicon (unified memory)',
    async read(signal): Promise<SourceSample<GpuReading[]>> {
      if (disposed) return { status: 'unavailable', message: 'apple-unified: source disposed.' };
      const b = await budget(signal);
      if (typeof b === 'string') return { status: 'error', message: `Apple GPU budget: ${b}` };
      if (!used || now() - used.atMs >= usedTtlMs) {
        let bytes: number | null;
        try {
          bytes = await readUsed();
        } catch {
          bytes = null;
        }
        used = { atMs: now(), bytes, freeAtRead: freeBytes() };
      }
      // Carried forward between precise reads: memory that left the free pool is in use.
      const carried = used.bytes === null ? null : Math.max(0, used.bytes + (used.freeAtRead - freeBytes()));
      const reading = appleGpuReading(b.budget, carried, b.chip);
      if (!reading) return { status: 'error', message: 'Apple GPU: memory in use could not be read.' };
      return { status: 'ok', value: [reading], message: reading.note ?? null };
    },
    dispose() {
      disposed = true;
    },
  };
}
