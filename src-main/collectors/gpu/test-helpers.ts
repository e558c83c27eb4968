/** Test-only helpers for the GPU collectors (polling, process liveness). */
import { readInvocations } from '../../../e2e/fakes/gpu/make-fake-tool';

/** Polls `fn` until `pred` holds or `timeoutMs` passes; returns the last value. */
export async function until<T>(fn: () => T | Promise<T>, pred: (v: T) => boolean, timeoutMs = 8_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (pred(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids a fake logged that are still running. */
export async function livePids(logFile: string): Promise<number[]> {
  return (await readInvocations(logFile)).map((i) => i.pid).filter(isAlive);
}
