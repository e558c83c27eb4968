import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { requestNames } from '../../shared/contract/requests';
import { fakeHandlers } from '../../shared/contract/fake-handlers';
import type { Handlers } from '../../shared/contract/requests';
import { err, ok } from '../../shared/contract/result';
import { silentLogger, type Logger } from '../util/logger';
import { createPreloadBridge, type IpcRendererLike } from './bridge';
import { checkSender, createVisibleOnlyPublisher, handleRequest, registerIpcHandlers, sendEvent, type SenderInfo } from './ipc';
import { fixtureSnapshot } from './snapshot-fixtures';

const policy = { devServerOrigin: null };
const trusted = new Set([7]);
const appMain: SenderInfo = { webContentsId: 7, frameUrl: 'app://headroom/index.html', isMainFrame: true };

describe('checkSender', () => {
  it.each([
    { name: 'the app window', sender: appMain, dev: null, want: null },
    { name: 'compact view query', sender: { ...appMain, frameUrl: 'app://headroom/index.html?view=compact' }, dev: null, want: null },
    { name: 'unknown webContents', sender: { ...appMain, webContentsId: 8 }, dev: null, want: 'webContents 8 was not created by Headroom' },
    { name: 'sub-frame', sender: { ...appMain, isMainFrame: false }, dev: null, want: expect.stringContaining('sub-frame') },
    { name: 'foreign origin', sender: { ...appMain, frameUrl: 'https://evil.example/' }, dev: null, want: expect.stringContaining('not the app') },
    { name: 'look-alike host', sender: { ...appMain, frameUrl: 'app://headroom.evil/index.html' }, dev: null, want: expect.stringContaining('not the app') },
    { name: 'file URL', sender: { ...appMain, frameUrl: 'file:///C:/app/index.html' }, dev: null, want: expect.stringContaining('not the app') },
    { name: 'frame gone', sender: { ...appMain, frameUrl: null, isMainFrame: false }, dev: null, want: expect.any(String) },
    { name: 'dev server in dev', sender: { ...appMain, frameUrl: 'http://localhost:5173/' }, dev: 'http://localhost:5173', want: null },
    { name: 'dev server port mismatch', sender: { ...appMain, frameUrl: 'http://localhost:5174/' }, dev: 'http://localhost:5173', want: expect.any(String) },
    { name: 'dev server when packaged', sender: { ...appMain, frameUrl: 'http://localhost:5173/' }, dev: null, want: expect.any(String) },
  ])('$name', ({ sender, dev, want }) => {
    expect(checkSender(sender, trusted, { devServerOrigin: dev })).toEqual(want);
  });
});

