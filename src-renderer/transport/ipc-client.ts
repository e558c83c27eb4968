/** The contract over the Electron preload bridge (`window.headroom`). */
import type { HeadroomClient, PreloadBridge } from '../../shared/contract/client';
import type { EventName, Events } from '../../shared/contract/events';
import type { ParamsOf, RequestName, ResultOf } from '../../shared/contract/requests';
import { err, type Result } from '../../shared/contract/result';
import { toDisposable } from '../../shared/lifecycle/disposable';

export function createIpcClient(bridge: PreloadBridge): HeadroomClient {
  return {
    async call<N extends RequestName>(name: N, params: ParamsOf<N>): Promise<Result<ResultOf<N>>> {
      try {
        return (await bridge.call(name, params)) as Result<ResultOf<N>>;
      } catch (e) {
        return err('internal', `IPC call ${name} failed: ${(e as Error).message}`);
      }
    },
    on<E extends EventName>(name: E, listener: (payload: Events[E]) => void) {
      const off = bridge.on(name, (p) => listener(p as Events[E]));
      return toDisposable(off);
    },
  };
}
