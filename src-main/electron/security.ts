/**
 * Electron security policy (style guide §11), applied to every WebContents in
 * `web-contents-created`. Pure checks (URLs, origins) plus small appliers that take the Electron
 * objects as parameters, so all of it is unit-tested without the Electron binary.
 */
import type { Session, WebContents, WebPreferences } from 'electron';
import type { Logger } from '../util/logger';

/** The UI is served from `app://headroom/` (see app-protocol.ts), never from `file://`. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'headroom';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Same policy as the meta tag in src-renderer/index.html and the headless server's header. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";

/** Hosts `shell.openExternal` may open (https only): docs and project pages the UI links to. */
export const EXTERNAL_HOST_ALLOWLIST: readonly string[] = [
  'github.com',
  'ollama.com',
  'docs.vllm.ai',
  'lmstudio.ai',
  'huggingface.co',
  'www.electronjs.org',
];

export interface OriginPolicy {
  /** The Vite dev server origin (`http://localhost:5173`); only ever set when `!app.isPackaged`. */
  devServerOrigin: string | null;
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when `url` belongs to the app: `app://headroom/…`, or the dev server in dev builds.
 * (WHATWG URL reports `origin` "null" for non-special schemes, so scheme and host are compared.)
 */
export function isAppUrl(url: string | null | undefined, policy: OriginPolicy): boolean {
  if (!url) return false;
  const u = parse(url);
  if (!u) return false;
  if (u.protocol === `${APP_SCHEME}:` && u.host.toLowerCase() === APP_HOST && !u.username && !u.password) return true;
  return policy.devServerOrigin != null && (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === policy.devServerOrigin;
}

/** https only, no credentials or custom port, host on the allowlist (or a subdomain of one). */
export function isAllowedExternalUrl(url: string, allowlist: readonly string[] = EXTERNAL_HOST_ALLOWLIST): boolean {
  const u = parse(url);
  if (!u || u.protocol !== 'https:' || u.username || u.password || u.port) return false;
  const host = u.hostname.toLowerCase();
  return allowlist.some((h) => host === h || host.endsWith(`.${h}`));
}

/** The only webPreferences Headroom windows get. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // Keep Chromium's throttling of hidden windows: a hidden dashboard should cost nothing.
    backgroundThrottling: true,
  };
}

export interface HardenOptions {
  policy: OriginPolicy;
  /** `shell.openExternal`; called only for allow-listed https URLs. */
  openExternal: (url: string) => Promise<void>;
  logger: Logger;
}

/** Denies new windows and foreign navigation, blocks `<webview>`; opens allow-listed links outside. */
export function hardenWebContents(contents: WebContents, options: HardenOptions): void {
  const { policy, openExternal, logger } = options;
  const handOut = (url: string, what: string) => {
    if (isAllowedExternalUrl(url)) {
      openExternal(url).catch((e: unknown) => logger.warn(`Could not open ${url} in the browser: ${e instanceof Error ? e.message : String(e)}`));
    } else {
      logger.warn(`Blocked ${what} to ${url}: not the app's own origin and not an allow-listed https link.`);
    }
  };
  contents.setWindowOpenHandler(({ url }) => {
    handOut(url, 'a new window');
    return { action: 'deny' };
  });
  const guardNavigation = (event: { url: string; preventDefault(): void }) => {
    if (isAppUrl(event.url, policy)) return;
    event.preventDefault();
    handOut(event.url, 'a navigation');
  };
  contents.on('will-navigate', guardNavigation);
  contents.on('will-redirect', guardNavigation);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.warn('Blocked a <webview>: Headroom never embeds one.');
  });
}

/**
 * Permissions: the app's own pages may write to the clipboard (the Copy buttons use
 * `navigator.clipboard.writeText`, which Chromium gates behind 'clipboard-sanitized-write');
 * everything else (camera, notifications from web content, USB, clipboard *read* …) and every
 * other origin is refused. Electron docs, session.setPermissionRequestHandler /
 * setPermissionCheckHandler: the check handler gets the requesting origin, the request handler
 * `details.requestingUrl`.
 */
export function appOnlyPermissions(
  session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>,
  policy: OriginPolicy,
  logger?: Logger,
): void {
  const allowed = (permission: string, url: string | null | undefined) => permission === 'clipboard-sanitized-write' && isAppUrl(url, policy);
  session.setPermissionRequestHandler((webContents, permission, callback, details) => {
    const url = (details as { requestingUrl?: string } | undefined)?.requestingUrl ?? webContents?.getURL?.();
    const ok = allowed(permission, url);
    if (!ok) logger?.warn(`Refused the '${permission}' permission to ${url ?? 'an unknown page'}.`);
    callback(ok);
  });
  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin) => allowed(permission, requestingOrigin));
  session.setDevicePermissionHandler(() => false);
}

/**
 * A packaged build has no reload, no DevTools and no default menu (the main process holds
 * decrypted API keys; a renderer must not be inspected or reloaded into another state). Menu:
 * main.ts calls Menu.setApplicationMenu(null). Here: DevTools closed when opened, and the
 * reload / DevTools shortcuts swallowed.
 */
export function lockDownPackaged(contents: Pick<WebContents, 'on' | 'closeDevTools'>, logger?: Logger): void {
  contents.on('devtools-opened', () => {
    contents.closeDevTools();
    logger?.warn('DevTools are not available in a packaged Headroom.');
  });
  contents.on('before-input-event', (event, input) => {
    if (input.type !== 'keyDown') return;
    const key = input.key.toLowerCase();
    const mod = input.control || input.meta;
    const reload = key === 'f5' || (mod && key === 'r');
    const devtools = key === 'f12' || (mod && input.shift && (key === 'i' || key === 'j' || key === 'c')) || (input.meta && input.alt && key === 'i');
    if (reload || devtools) event.preventDefault();
  });
}

/** Every permission request (camera, notifications from web content, USB, …) is refused. */
export function denyAllPermissions(session: Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'>): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
