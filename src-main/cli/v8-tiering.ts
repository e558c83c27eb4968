/**
 * V8 tiering for the long-running `headroom serve` (issue 12). A monitor runs the same small
 * functions once a second for days. V8 sends a function to its optimising compiler (TurboFan)
 * only after some 500 calls without a new type seen, so at one tick a second the compiles come
 * in a trickle between minutes 3 and 10 (about 300 ms of CPU on compiler threads, then again
 * after each deoptimisation), and the optimised code and the compiler's memory stay resident.
 * Measured from outside, side by side over minutes 2–9 with 1 GPU + 4 servers: with V8's
 * baseline compiler as the top tier (`--max-opt=1`: interpreter and Sparkplug) the process costs
 * 0.3–0.6 ms a second less and holds about 8 MB less RSS, and its first minutes cost the same:
 * this work is system calls and small allocations, which optimised code does not make cheaper.
 *
 * `HEADROOM_V8_OPTIMIZE=1` keeps the optimising compiler (experiments, a heavy export workload).
 * The flag is process-wide (the history worker thread too) and applies from the moment it is
 * set: `serve` sets it first thing, before anything has run hot.
 */
import v8 from 'node:v8';

export const SERVE_V8_FLAGS = '--max-opt=1';

/** Sets SERVE_V8_FLAGS unless HEADROOM_V8_OPTIMIZE=1; returns whether it did. */
export function limitTieringForServe(env: NodeJS.ProcessEnv = process.env, setFlags: (flags: string) => void = (f) => v8.setFlagsFromString(f)): boolean {
  if (env.HEADROOM_V8_OPTIMIZE === '1') return false;
  setFlags(SERVE_V8_FLAGS);
  return true;
}
