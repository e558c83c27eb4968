/**
 * Runs `tick` every `intervalMs`, never overlapping: the next tick is aimed at
 * `next += intervalMs` (no drift) and skipped ahead when a tick overran. A tick that runs past
 * `timeoutMs` is aborted through its signal; a throwing tick is reported and the loop goes on.
 *
 * A source that delivers on its own cadence (nvidia-smi's `-lms` stream prints a line per
 * interval) can `poke()` the loop when fresh data arrives: a tick due within a quarter interval
 * runs right then, in the same wake-up as the data (issue 12: every wake-up of the process costs
 * CPU, ~0.2 ms on a small VM even when it does nothing). While the pokes keep coming:
 *  - the ticks follow the source's phase;
 *  - no timer is armed and cleared per tick. Node keeps a cleared timer's wake-up (its timer
 *    list is rescheduled only when that wake-up comes), so a per-tick timer cleared by the next
 *    poke still woke the process once a second for nothing. Instead one fallback timer sits
 *    `FALLBACK_TICKS` intervals out and is moved on only when the ticks catch up with it;
 *  - an overrunning tick is aborted by the next poke (or the fallback) once past `timeoutMs`.
 * When the pokes stop (the stream stalled) the fallback runs the next tick, at most
 * `FALLBACK_TICKS - 1` intervals and a quarter late, and the loop is back on its own timer.
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

/** While pokes come, the fallback timer sits this many intervals past the last tick. */
export const FALLBACK_TICKS = 3;

export function startLoop(tick: (signal: AbortSignal) => Promise<void>, options: SchedulerOptions): Loop {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs;
  const slackMs = Math.floor(intervalMs / 4);
  let stopped = false;
  let running = false;
  /** The loop's one timer: the next tick (on the timer), or the fallback (while poked). */
  let timer: ReturnType<typeof setTimeout> | null = null;
  let timerAtMs = 0;
  let immediate: ReturnType<typeof setImmediate> | null = null;
  let current: AbortController | null = null;
  let runStartMs = 0;
  let next = now();
  /** When the last poke came (only recent pokes put the loop in poke mode). */
  let pokedAtMs = Number.NEGATIVE_INFINITY;
  const poked = (t: number) => t - pokedAtMs < 2 * intervalMs;

  const arm = (atMs: number) => {
    if (timer) clearTimeout(timer);
    timerAtMs = atMs;
    timer = setTimeout(onTimer, Math.max(0, atMs - now()));
  };

  const timedOut = () => new Error(`tick timed out after ${options.timeoutMs} ms`);
  /** Past its time: abort the tick in flight. */
  const checkOverrun = (t: number) => {
    if (current && t - runStartMs >= options.timeoutMs) current.abort(timedOut());
  };

  function onTimer() {
    timer = null;
    if (stopped) return;
    const t = now();
    if (running) {
      // Poke mode: no timeout timer of its own, so the fallback checks for an overrun.
      checkOverrun(t);
      if (!current?.signal.aborted) arm(runStartMs + options.timeoutMs);
      return;
    }
    if (t < next - slackMs) return arm(next);
    if (t > next + slackMs) next = t; // the fallback, after pokes stopped: the timer's phase starts here
    void run(false);
  }

  /** `byPoke`: started by fresh data (the source drives the ticks), not by the timer. */
  const run = async (byPoke: boolean) => {
    immediate = null;
    if (stopped || running) return;
    running = true;
    runStartMs = now();
    const controller = new AbortController();
    current = controller;
    // On the timer, a timer aborts an overrun (the next tick's timer comes first, so clearing
    // it costs no wake-up); while the source drives the ticks, its pokes and the fallback do.
    const timeout = byPoke
      ? null
      : setTimeout(() => controller.abort(timedOut()), options.timeoutMs);
    try {
      await tick(controller.signal);
    } catch (error) {
      if (!stopped) options.onError?.(error);
    } finally {
      if (timeout) clearTimeout(timeout);
      current = null;
      running = false;
    }
    if (stopped) return;
    next += intervalMs;
    const t = now();
    if (next < t) next = t; // overran: start again now, don't burst to catch up
    if (!poked(t)) return arm(next);
    // Pokes come but this tick ran on the timer: wait up to a quarter interval past due for the
    // next one, so the ticks fall into the source's phase.
    if (!byPoke) return arm(next + slackMs);
    // The source drives the ticks: it runs the next one. The fallback stays where it is while
    // it is still past the next tick (by an eighth of an interval: lines come a few ms late,
    // and the phase follows them); moved on, it lands FALLBACK_TICKS intervals out.
    if (!timer || timerAtMs < next + slackMs / 2) arm(next + slackMs + (FALLBACK_TICKS - 1) * intervalMs);
  };

  arm(next);
  return {
    poke() {
      const t = now();
      pokedAtMs = t;
      if (stopped || immediate) return;
      if (running) return checkOverrun(t);
      if (t < next - slackMs) return;
      // The loop's own next-tick timer (on the timer until now) would fire right after: drop
      // it. A fallback further out stays.
      if (timer && timerAtMs <= next + slackMs) {
        clearTimeout(timer);
        timer = null;
      }
      next = t; // follow the source's phase from here on
      // After the I/O callbacks of this wake-up (the other lines of the same burst), not inside them.
      immediate = setImmediate(() => void run(true));
    },
    ...toDisposable(() => {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
      current?.abort(new Error('stopped'));
    }),
  };
}
