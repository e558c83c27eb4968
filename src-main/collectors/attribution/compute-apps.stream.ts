/**
 * Who holds the VRAM: ONE long-running `nvidia-smi --query-compute-apps=… -lms N` process, like
 * the GPU query (never a process per poll; issue 11 §2, issue 12). Each iteration prints one
 * line per compute process (`noheader,nounits`, reference §6.3) and nothing at all when there
 * is none, so an iteration is the burst of lines that arrive together, and silence for longer
 * than an iteration means the list is empty. Restarted with backoff when it exits; stopped with
 * SIGTERM then SIGKILL on dispose (see child-processes.ts).
 */
import type { Disposable } from '../../../shared/lifecycle/disposable';
import type { Logger } from '../../util/logger';
import { startLineStream, type LineStream } from '../gpu/line-stream';
import { COMPUTE_APPS_ARGS, parseComputeApps, type ComputeAppsResult } from './compute-apps.parse';

export interface ComputeAppsStreamOptions {
  path: string;
  /**
   * Loop period (`-lms`). Default 5000 ms: the process list changes rarely, and each iteration
   * wakes the monitor on its own (its lines never arrive with the GPU query's). Measured from
   * outside (issue 12), 2 s → 5 s took 0.37 wake-ups and about 0.14 ms of CPU a second off
   * `serve`. A process that starts shows as "Driver, graphics and unlisted" until the next
   * iteration names it (at most 5 s).
   */
  intervalMs?: number;
  logger: Logger;
  now?: () => number;
  /** Restart backoff bounds (tests). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** What the monitor reads: the latest list, or null before the first iteration / while the tool is failing. */
export interface ComputeAppsSource extends Disposable {
  latest(): ComputeAppsResult | null;
  lastError(): string | null;
}

/** The default loop period of the compute-apps query (see `intervalMs`). */
export const COMPUTE_APPS_EVERY_MS = 5_000;

const NO_APPS: ComputeAppsResult = { apps: [], restricted: false, memoryNotReported: false };

export function computeAppsLoopArgs(intervalMs: number): string[] {
  return [...COMPUTE_APPS_ARGS, '-lms', String(Math.max(100, Math.round(intervalMs)))];
}

export class ComputeAppsStream implements ComputeAppsSource {
  private readonly stream: LineStream;
  private readonly now: () => number;
  private readonly intervalMs: number;
  /** Lines of the latest iteration. */
  private burst: string[] = [];
  private lastLineAtMs: number | null = null;
  /** Parsed once per iteration, not once per read. */
  private parsed: { lines: string[]; text: string; result: ComputeAppsResult } | null = null;
  private startedAtMs: number;
  private reported: string | null = null;
  /** The last run ended by itself with exit 0 (a driver without loop mode for this query). */
  private exitedCleanly = false;

  constructor(private readonly options: ComputeAppsStreamOptions) {
    this.now = options.now ?? Date.now;
    this.intervalMs = options.intervalMs ?? COMPUTE_APPS_EVERY_MS;
    this.startedAtMs = this.now();
    this.stream = startLineStream({
      file: options.path,
      args: computeAppsLoopArgs(this.intervalMs),
      // No process → no line: silence is normal here, so no stall watchdog.
      staleAfterMs: null,
      onStart: () => {
        this.exitedCleanly = false;
        this.burst = [];
        this.lastLineAtMs = null;
        this.startedAtMs = this.now();
      },
      onLine: (line) => this.onLine(line),
      onProblem: (message) => {
        const text = `nvidia-smi --query-compute-apps: ${message}`;
        if (text !== this.reported) options.logger.warn(text);
        this.reported = text;
      },
      describeExit: (code, tail) => {
        this.exitedCleanly = code === 0;
        const first = tail.trim().split(/\r?\n/)[0]?.slice(0, 200) ?? '';
        if (code === 'ENOENT') return `${options.path} not found.`;
        return `exited${code !== null ? ` (code ${code})` : ''}${first ? `: ${first}` : '.'}`;
      },
      ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
      ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
      now: this.now,
    });
  }

  /** How many times nvidia-smi was started (diagnostics, tests). */
  get starts(): number {
    return this.stream.starts;
  }

  latest(): ComputeAppsResult | null {
    const now = this.now();
    // One iteration plus slack without a line: the last iteration printed nothing (no process).
    const quietMs = this.intervalMs * 1.5 + 500;
    if (this.lastLineAtMs !== null && now - this.lastLineAtMs <= quietMs) return this.parseBurst();
    // Without loop mode the tool prints one list and exits 0: that list holds until the next run.
    if (this.exitedCleanly && !this.stream.isRunning) return this.lastLineAtMs === null ? NO_APPS : this.parseBurst();
    if (this.stream.lastProblem !== null || !this.stream.isRunning) return null;
    // Running and silent: no process, once a whole iteration has passed since the start.
    return now - this.startedAtMs > quietMs ? NO_APPS : null;
  }

  lastError(): string | null {
    return this.stream.lastProblem === null ? null : `nvidia-smi --query-compute-apps: ${this.stream.lastProblem}`;
  }

  dispose(): void {
    this.stream.dispose();
  }

  /** Parses the latest iteration once; an identical iteration reuses the result. */
  private parseBurst(): ComputeAppsResult {
    if (this.parsed?.lines === this.burst) return this.parsed.result;
    const text = this.burst.join('\n');
    const result = this.parsed?.text === text ? this.parsed.result : parseComputeApps(text);
    this.parsed = { lines: this.burst, text, result };
    return result;
  }

  private onLine(line: string): void {
    const now = this.now();
    // Lines of one iteration come together; a gap of a quarter interval starts the next one.
    if (this.lastLineAtMs === null || now - this.lastLineAtMs > Math.min(250, this.intervalMs / 4)) {
      this.burst = [];
    }
    // A new array per line, so the parsed cache notices the change (lines are few).
    this.burst = [...this.burst, line];
    this.lastLineAtMs = now;
  }
}
