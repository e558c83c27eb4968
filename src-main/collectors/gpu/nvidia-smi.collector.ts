/**
 * NVIDIA GPUs through one long-running `nvidia-smi --query-gpu=… -lms N` process, parsed line by
 * line (never one process per tick). Restarted with backoff when it dies or stalls; killed on
 * dispose. `queryNvidiaSmiOnce` is the one-shot used by `headroom status`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stopChild, trackChild } from '../child-processes';
import { runCommand } from './run-command';
import type { GpuReading } from '../../../shared/model/snapshot';
import type { Logger } from '../../util/logger';
import type { GpuSource, SourceSample } from '../types';
import { toDisposable, type Disposable } from '../../../shared/lifecycle/disposable';
import {
  NVIDIA_FALLBACK_FIELDS,
  NVIDIA_QUERY_FIELDS,
  describeNvidiaSmiFailure,
  isUnknownFieldError,
  nvidiaQueryArgs,
  parseNvidiaSmiCsv,
  parseNvidiaSmiLine,
} from './nvidia-smi.parse';

export interface NvidiaSmiStreamOptions {
  /** Executable path or name looked up on PATH. */
  path: string;
  /** `-lms` interval. */
  intervalMs: number;
  logger: Logger;
  /** A stream silent for this long is stale: marked so, and restarted. Default max(5 s, 4 × interval). */
  staleAfterMs?: number;
  /** Restart backoff bounds. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => number;
}

/** Distinct lines remembered (a few per GPU; more means the readings move: start over). */
/** Where nothing reads the stream, its stall check still runs this often. */
const WATCHDOG_BACKSTOP_MS = 30_000;
const MAX_PARSED_LINES = 64;

interface Latest {
  reading: GpuReading;
  atMs: number;
}

export class NvidiaSmiStream implements GpuSource {
  readonly id = 'nvidia-smi';
  readonly label = 'NVIDIA (nvidia-smi)';
  private child: ChildProcess | null = null;
  private readonly latest = new Map<number, Latest>();
  private lastLineAtMs = 0;
  private startedAtMs = 0;
  private failure: { status: 'unavailable' | 'error'; message: string } | null = null;
  private backoffMs: number;
  private restartTimer: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private disposed = false;
  private waiters = new Set<() => void>();
  private readonly dataListeners = new Set<() => void>();
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  /** Query fields; drops to the fallback set once if the driver rejects a field. */
  private fields: readonly string[] = NVIDIA_QUERY_FIELDS;
  /** Readings of lines seen before, by the line's text (for the current fields). */
  private readonly parsedLines = new Map<string, GpuReading>();

  constructor(private readonly options: NvidiaSmiStreamOptions) {
    this.backoffMs = options.minBackoffMs ?? 1000;
    this.staleAfterMs = options.staleAfterMs ?? Math.max(5000, options.intervalMs * 4);
    this.now = options.now ?? Date.now;
    this.start();
    this.armWatchdog(Math.max(this.staleAfterMs, WATCHDOG_BACKSTOP_MS));
  }

