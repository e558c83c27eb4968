import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session, WebContents } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../util/logger';
import { createAppProtocolHandler, resolveAppAsset } from './app-protocol';
import { appOnlyPermissions, CONTENT_SECURITY_POLICY, denyAllPermissions, hardenWebContents, lockDownPackaged, isAllowedExternalUrl, isAppUrl, secureWebPreferences } from './security';

describe('isAppUrl', () => {
  it.each([
    { url: 'app://headroom/index.html', dev: null, want: true },
    { url: 'app://headroom/', dev: null, want: true },
    { url: 'APP://HEADROOM/index.html', dev: null, want: true },
    { url: 'app://other/index.html', dev: null, want: false },
    { url: 'app://user:pw@headroom/', dev: null, want: false },
    { url: 'file:///index.html', dev: null, want: false },
    { url: 'https://headroom/', dev: null, want: false },
    { url: 'http://localhost:5173/', dev: null, want: false },
    { url: 'http://localhost:5173/src/main.tsx', dev: 'http://localhost:5173', want: true },
    { url: 'http://127.0.0.1:5173/', dev: 'http://localhost:5173', want: false },
    { url: 'not a url', dev: null, want: false },
    { url: '', dev: null, want: false },
  ])('$url (dev $dev) → $want', ({ url, dev, want }) => {
    expect(isAppUrl(url, { devServerOrigin: dev })).toBe(want);
  });
});

describe('isAllowedExternalUrl', () => {
  it.each([
    { url: 'https://github.com/ollama/ollama/issues/1', want: true },
    { url: 'https://docs.vllm.ai/en/latest/', want: true },
    { url: 'https://gist.github.com/x', want: true },
    { url: 'http://github.com/', want: false },
    { url: 'https://github.com.evil.example/', want: false },
    { url: 'https://evilgithub.com/', want: false },
    { url: 'https://user@github.com/', want: false },
    { url: 'https://github.com:8443/', want: false },
    { url: 'file:///etc/passwd', want: false },
    { url: 'javascript:alert(1)', want: false },
    { url: 'ms-settings:display', want: false },
    { url: 'smb://server/share', want: false },
  ])('$url → $want', ({ url, want }) => {
    expect(isAllowedExternalUrl(url)).toBe(want);
  });
});

describe('secureWebPreferences', () => {
  it('turns on isolation and sandbox, off node and webviews', () => {
    expect(secureWebPreferences('/p/preload.cjs')).toMatchObject({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      experimentalFeatures: false,
    });
  });
});

function fakeContents() {
  const listeners = new Map<string, (...args: unknown[]) => void>();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  const contents = {
    setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
    on: (name: string, l: (...args: unknown[]) => void) => listeners.set(name, l),
  } as unknown as WebContents;
  const navigate = (name: string, url: string) => {
    const event = { url, preventDefault: vi.fn() };
    listeners.get(name)!(event, url);
    return event.preventDefault.mock.calls.length > 0;
  };
  return { contents, open: (url: string) => openHandler!({ url }), navigate, listeners };
}

