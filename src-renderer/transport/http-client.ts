/** The contract over HTTP (`POST /api/<name>`) and SSE (`GET /api/events`). */
import { httpRequestPath, SSE_PATH } from '../../shared/contract/channels';
import type { HeadroomClient } from '../../shared/contract/client';
import type { EventName, Events } from '../../shared/contract/events';
import type { ParamsOf, RequestName, ResultOf } from '../../shared/contract/requests';
import { err, type Result } from '../../shared/contract/result';
import { toDisposable } from '../../shared/lifecycle/disposable';

/** The per-server CSRF token `headroom serve` puts into the dashboard page it serves (empty elsewhere). */
function pageCsrfToken(): string | null {
  if (typeof document === 'undefined') return null;
  return document.querySelector('meta[name="headroom-csrf"]')?.getAttribute('content') ?? null;
}

export function createHttpClient(origin: string, EventSourceImpl: typeof EventSource = EventSource): HeadroomClient {
  const csrf = pageCsrfToken();
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const connectionListeners = new Set<(c: boolean) => void>();
  let source: EventSource | null = null;

  const ensureStream = () => {
    if (source) return;
    source = new EventSourceImpl(`${origin}${SSE_PATH}`);
    source.onopen = () => connectionListeners.forEach((l) => l(true));
    source.onerror = () => connectionListeners.forEach((l) => l(false));
    for (const [name] of listeners) attach(name);
  };
  const attached = new Set<EventName>();
  const attach = (name: EventName) => {
    if (!source || attached.has(name)) return;
    attached.add(name);
    source.addEventListener(name, (e) => {
      let payload: unknown;
      try {
        payload = JSON.parse((e as MessageEvent<string>).data);
      } catch {
        return;
      }
      listeners.get(name)?.forEach((l) => l(payload));
    });
  };

  return {
    async call<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<Result<ResultOf<N>>> {
      try {
        const res = await fetch(`${origin}${httpRequestPath(name)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(csrf ? { 'x-headroom-csrf': csrf } : {}) },
          body: params === undefined ? '' : JSON.stringify(params),
        });
        return (await res.json()) as Result<ResultOf<N>>;
      } catch (e) {
        return err('unavailable', `Headroom server unreachable: ${(e as Error).message}`);
      }
    },
    on<E extends EventName>(name: E, listener: (payload: Events[E]) => void) {
      let set = listeners.get(name);
      if (!set) listeners.set(name, (set = new Set()));
      const l = listener as (p: unknown) => void;
      set.add(l);
      ensureStream();
      attach(name);
      return toDisposable(() => set!.delete(l));
    },
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return toDisposable(() => connectionListeners.delete(listener));
    },
  };
}