  /** Pid of the running nvidia-smi, for tests and diagnostics. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  async read(signal: AbortSignal): Promise<SourceSample<GpuReading[]>> {
    // The stall check rides on the monitor's reads (every tick); the watchdog timer is a backstop.
    this.checkStale();
    if (this.latest.size === 0 && !this.failure && !this.disposed) {
      await this.waitForData(signal);
    }
    const now = this.now();
    if (this.latest.size === 0) {
      return this.failure ?? { status: 'error', message: `nvidia-smi has printed no reading yet (started ${now - this.startedAtMs} ms ago).` };
    }
    const readings = [...this.latest.values()]
      .sort((a, b) => a.reading.index - b.reading.index)
      .map(({ reading, atMs }) => (now - atMs > this.staleAfterMs ? { ...reading, stale: true } : reading));
    const anyStale = readings.some((r) => r.stale);
    const message = anyStale
      ? `nvidia-smi has been silent for ${Math.round((now - this.lastLineAtMs) / 1000)} s; showing the last reading and restarting it.`
      : (this.failure?.message ?? null);
    return { status: 'ok', value: readings, message };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.watchdog) clearTimeout(this.watchdog);
    this.kill();
    for (const w of this.waiters) w();
    this.waiters.clear();
  }

  private waitForData(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', done, { once: true });
      this.waiters.add(done);
    });
  }

  onData(listener: () => void): Disposable {
    this.dataListeners.add(listener);
    return toDisposable(() => this.dataListeners.delete(listener));
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private start(): void {
    if (this.disposed) return;
    const { path, intervalMs, logger } = this.options;
    this.startedAtMs = this.now();
    this.lastLineAtMs = this.startedAtMs;
    let child: ChildProcess;
    try {
      child = trackChild(
        spawn(path, [...nvidiaQueryArgs(this.fields), `-lms`, String(Math.max(100, Math.round(intervalMs)))], {
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        }),
      );
    } catch (error) {
      this.onFailure((error as NodeJS.ErrnoException).code ?? null, String((error as Error).message));
      return;
    }
    this.child = child;
    let buffer = '';
    let other = '';
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        this.onLine(line, (text) => {
          if (other.length < 4096) other += `${text}\n`;
        });
      }
      if (buffer.length > 65536) buffer = ''; // a runaway line without newline: drop it
    });
    child.stderr?.on('data', (chunk: string) => {
      if (other.length < 4096) other += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (this.child !== child) return;
      this.child = null;
      this.onFailure(error.code ?? null, other || error.message);
    });
    child.on('exit', (code, signalName) => {
      if (this.child !== child) return;
      this.child = null;
      if (this.disposed) return;
      const reason = code !== null ? code : (signalName ?? null);
      logger.warn(`nvidia-smi stream exited (${reason}); restarting in ${this.backoffMs} ms`);
      this.onFailure(code, other);
    });
  }

  private onLine(line: string, onOther: (text: string) => void): void {
    // A line printed before (an idle GPU prints the same one every second): the same reading
    // object, so that what is built from it downstream can be reused too.
    let reading: GpuReading | null | undefined = this.parsedLines.get(line);
    if (reading === undefined) {
      reading = parseNvidiaSmiLine(line.replace(/\r$/, ''), this.fields);
      if (reading) {
        if (this.parsedLines.size >= MAX_PARSED_LINES) this.parsedLines.clear();
        this.parsedLines.set(line, reading);
      }
    }
    if (!reading) {
      if (line.trim()) onOther(line.trim());
      return;
    }
    const now = this.now();
    this.lastLineAtMs = now;
    this.latest.set(reading.index, { reading, atMs: now });
    this.failure = null;
    this.backoffMs = this.options.minBackoffMs ?? 1000;
    this.wake();
    for (const l of this.dataListeners) l();
  }

  private onFailure(code: number | string | null, output: string): void {
    if (isUnknownFieldError(output) && this.fields !== NVIDIA_FALLBACK_FIELDS) {
      // An old driver: ask again without the newest field rather than failing for good.
      this.options.logger.warn(`nvidia-smi rejected a query field (${output.trim().split(/\r?\n/)[0] ?? ''}); retrying without memory.reserved`);
      this.fields = NVIDIA_FALLBACK_FIELDS;
      this.parsedLines.clear();
      this.scheduleRestart(0);
      return;
    }
    const message = describeNvidiaSmiFailure(code, output, this.options.path);
    const unavailable = code === 'ENOENT' || code === 9 || /no devices were found/i.test(output);
    this.failure = { status: unavailable ? 'unavailable' : 'error', message };
    // Readings from a dead process are not current any more.
    if (unavailable) this.latest.clear();
    this.wake();
    this.scheduleRestart(unavailable ? Math.max(this.backoffMs, 30_000) : this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 60_000);
  }

  private scheduleRestart(delayMs: number): void {
    if (this.disposed || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start();
    }, delayMs);
    this.restartTimer.unref();
  }

  /**
   * The stall watchdog's backstop. Every read (each monitor tick) checks for a stall first, so
   * this timer only matters where nothing reads; it fires every WATCHDOG_BACKSTOP_MS at most.
   * A timer pushed back by every line would not do: Node still wakes the process when a
   * refreshed (or cleared) timer would have fired, once per `staleAfterMs` for nothing.
   */
  private armWatchdog(delayMs: number): void {
    if (this.disposed) return;
    this.watchdog = setTimeout(() => {
      this.watchdog = null;
      this.checkStale();
      this.armWatchdog(Math.max(this.staleAfterMs, WATCHDOG_BACKSTOP_MS));
    }, Math.max(1, delayMs));
    this.watchdog.unref();
  }

  private checkStale(): void {
    if (this.disposed || !this.child) return;
    if (this.now() - this.lastLineAtMs > this.staleAfterMs) {
      this.options.logger.warn(`nvidia-smi stream silent for ${this.now() - this.lastLineAtMs} ms; restarting it`);
      this.lastLineAtMs = this.now();
      const child = this.child;
      this.child = null;
      child.kill('SIGKILL');
      this.scheduleRestart(0);
    }
  }

  private kill(): void {
    const child = this.child;
    this.child = null;
    // SIGTERM, then SIGKILL after a grace period; never left behind.
    if (child) void stopChild(child);
  }
}

/** One-shot query (for `headroom status` and the source probe); retries once with the fallback fields. */
export async function queryNvidiaSmiOnce(path: string, timeoutMs: number): Promise<SourceSample<GpuReading[]>> {
  const first = await queryFields(path, timeoutMs, NVIDIA_QUERY_FIELDS);
  if (first !== 'unknown-field') return first;
  const second = await queryFields(path, timeoutMs, NVIDIA_FALLBACK_FIELDS);
  return second === 'unknown-field' ? { status: 'error', message: 'nvidia-smi rejected even the basic query fields. Is the driver very old?' } : second;
}

async function queryFields(path: string, timeoutMs: number, fields: readonly string[]): Promise<SourceSample<GpuReading[]> | 'unknown-field'> {
  // runCommand: a timed-out nvidia-smi gets SIGTERM, then SIGKILL (a hung driver call must not leave it behind).
  const r = await runCommand(path, nvidiaQueryArgs(fields), { timeoutMs, maxBufferBytes: 1024 * 1024 });
  if (!r.ok) {
    if (r.timedOut) return { status: 'error', message: `nvidia-smi timed out after ${timeoutMs} ms. Is the driver hung?` };
    const output = `${r.stdout}${r.stderr}`;
    if (fields !== NVIDIA_FALLBACK_FIELDS && isUnknownFieldError(output)) return 'unknown-field';
    const message = describeNvidiaSmiFailure(r.code, output, path);
    const unavailable = r.code === 'ENOENT' || r.code === 9 || /no devices were found/i.test(output);
    return { status: unavailable ? 'unavailable' : 'error', message };
  }
  const readings = parseNvidiaSmiCsv(r.stdout, fields);
  if (readings.length === 0) {
    return { status: 'error', message: `nvidia-smi printed no readable GPU line: ${r.stdout.trim().slice(0, 120) || '(empty output)'}` };
  }
  return { status: 'ok', value: readings };
}
