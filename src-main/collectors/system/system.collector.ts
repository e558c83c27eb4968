/**
 * System RAM and swap (bytes), with no process per tick on any platform (issue 11 §2):
 * - RAM every tick from `os.totalmem()` / `os.freemem()` (libuv: MemAvailable on Linux,
 *   ullAvailPhys on Windows, free pages on macOS). No child process, no file.
 * - Swap / page file at most once a minute, in the background so that a slow read never holds
 *   the tick: Linux reads `/proc/meminfo` (a file, not a process); elsewhere systeminformation's
 *   `mem()` (PowerShell `Win32_PageFileUsage` on Windows, `sysctl vm.swapusage` on macOS).
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import type { SystemMemory } from '../../../shared/model/snapshot';
import type { SourceSample, SystemSource } from '../types';

type MemData = Pick<si.Systeminformation.MemData, 'total' | 'available' | 'swaptotal' | 'swapused'>;

/** Used = total − available (what the OS could not hand out without swapping); not "used incl. cache". */
export function toSystemMemory(mem: MemData): SystemMemory | null {
  const total = Math.round(mem.total);
  if (!(total > 0)) return null;
  const available = Number.isFinite(mem.available) ? Math.round(mem.available) : 0;
  const swapTotal = Number.isFinite(mem.swaptotal) && mem.swaptotal > 0 ? Math.round(mem.swaptotal) : 0;
  const swapUsed = Number.isFinite(mem.swapused) && mem.swapused > 0 ? Math.min(Math.round(mem.swapused), swapTotal) : 0;
  return {
    memoryTotalBytes: total,
    memoryUsedBytes: Math.min(total, Math.max(0, total - available)),
    swapTotalBytes: swapTotal,
    swapUsedBytes: swapUsed,
  };
}

export interface SwapReading {
  swaptotal: number;
  swapused: number;
}

/** `SwapTotal` / `SwapFree` (kB) of `/proc/meminfo`; null when the text has neither. */
export function parseProcMeminfoSwap(text: string): SwapReading | null {
  const kb = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m?.[1] ? Number(m[1]) * 1024 : null;
  };
  const total = kb('SwapTotal');
  const free = kb('SwapFree');
  if (total === null || free === null) return null;
  return { swaptotal: total, swapused: Math.max(0, total - free) };
}

async function defaultReadSwap(): Promise<SwapReading> {
  if (process.platform === 'linux') {
    const parsed = parseProcMeminfoSwap(await readFile('/proc/meminfo', 'utf8'));
    if (parsed) return parsed;
  }
  const m = await si.mem();
  return { swaptotal: m.swaptotal, swapused: m.swapused };
}

export interface SystemMemoryDeps {
  totalBytes(): number;
  availableBytes(): number;
  readSwap(): Promise<SwapReading>;
  now(): number;
  /** How often swap is read again (ms). Default one minute. */
  swapEveryMs: number;
}

export const SWAP_EVERY_MS = 60_000;

/**
 * `os.totalmem()` read again at most once a minute: on Linux libuv reads /proc/meminfo for it
 * (a file read every tick, as costly as the free-memory read beside it), and it only changes
 * when memory is hot-plugged or a VM is resized.
 */
function cachedTotalMem(everyMs = SWAP_EVERY_MS, now: () => number = Date.now): () => number {
  let value = 0;
  let atMs = Number.NEGATIVE_INFINITY;
  return () => {
    const t = now();
    if (t - atMs >= everyMs || !(value > 0)) {
      value = os.totalmem();
      atMs = t;
    }
    return value;
  };
}

export class SystemMemorySource implements SystemSource {
  readonly id = 'system';
  private readonly deps: SystemMemoryDeps;
  private swap: SwapReading | null = null;
  private swapError: string | null = null;
  private swapAtMs = Number.NEGATIVE_INFINITY;
  private swapRead: Promise<void> | null = null;

  constructor(deps: Partial<SystemMemoryDeps> = {}) {
    this.deps = {
      totalBytes: cachedTotalMem(),
      availableBytes: () => os.freemem(),
      readSwap: defaultReadSwap,
      now: Date.now,
      swapEveryMs: SWAP_EVERY_MS,
      ...deps,
    };
  }

  async read(signal: AbortSignal): Promise<SourceSample<SystemMemory>> {
    let total: number;
    let available: number;
    try {
      total = this.deps.totalBytes();
      available = this.deps.availableBytes();
    } catch (error) {
      return { status: 'error', message: `System memory: ${(error as Error).message}.` };
    }
    const first = this.refreshSwap();
    // Only the very first read waits for swap (bounded by the tick's signal); later ones use the last value.
    if (first && this.swap === null && this.swapError === null) await raceAbort(first, signal);
    const value = toSystemMemory({ total, available, swaptotal: this.swap?.swaptotal ?? 0, swapused: this.swap?.swapused ?? 0 });
    if (!value) return { status: 'error', message: 'System memory: the OS reported a total of 0 bytes.' };
    return this.swapError ? { status: 'ok', value, message: this.swapError } : { status: 'ok', value };
  }

  /** Starts a swap read when the last one is older than `swapEveryMs`; returns it (or null). */
  private refreshSwap(): Promise<void> | null {
    const now = this.deps.now();
    if (this.swapRead || now - this.swapAtMs < this.deps.swapEveryMs) return this.swapRead;
    this.swapAtMs = now;
    const read = this.deps
      .readSwap()
      .then(
        (s) => {
          this.swap = s;
          this.swapError = null;
        },
        (error: unknown) => {
          this.swapError = `Swap could not be read: ${(error as Error).message}.`;
        },
      )
      .finally(() => {
        this.swapRead = null;
      });
    this.swapRead = read;
    return read;
  }
}

function raceAbort(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void p.then(done);
  });
}
