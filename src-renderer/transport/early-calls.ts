import type { HeadroomClient } from '../../shared/contract/client';
import type { ParamsOf, RequestName } from '../../shared/contract/requests';

/** A request to send before the page renders: its name and parameters. */
export type EarlyCall = { [N in RequestName]: readonly [name: N, params: ParamsOf<N>] }[RequestName];

/** An early answer older than this is not handed out (the hook that wanted it mounted late). */
const MAX_AGE_MS = 5000;

/** The same fields (values aside: times move on between the early call and the hook's). */
function sameShape(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null || b === undefined || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b || (a == null && b == null);
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined).sort();
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/**
 * Sends `calls` now, while the page's code is still starting, and answers the first later call
 * of each name whose parameters have the same fields with the answer already on its way (a
 * getHistory of a range, with `maxPoints`, never takes the live window's early answer). The
 * dashboard's first paint then waits for one round trip that overlapped React's start, not for
 * one that began after it.
 */
export function withEarlyCalls(client: HeadroomClient, calls: readonly EarlyCall[], now: () => number = Date.now): HeadroomClient {
  const early = new Map<RequestName, { atMs: number; params: unknown; answer: Promise<unknown> }>();
  for (const [name, params] of calls) early.set(name, { atMs: now(), params, answer: client.call(name, params as never) });
  return {
    call(name, params) {
      const e = early.get(name);
      if (e && sameShape(e.params, params)) {
        early.delete(name);
        if (now() - e.atMs <= MAX_AGE_MS) return e.answer as ReturnType<HeadroomClient['call']>;
      }
      return client.call(name, params);
    },
    on: (name, listener) => client.on(name, listener),
    ...(client.onConnectionChange ? { onConnectionChange: (listener: (connected: boolean) => void) => client.onConnectionChange!(listener) } : {}),
  };
}
