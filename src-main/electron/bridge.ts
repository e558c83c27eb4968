/**
 * The object the preload exposes as `window.headroom` (style guide §4): `call` and `on`, contract
 * names only, IpcRendererEvent stripped, `on` returns an unsubscribe function. `ipcRenderer`
 * itself is never exposed. Kept apart from preload.ts so it is tested without Electron.
 */
import type { IpcRenderer } from 'electron';
import { ipcEventChannel, ipcRequestChannel } from '../../shared/contract/channels';
import type { PreloadBridge } from '../../shared/contract/client';
import { eventNames, type EventName } from '../../shared/contract/events';
import { requestNames, type RequestName } from '../../shared/contract/requests';
import { err } from '../../shared/contract/result';

export type IpcRendererLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

const isRequestName = (name: string): name is RequestName => (requestNames as readonly string[]).includes(name);
const isEventName = (name: string): name is EventName => (eventNames as readonly string[]).includes(name);

export function createPreloadBridge(ipc: IpcRendererLike): PreloadBridge {
  return Object.freeze({
    async call(name: string, params: unknown): Promise<unknown> {
      if (typeof name !== 'string' || !isRequestName(name)) return err('bad-request', `Unknown request "${String(name)}".`);
      try {
        return await ipc.invoke(ipcRequestChannel(name), params);
      } catch (e) {
        // Only the message crosses ipcRenderer.invoke (e.g. "No handler registered" while main starts).
        return err('unavailable', `Headroom's main process did not answer ${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
    on(name: string, listener: (payload: unknown) => void): () => void {
      if (typeof name !== 'string' || !isEventName(name)) throw new TypeError(`Unknown event "${String(name)}".`);
      if (typeof listener !== 'function') throw new TypeError('on(name, listener): listener must be a function.');
      const channel = ipcEventChannel(name);
      const wrapped = (_event: unknown, payload: unknown) => listener(payload);
      ipc.on(channel, wrapped);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(channel, wrapped);
      };
    },
  });
}
