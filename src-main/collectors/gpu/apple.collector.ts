/**
 * Apple Silicon GPU source: the unified-memory budget from `sysctl` (re-read every
 * `budgetTtlMs`, it changes only with `sudo sysctl`) and memory in use system-wide (the GPU
 * has no memory of its own to count). systeminformation's `mem()` runs `sysctl` and `vm_stat`
 * (three processes) on macOS, so memory in use is re-read every `usedTtlMs`, never per tick.
 */
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
  /** Reuse the memory-in-use figure this long (ms); default 15 s. */
  usedTtlMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

async function activeMemoryBytes(): Promise<number | null> {
  const m = await si.mem();
  return Number.isFinite(m.active) && m.active > 0 ? m.active : null;
}

export function createAppleSource(options: AppleSourceOptions): GpuSource {
  const readUsed = options.readUsedBytes ?? activeMemoryBytes;
  const ttl = options.budgetTtlMs ?? 30_000;
  const now = options.now ?? Date.now;
  const usedTtlMs = options.usedTtlMs ?? 15_000;
  let cached: { atMs: number; budget: AppleGpuBudget; chip: string | null } | null = null;
  let used: { atMs: number; bytes: number | null } | null = null;
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
        used = { atMs: now(), bytes };
      }
      const reading = appleGpuReading(b.budget, used.bytes, b.chip);
      if (!reading) return { status: 'error', message: 'Apple GPU: memory in use could not be read.' };
      return { status: 'ok', value: [reading], message: reading.note ?? null };
    },
    dispose() {
      disposed = true;
    },
  };
}