describe('hardenWebContents', () => {
  const setup = () => {
    const f = fakeContents();
    const openExternal = vi.fn(async () => {});
    hardenWebContents(f.contents, { policy: { devServerOrigin: null }, openExternal, logger: silentLogger });
    return { ...f, openExternal };
  };

  it('denies every new window, opening only allow-listed https links outside', () => {
    const f = setup();
    expect(f.open('https://github.com/x')).toEqual({ action: 'deny' });
    expect(f.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(f.open('app://headroom/index.html')).toEqual({ action: 'deny' });
    expect(f.openExternal.mock.calls).toEqual([['https://github.com/x']]);
  });

  it.each(['will-navigate', 'will-redirect'])('%s: blocks foreign origins, allows the app', (event) => {
    const f = setup();
    expect(f.navigate(event, 'app://headroom/index.html?view=compact')).toBe(false);
    expect(f.navigate(event, 'https://evil.example/')).toBe(true);
    expect(f.navigate(event, 'file:///etc/passwd')).toBe(true);
  });

  it('blocks <webview>', () => {
    const f = setup();
    const event = { preventDefault: vi.fn() };
    f.listeners.get('will-attach-webview')!(event, {}, {});
    expect(event.preventDefault).toHaveBeenCalled();
  });
});

describe('denyAllPermissions', () => {
  it('refuses requests, checks and devices', () => {
    let request: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    let device: (() => boolean) | null = null;
    const session = {
      setPermissionRequestHandler: (h: typeof request) => (request = h),
      setPermissionCheckHandler: (h: typeof check) => (check = h),
      setDevicePermissionHandler: (h: typeof device) => (device = h),
    } as unknown as Session;
    denyAllPermissions(session);
    const cb = vi.fn();
    request!(null, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    expect(check!()).toBe(false);
    expect(device!()).toBe(false);
  });
});

describe('appOnlyPermissions (Copy buttons)', () => {
  // Electron docs: setPermissionRequestHandler(handler(webContents, permission, callback, details{requestingUrl}))
  // and setPermissionCheckHandler(handler(webContents, permission, requestingOrigin)).
  function fakeSession() {
    const h: { request?: (wc: unknown, p: string, cb: (ok: boolean) => void, d: unknown) => void; check?: (wc: unknown, p: string, o: string) => boolean; device?: () => boolean } = {};
    const session = {
      setPermissionRequestHandler: (f: typeof h.request) => (h.request = f),
      setPermissionCheckHandler: (f: typeof h.check) => (h.check = f),
      setDevicePermissionHandler: (f: typeof h.device) => (h.device = f),
    } as unknown as Session;
    return { session, h };
  }

  it.each([
    { name: 'app origin may write the clipboard', permission: 'clipboard-sanitized-write', url: 'app://headroom/index.html#/alerts', want: true },
    { name: 'app origin may not read it', permission: 'clipboard-read', url: 'app://headroom/index.html', want: false },
    { name: 'another origin may not write it', permission: 'clipboard-sanitized-write', url: 'https://evil.example/', want: false },
    { name: 'a look-alike app host may not', permission: 'clipboard-sanitized-write', url: 'app://headroom.evil/', want: false },
    { name: 'no camera', permission: 'media', url: 'app://headroom/index.html', want: false },
    { name: 'no notifications from web content', permission: 'notifications', url: 'app://headroom/index.html', want: false },
  ])('$name', ({ permission, url, want }) => {
    const { session, h } = fakeSession();
    appOnlyPermissions(session, { devServerOrigin: null });
    const cb = vi.fn();
    h.request!({ getURL: () => url }, permission, cb, { requestingUrl: url });
    expect(cb).toHaveBeenCalledWith(want);
    const u = new URL(url);
    expect(h.check!(null, permission, `${u.protocol}//${u.host}`)).toBe(want);
    expect(h.device!()).toBe(false);
  });
});

describe('lockDownPackaged', () => {
  it('closes DevTools and swallows reload / DevTools shortcuts, nothing else', () => {
    const listeners = new Map<string, (...a: unknown[]) => void>();
    const contents = { on: (e: string, l: (...a: unknown[]) => void) => listeners.set(e, l), closeDevTools: vi.fn() };
    lockDownPackaged(contents as never);
    listeners.get('devtools-opened')!();
    expect(contents.closeDevTools).toHaveBeenCalled();
    const press = (input: Record<string, unknown>) => {
      const event = { preventDefault: vi.fn() };
      listeners.get('before-input-event')!(event, { type: 'keyDown', control: false, meta: false, shift: false, alt: false, ...input });
      return event.preventDefault.mock.calls.length > 0;
    };
    expect(press({ key: 'F5' })).toBe(true);
    expect(press({ key: 'r', control: true })).toBe(true);
    expect(press({ key: 'I', control: true, shift: true })).toBe(true);
    expect(press({ key: 'F12' })).toBe(true);
    expect(press({ key: 'c', control: true })).toBe(false); // Copy still works
    expect(press({ key: 'a', control: true })).toBe(false);
  });
});

describe('app:// protocol', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'headroom-renderer-'));
    await mkdir(join(root, 'assets'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>Headroom</title>');
    await writeFile(join(root, 'assets', 'main-abc.js'), 'console.log(1)');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    { name: 'root → index.html', url: 'app://headroom/', want: { ok: true, rel: 'index.html' } },
    { name: 'query ignored', url: 'app://headroom/index.html?view=compact', want: { ok: true, rel: 'index.html' } },
    { name: 'asset', url: 'app://headroom/assets/main-abc.js', want: { ok: true, rel: join('assets', 'main-abc.js') } },
    { name: 'dot-dot is normalised by URL, stays inside', url: 'app://headroom/../../etc/passwd', want: { ok: false, status: 404 } },
    { name: 'encoded dot-dot is normalised by URL too', url: 'app://headroom/%2e%2e/%2e%2e/secret.json', want: { ok: true, rel: 'secret.json' } },
    { name: 'encoded slash traversal', url: 'app://headroom/assets%2f..%2f..%2fsecret.json', want: { ok: false, status: 403 } },
    { name: 'backslash', url: 'app://headroom/assets%5c..%5c..%5csecret.json', want: { ok: false, status: 400 } },
    { name: 'NUL byte', url: 'app://headroom/index.html%00.png', want: { ok: false, status: 400 } },
    { name: 'bad encoding', url: 'app://headroom/%E0%A4%A', want: { ok: false, status: 400 } },
    { name: 'other host', url: 'app://evil/index.html', want: { ok: false, status: 404 } },
    { name: 'unknown type', url: 'app://headroom/run.exe', want: { ok: false, status: 404 } },
  ])('$name', ({ url, want }) => {
    const r = resolveAppAsset(url, root);
    if (want.ok) expect(r).toMatchObject({ ok: true, filePath: join(root, want.rel!) });
    else expect(r).toMatchObject({ ok: false, status: want.status });
  });

  it('serves files with their type and the CSP header', async () => {
    const handle = createAppProtocolHandler({ rootDir: root });
    const res = await handle(new Request('app://headroom/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>Headroom</title>');
  });

  it.each([
    { name: 'missing file', req: () => new Request('app://headroom/nope.js'), status: 404 },
    { name: 'POST', req: () => new Request('app://headroom/index.html', { method: 'POST', body: 'x' }), status: 405 },
    { name: 'traversal', req: () => new Request('app://headroom/assets%2f..%2f..%2fsecret.json'), status: 403 },
  ])('$name → $status', async ({ req, status }) => {
    const res = await createAppProtocolHandler({ rootDir: root })(req());
    expect(res.status).toBe(status);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });
});