function fakeEvent(id: number, url: string | null, isMain = true): IpcMainInvokeEvent {
  const frame = url == null ? null : { url, parent: isMain ? null : {} };
  return { sender: { id }, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

const handlers: Handlers = fakeHandlers({
  getSnapshot: async () => ok(fixtureSnapshot()),
  getHistory: async ({ sinceMs }) => ok([{ atMs: sinceMs, gpuId: 'gpu:0', memoryUsedBytes: 1, memoryTotalBytes: 2 }]),
});
const logger = () => ({ info: vi.fn<Logger['info']>(), warn: vi.fn<Logger['warn']>(), error: vi.fn<Logger['error']>() });

describe('handleRequest', () => {
  it('answers a trusted sender with the handler result', async () => {
    const r = await handleRequest('getHistory', fakeEvent(7, 'app://headroom/'), { sinceMs: 5 }, { handlers, trustedWebContentsIds: trusted, policy, logger: silentLogger });
    expect(r).toEqual(ok([{ atMs: 5, gpuId: 'gpu:0', memoryUsedBytes: 1, memoryTotalBytes: 2 }]));
  });

  it('refuses an untrusted sender before parsing or calling anything, and logs why', async () => {
    const log = logger();
    const spy = vi.fn(handlers.getHistory);
    const r = await handleRequest('getHistory', fakeEvent(99, 'app://headroom/'), { sinceMs: 5 }, { handlers: { ...handlers, getHistory: spy }, trustedWebContentsIds: trusted, policy, logger: log });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(spy).not.toHaveBeenCalled();
    expect(log.warn).toHaveBeenCalledWith('IPC getHistory: refused, webContents 99 was not created by Headroom.');
  });

  it('treats a destroyed sender frame (getter throws) as untrusted', async () => {
    const event = { sender: { id: 7 }, get senderFrame(): never { throw new Error('Render frame was disposed'); } } as unknown as IpcMainInvokeEvent;
    const r = await handleRequest('getSnapshot', event, undefined, { handlers, trustedWebContentsIds: trusted, policy, logger: silentLogger });
    expect(r.ok).toBe(false);
  });

  it.each([
    { name: 'missing field', params: {}, field: 'sinceMs' },
    { name: 'wrong type', params: { sinceMs: '5' }, field: 'sinceMs' },
    { name: 'negative', params: { sinceMs: -1 }, field: 'sinceMs' },
    { name: 'extra key', params: { sinceMs: 1, __proto__x: 1 }, field: '(root)' },
    { name: 'not an object', params: 'DROP TABLE', field: '(root)' },
  ])('rejects bad params ($name) naming the field', async ({ params, field }) => {
    const r = await handleRequest('getHistory', fakeEvent(7, 'app://headroom/'), params, { handlers, trustedWebContentsIds: trusted, policy, logger: silentLogger });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(!r.ok && r.error.message).toContain(field);
  });

  it('turns a throwing handler into an internal error instead of an exception', async () => {
    const boom: Handlers = fakeHandlers({ ...handlers, getSnapshot: async () => { throw new Error('boom'); } });
    const r = await handleRequest('getSnapshot', fakeEvent(7, 'app://headroom/'), undefined, { handlers: boom, trustedWebContentsIds: trusted, policy, logger: silentLogger });
    expect(r).toEqual(err('internal', 'getSnapshot failed inside Headroom: boom'));
  });
});

describe('registerIpcHandlers', () => {
  it('registers one channel per request and removes them on dispose', async () => {
    const registered = new Map<string, (e: IpcMainInvokeEvent, p: unknown) => Promise<unknown>>();
    const ipcMain = {
      handle: (ch: string, fn: (e: IpcMainInvokeEvent, p: unknown) => Promise<unknown>) => registered.set(ch, fn),
      removeHandler: (ch: string) => registered.delete(ch),
    } as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>;
    const d = registerIpcHandlers({ ipcMain, handlers, trustedWebContentsIds: trusted, policy, logger: silentLogger });
    expect([...registered.keys()]).toEqual(requestNames.map((n) => `headroom:req:${n}`));
    expect(await registered.get('headroom:req:getSnapshot')!(fakeEvent(7, 'app://headroom/'), null)).toMatchObject({ ok: true });
    d.dispose();
    expect(registered.size).toBe(0);
  });
});

describe('sendEvent and the visible-only publisher', () => {
  const target = (destroyed = false) => {
    const sent: [string, unknown][] = [];
    const wc = { isDestroyed: () => destroyed, send: (ch: string, p: unknown) => sent.push([ch, p]) } as unknown as WebContents;
    return { wc, sent };
  };

  it('skips destroyed windows', () => {
    const t = target(true);
    expect(sendEvent(t.wc, 'snapshotPublished', fixtureSnapshot())).toBe(false);
    expect(t.sent).toEqual([]);
  });

  it('sends nothing while hidden, then only the latest Snapshot on show', () => {
    const t = target();
    let visible = false;
    const pub = createVisibleOnlyPublisher({ target: () => t.wc, isVisible: () => visible });
    for (let i = 0; i < 10; i++) pub.publish(fixtureSnapshot({ atMs: i }));
    expect(t.sent).toEqual([]);
    visible = true;
    pub.flush();
    pub.flush();
    expect(t.sent.map(([ch, s]) => [ch, (s as { atMs: number }).atMs])).toEqual([['headroom:evt:snapshotPublished', 9]]);
    pub.publish(fixtureSnapshot({ atMs: 10 }));
    expect(pub.sentCount).toBe(2);
  });

  it('sends nothing when there is no window yet', () => {
    const pub = createVisibleOnlyPublisher({ target: () => null, isVisible: () => true });
    pub.publish(fixtureSnapshot());
    expect(pub.sentCount).toBe(0);
  });
});

describe('preload bridge', () => {
  function fakeIpcRenderer() {
    const listeners = new Map<string, Set<(e: unknown, p: unknown) => void>>();
    const invoke = vi.fn(async (channel: string, params: unknown) => ok({ channel, params }));
    const ipc = {
      invoke,
      on: (ch: string, l: (e: unknown, p: unknown) => void) => {
        if (!listeners.has(ch)) listeners.set(ch, new Set());
        listeners.get(ch)!.add(l);
      },
      removeListener: (ch: string, l: (e: unknown, p: unknown) => void) => listeners.get(ch)?.delete(l),
    } as unknown as IpcRendererLike;
    const emit = (ch: string, payload: unknown) => listeners.get(ch)?.forEach((l) => l({ sender: 'IpcRendererEvent' }, payload));
    return { ipc, invoke, emit, count: (ch: string) => listeners.get(ch)?.size ?? 0 };
  }

  it('forwards contract requests on their channel', async () => {
    const f = fakeIpcRenderer();
    const bridge = createPreloadBridge(f.ipc);
    expect(await bridge.call('getHistory', { sinceMs: 1 })).toEqual(ok({ channel: 'headroom:req:getHistory', params: { sinceMs: 1 } }));
  });

  it.each([{ name: 'unknown name', n: 'deleteEverything' }, { name: 'prototype key', n: '__proto__' }, { name: 'channel injection', n: 'getSnapshot:x' }])(
    'refuses $name without touching IPC',
    async ({ n }) => {
      const f = fakeIpcRenderer();
      expect(await createPreloadBridge(f.ipc).call(n, null)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
      expect(f.invoke).not.toHaveBeenCalled();
    },
  );

  it('maps a rejected invoke to an unavailable Result', async () => {
    const f = fakeIpcRenderer();
    f.invoke.mockRejectedValueOnce(new Error("No handler registered for 'headroom:req:getSnapshot'"));
    expect(await createPreloadBridge(f.ipc).call('getSnapshot', undefined)).toMatchObject({ ok: false, error: { code: 'unavailable' } });
  });

  it('strips the IpcRendererEvent and unsubscribes', () => {
    const f = fakeIpcRenderer();
    const got: unknown[] = [];
    const off = createPreloadBridge(f.ipc).on('snapshotPublished', (p) => got.push(p));
    f.emit('headroom:evt:snapshotPublished', { atMs: 1 });
    off();
    off();
    f.emit('headroom:evt:snapshotPublished', { atMs: 2 });
    expect(got).toEqual([{ atMs: 1 }]);
    expect(f.count('headroom:evt:snapshotPublished')).toBe(0);
  });

  it('refuses unknown events', () => {
    expect(() => createPreloadBridge(fakeIpcRenderer().ipc).on('anything', () => {})).toThrow(TypeError);
  });

  it('exposes only call and on, frozen', () => {
    const bridge = createPreloadBridge(fakeIpcRenderer().ipc);
    expect(Object.keys(bridge).sort()).toEqual(['call', 'on']);
    expect(Object.isFrozen(bridge)).toBe(true);
  });
});
