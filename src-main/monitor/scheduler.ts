/**
 * Runs `tick` every `intervalMs`, never overlapping: the next tick is aimed at
 * `next += intervalMs` (no drift) and skipped ahead when a tick overran. A tick that runs past
 * `timeoutMs` is aborted through its signal; a throwing tick is reported and the loop goes on.
 *
 * A source that delivers on its own cadence (nvidia-smi's `-lms` stream prints a line per
 * interval) can `poke()` the loop when fresh data arrives: a tick due within a quarter interval
 * runs right then, in the same wake-up as the data, instead of the process waking twice a
 * second (issue 12: every wake-up costs CPU). While pokes keep coming the timer waits up to a
 * quarter interval past due for one, so the ticks follow the source's phase; without pokes (the
 * stream stalled, no such source) the loop runs on its timer exactly as before.
 */
import { toDisposable, type Disposable } from '../../shared/lifecycle/disposable';

export interface SchedulerOptions {
  intervalMs: number;
  timeoutMs: number;
  onError?: (error: unknown) => void;
  now?: () => number;
}

export interface Loop extends Disposable {
  /** Fresh data arrived: run the next tick now if it is due within a quarter interval. */
  poke(): void;
}

export function startLoop(tick: (signal: AbortSignal) => Promise<void>, options: SchedulerOptions): Loop {
  const now = options.now ?? Date.now;
  const slackMs = Math.floor(options.intervalMs / 4);
  let stopped = false;
  let running = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let immediate: ReturnType<typeof setImmediate> | null = null;
  let current: AbortController | null = null;
  let next = now();
  /** When the last poke came (only recent pokes let the timer wait for the next one). */
  let pokedAtMs = Number.NEGATIVE_INFINITY;

  const run = async () => {
    timer = null;
    immediate = null;
    if (stopped || running) return;
    running = true;
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
      running = false;
    }
    if (stopped) return;
    next += options.intervalMs;
    const t = now();
    if (next < t) next = t; // overran: start again now, don't burst to catch up
    // A source that pokes every interval: give it until a quarter interval past due.
    const waitForPoke = t - pokedAtMs < 2 * options.intervalMs ? slackMs : 0;
    timer = setTimeout(run, next - t + waitForPoke);
  };

  timer = setTimeout(run, 0);
  return {
    poke() {
      const t = now();
      pokedAtMs = t;
      if (stopped || running || immediate || !timer || t < next - slackMs) return;
      clearTimeout(timer);
      timer = null;
      next = t; // follow the source's phase from here on
      // After the I/O callbacks of this wake-up (the other lines of the same burst), not inside them.
      immediate = setImmediate(() => void run());
    },
    ...toDisposable(() => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      current?.abort(new Error('stopped'));
    }),
  };
}
