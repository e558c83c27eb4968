/**
 * Every child process Headroom starts (GPU tool streams, one-shot probes) is stopped the same
 * way and never outlives Headroom (issue 17 §9):
 * - `stopChild`: POSIX: SIGTERM, then SIGKILL after a grace period if it is still there (a hung
 *   driver call, or a tool that ignores SIGTERM). Windows: `child.kill()`, which is
 *   TerminateProcess there (no signals; the process ends at once).
 * - `trackChild`: remembers a running child; on `process.exit` (a second Ctrl+C, a crash, an
 *   exit before the grace period ran out) every child still running gets SIGKILL synchronously.
 */
import type { ChildProcess } from 'node:child_process';

/** How long a child gets after SIGTERM before SIGKILL (ms). */
export const KILL_GRACE_MS = 2_000;

/**
 * The children alive right now. Process-wide on purpose: the `exit` hook that kills them must
 * see every child, whichever collector started it.
 */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export function isChildRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Tracks `child` until it exits; returns it. */
export function trackChild(child: ChildProcess): ChildProcess {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killTrackedChildrenNow);
  }
  live.add(child);
  const forget = () => live.delete(child);
  child.once('exit', forget);
  child.once('error', () => {
    if (!isChildRunning(child)) forget();
  });
  return child;
}

/** Children started by Headroom that have not exited yet (diagnostics, tests). */
export function runningChildren(): number[] {
  return [...live].filter(isChildRunning).map((c) => c.pid!);
}

/** SIGKILL to every tracked child still running (synchronous; used on process exit). */
export function killTrackedChildrenNow(): void {
  for (const child of live) {
    if (isChildRunning(child)) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone between the check and the kill.
      }
    }
  }
  live.clear();
}

export interface StopChildOptions {
  graceMs?: number;
  platform?: NodeJS.Platform;
}

/**
 * Stops a child and resolves once it has exited (at once if it already has). Never rejects.
 * The escalation timer keeps Node alive for at most `graceMs`, so a child that ignores
 * SIGTERM is killed even when nothing else is left to do.
 */
export function stopChild(child: ChildProcess, options: StopChildOptions = {}): Promise<void> {
  if (!isChildRunning(child)) return Promise.resolve();
  const graceMs = options.graceMs ?? KILL_GRACE_MS;
  const platform = options.platform ?? process.platform;
  return new Promise<void>((resolve) => {
    let force: ReturnType<typeof setTimeout> | null = null;
    let last: ReturnType<typeof setTimeout> | null = null;
    const done = () => {
      if (force) clearTimeout(force);
      if (last) clearTimeout(last);
      resolve();
    };
    child.once('exit', done);
    try {
      // Windows: no signals; kill() is TerminateProcess and the child ends at once.
      if (platform === 'win32') child.kill();
      else child.kill('SIGTERM');
    } catch {
      // The child went away on its own.
    }
    force = setTimeout(() => {
      if (!isChildRunning(child)) return done();
      try {
        child.kill('SIGKILL');
      } catch {
        // Gone.
      }
      // SIGKILL cannot be ignored; do not wait forever for an 'exit' that a zombie never sends.
      last = setTimeout(done, 1_000);
      last.unref?.();
    }, graceMs);
  });
}
