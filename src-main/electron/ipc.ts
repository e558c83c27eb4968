/**
 * Electron IPC transport for the contract (style guide §4): one `ipcMain.handle` per request name
 * through one wrapper that validates the sender, then the params (zod), then calls the shared
 * Handlers; and a typed `sendEvent` that skips destroyed windows. Errors never cross as
 * exceptions: every reply is a Result.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ipcEventChannel, ipcRequestChannel } from '../../shared/contract/channels';
import type { EventName, Events } from '../../shared/contract/events';
import { requestNames, type Handlers, type RequestName } from '../../shared/contract/requests';
import { err, type Result } from '../../shared/contract/result';
import { parseParams } from '../../shared/contract/schemas';
import { toDisposable, type Disposable } from '../../shared/lifecycle/disposable';
import type { Logger } from '../util/logger';
import { isAppUrl, type OriginPolicy } from './security';

/** What the sender check needs from an IPC event. */
export interface SenderInfo {
  webContentsId: number;
  /** URL of the frame that sent the message; null when the frame is gone. */
  frameUrl: string | null;
  isMainFrame: boolean;
}

export function describeSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): SenderInfo {
  let frame: IpcMainInvokeEvent['senderFrame'] = null;
  try {
    frame = event.senderFrame;
  } catch {
    // Electron throws when the frame was destroyed or navigated away while the message was in flight.
  }
  return { webContentsId: event.sender.id, frameUrl: frame?.url ?? null, isMainFrame: frame != null && frame.parent === null };
}

/**
 * Null when the sender is trusted; otherwise the reason. Trusted means: a WebContents this app
 * created (GitHub Desktop's check) and the main frame showing the app's own origin (VS Code's).
 */
export function checkSender(sender: SenderInfo, trustedWebContentsIds: ReadonlySet<number>, policy: OriginPolicy): string | null {
  if (!trustedWebContentsIds.has(sender.webContentsId)) return `webContents ${sender.webContentsId} was not created by Headroom`;
  if (!sender.isMainFrame) return `a sub-frame (${sender.frameUrl ?? 'unknown URL'}) of webContents ${sender.webContentsId}`;
  if (!isAppUrl(sender.frameUrl, policy)) return `frame URL ${sender.frameUrl ?? '(none)'} is not the app's origin`;
  return null;
}

export interface RegisterIpcOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  handlers: Handlers;
  trustedWebContentsIds: ReadonlySet<number>;
  policy: OriginPolicy;
  logger: Logger;
}

/** The wrapper body, exported for tests: sender check → params → handler, always a Result. */
export async function handleRequest(
  name: RequestName,
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  rawParams: unknown,
  options: Omit<RegisterIpcOptions, 'ipcMain'>,
): Promise<Result<unknown>> {
  const refusal = checkSender(describeSender(event), options.trustedWebContentsIds, options.policy);
  if (refusal) {
    options.logger.warn(`IPC ${name}: refused, ${refusal}.`);
    return err('bad-request', `Refused: the request did not come from Headroom's own window.`);
  }
  const params = parseParams(name, rawParams);
  if (!params.ok) return err('bad-request', `${name}: ${params.error.message}`);
  try {
    const handler = options.handlers[name] as (p: unknown) => Promise<Result<unknown>>;
    return await handler(params.value);
  } catch (e) {
    const message = `${name} failed inside Headroom: ${e instanceof Error ? e.message : String(e)}`;
    options.logger.error(message);
    return err('internal', message);
  }
}

/** Registers every contract request; disposing removes the handlers. */
export function registerIpcHandlers(options: RegisterIpcOptions): Disposable {
  const { ipcMain, ...rest } = options;
  for (const name of requestNames) {
    ipcMain.handle(ipcRequestChannel(name), (event, rawParams: unknown) => handleRequest(name, event, rawParams, rest));
  }
  return toDisposable(() => {
    for (const name of requestNames) ipcMain.removeHandler(ipcRequestChannel(name));
  });
}

/** Pushes a contract event to one renderer. False when the target is gone. */
export function sendEvent<E extends EventName>(target: Pick<WebContents, 'isDestroyed' | 'send'>, name: E, payload: Events[E]): boolean {
  if (target.isDestroyed()) return false;
  target.send(ipcEventChannel(name), payload);
  return true;
}

/**
 * Publishes Snapshots to the dashboard only while it is visible: a hidden window gets no
 * per-tick IPC (no structured-clone, no React render). On show, `flush()` sends the latest one.
 */
export interface VisibleOnlyPublisher {
  publish(snapshot: Events['snapshotPublished']): void;
  flush(): void;
  /** Number of Snapshots actually sent (for the benchmark). */
  readonly sentCount: number;
}

export function createVisibleOnlyPublisher(deps: {
  target: () => Pick<WebContents, 'isDestroyed' | 'send'> | null;
  isVisible: () => boolean;
}): VisibleOnlyPublisher {
  let pending: Events['snapshotPublished'] | null = null;
  let sent = 0;
  const trySend = (snapshot: Events['snapshotPublished']): boolean => {
    const target = deps.target();
    if (!target || !deps.isVisible()) return false;
    if (!sendEvent(target, 'snapshotPublished', snapshot)) return false;
    sent++;
    return true;
  };
  return {
    publish(snapshot) {
      pending = trySend(snapshot) ? null : snapshot;
    },
    flush() {
      if (pending && trySend(pending)) pending = null;
    },
    get sentCount() {
      return sent;
    },
  };
}
