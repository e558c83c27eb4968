/**
 * A long-running child process read line by line (nvidia-smi `-lms`, typeperf `-si`):
 * spawned once, restarted with exponential backoff when it exits, restarted when it stalls
 * (no line for `staleAfterMs`), optionally restarted on a schedule, and killed on dispose.
 * Never more than one child at a time; never a tight restart loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Disposable } from '../../../shared/lifecycle/disposable';
import { stopChild as stopGracefully, trackChild } from '../child-processes';

export interface LineStreamOptions {
  file: string;
  args: readonly string[];
  /** Called for every complete line (without the line break), in order. */
  onLine(line: string): void;
  /** Called before each (re)start, e.g. to forget a CSV header. */
  onStart?(): void;
  /**
   * Turns an exit into a sentence (exit code or spawn error code, tail of stderr+stdout).
   * Defaults to "<file> exited (code N): <first line>".
   */
  describeExit?(code: number | string | null, outputTail: string): string;
  /** Called when the stream ends or stalls, with the sentence (log it once at the boundary). */
  onProblem?(message: string): void;
  /** No line for this long → kill and restart (ms); null where silence is normal (no watchdog). */
  staleAfterMs: number | null;
  /** First restart delay; doubles up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run that lasted this long resets the backoff. */
  healthyRunMs?: number;
  /** Planned restart period (ms), e.g. to re-expand typeperf wildcards; off when absent. */
  restartEveryMs?: number;
  /** Longest line kept (bytes); longer input is dropped up to the next line break. */
  maxLineBytes?: number;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

export interface LineStream extends Disposable {
  /** Epoch ms of the last line, or null before the first. */
  readonly lastLineAtMs: number | null;
  /** The last problem (exit, stall, spawn failure) as a sentence; null while healthy. */
  readonly lastProblem: string | null;
  /** How many times the child was started. */
  readonly starts: number;
  readonly isRunning: boolean;
}

function defaultDescribe(file: string, code: number | string | null, tail: string): string {
  const first = tail.trim().split(/\r?\n/)[0]?.slice(0, 200) ?? '';
  if (code === 'ENOENT') return `${file} not found.`;
  return `${file} exited${code !== null ? ` (code ${code})` : ''}${first ? `: ${first}` : '.'}`;
}

export function startLineStream(options: LineStreamOptions): LineStream {
  const now = options.now ?? Date.now;
  const initialBackoffMs = options.initialBackoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const healthyRunMs = options.healthyRunMs ?? 10_000;
  const maxLineBytes = options.maxLineBytes ?? 64 * 1024;
  const describe = options.describeExit ?? ((code, tail) => defaultDescribe(options.file, code, tail));

  let child: ChildProcess | null = null;
  let disposed = false;
  let backoffMs = initialBackoffMs;
  let restartTimer: ReturnType<typeof setTimeout> | null = null;
  let plannedTimer: ReturnType<typeof setTimeout> | null = null;
  let lastLineAtMs: number | null = null;
  let lastProblem: string | null = null;
  let starts = 0;
  let startedAtMs = 0;

  const staleAfterMs = options.staleAfterMs;
  const watchdog =
    staleAfterMs === null
      ? null
      : setInterval(() => {
          if (!child || disposed) return;
          const since = Math.max(lastLineAtMs ?? 0, startedAtMs);
          if (now() - since > staleAfterMs) {
            report(`${options.file} printed nothing for ${staleAfterMs} ms; restarting it.`);
            stopChild(child);
          }
        }, Math.max(10, Math.floor(staleAfterMs / 4)));
  watchdog?.unref?.();

  function report(message: string) {
    lastProblem = message;
    options.onProblem?.(message);
  }

  function stopChild(c: ChildProcess) {
    // SIGTERM, then SIGKILL after a grace period (a child that ignores SIGTERM); kill() on Windows.
    void stopGracefully(c);
  }

  function scheduleRestart(delayMs: number) {
    if (disposed || restartTimer) return;
    restartTimer = setTimeout(() => {
      restartTimer = null;
      start();
    }, delayMs);
  }

  function start() {
    if (disposed || child) return;
    options.onStart?.();
    starts += 1;
    startedAtMs = now();
    let tail = '';
    let pending = '';
    let skipping = false;
    let settled = false;
    let planned = false;
    const c = trackChild(
      spawn(options.file, [...options.args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        ...(options.env ? { env: options.env } : {}),
      }),
    );
    child = c;
    const keepTail = (s: string) => {
      tail = (tail + s).slice(-2048);
    };
    c.stdout?.setEncoding('utf8');
    c.stderr?.setEncoding('utf8');
    c.stdout?.on('data', (chunk: string) => {
      keepTail(chunk);
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (!skipping && line.length <= maxLineBytes && !disposed && child === c) {
          lastLineAtMs = now();
          lastProblem = null;
          options.onLine(line);
        }
        skipping = false;
        nl = pending.indexOf('\n');
      }
      if (pending.length > maxLineBytes) {
        pending = '';
        skipping = true;
      }
    });
    c.stderr?.on('data', keepTail);
    const onEnd = (code: number | string | null) => {
      if (settled) return;
      settled = true;
      if (child === c) child = null;
      if (plannedTimer) {
        clearTimeout(plannedTimer);
        plannedTimer = null;
      }
      if (disposed) return;
      if (planned) {
        planned = false;
        backoffMs = initialBackoffMs;
        start();
        return;
      }
      if (lastProblem === null || !/printed nothing/.test(lastProblem)) report(describe(code, tail));
      if (now() - startedAtMs >= healthyRunMs) backoffMs = initialBackoffMs;
      scheduleRestart(backoffMs);
      backoffMs = Math.min(maxBackoffMs, backoffMs * 2);
    };
    c.on('error', (err: NodeJS.ErrnoException) => onEnd(err.code ?? err.message));
    c.on('exit', (code, signal) => onEnd(code ?? signal));
    if (options.restartEveryMs !== undefined) {
      plannedTimer = setTimeout(() => {
        plannedTimer = null;
        if (child === c) {
          planned = true;
          stopChild(c);
        }
      }, options.restartEveryMs);
    }
  }

  start();

  return {
    get lastLineAtMs() {
      return lastLineAtMs;
    },
    get lastProblem() {
      return lastProblem;
    },
    get starts() {
      return starts;
    },
    get isRunning() {
      return child !== null;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      if (watchdog) clearInterval(watchdog);
      if (restartTimer) clearTimeout(restartTimer);
      if (plannedTimer) clearTimeout(plannedTimer);
      if (child) stopChild(child);
      child = null;
    },
  };
}
