/**
 * Runs `tick` every `intervalMs`, never overlapping: the next tick is aimed at
 * `next += intervalMs` (no drift) and skipped ahead when a tick overran. A tick that runs past
 * `timeoutMs` is aborted through its signal; a throwing tick is reported and the loop goes on.
 */
import { toDisposable, type Disposable } from '../../shared/lifecycle/disposable';

export interface SchedulerOptions {
  intervalMs: number;
  timeoutMs: number;
  onError?: (error: unknown) => void;
  now?: () => number;
}

export function startLoop(tick: (signal: AbortSignal) => Promise<void>, options: SchedulerOptions): Disposable {
  const now = options.now ?? Date.now;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let current: AbortController | null = null;
  let next = now();

  const run = async () => {
    timer = null;
    if (stopped) return;
    const controller = new AbortController();
    current = controller;
    const timeout = setTimeout(() => controller.abort(new Error(`tick timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    try {
      await tick(controller.signal);
    } catch (error) {
      if (!stopped) options.onError?.(error);
    } finally {
      clearTimeout(timeout);
      current = null;
    }
    if (stopped) return;
    next += options.intervalMs;
    const t = now();
    if (next < t) next = t; // overran: start again now, don't burst to catch up
    timer = setTimeout(run, next - t);
  };

  timer = setTimeout(run, 0);
  return toDisposable(() => {
    stopped = true;
    if (timer) clearTimeout(timer);
    current?.abort(new Error('stopped'));
  });
}
