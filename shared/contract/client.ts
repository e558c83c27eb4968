import type { Disposable } from '../lifecycle/disposable';
import type { Events, EventName } from './events';
import type { ParamsOf, RequestName, ResultOf } from './requests';
import type { Result } from './result';

/** The one interface the renderer uses, whatever the transport (Electron IPC or HTTP + SSE). */
export interface HeadroomClient {
  call<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<Result<ResultOf<N>>>;
  on<E extends EventName>(name: E, listener: (payload: Events[E]) => void): Disposable;
  /** Connection state of the live event stream, for the UI ("reconnecting…"). */
  onConnectionChange?(listener: (connected: boolean) => void): Disposable;
}

/** What the Electron preload exposes as `window.headroom`. */
export interface PreloadBridge {
  call(name: string, params: unknown): Promise<unknown>;
  on(name: string, listener: (payload: unknown) => void): () => void;
}
