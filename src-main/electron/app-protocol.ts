/**
 * Serves the built renderer (`dist/renderer`) on `app://headroom/` through `protocol.handle`.
 * Only files under the root, only GET/HEAD, with the CSP header. Uses the WHATWG Request/Response
 * globals, so the handler is tested in plain Node.
 */
import { readFile as nodeReadFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security';

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export type AssetResolution =
  | { ok: true; filePath: string; contentType: string }
  | { ok: false; status: 400 | 403 | 404; reason: string };

/** Maps `app://headroom/<path>` to a file under `rootDir`; refuses anything that escapes it. */
export function resolveAppAsset(requestUrl: string, rootDir: string): AssetResolution {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host.toLowerCase() !== APP_HOST) return { ok: false, status: 404, reason: `unknown host ${u.host}` };
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return { ok: false, status: 400, reason: 'illegal character in path' };
  if (pathname === '' || pathname === '/') pathname = '/index.html';
  const root = resolve(rootDir);
  const filePath = resolve(root, `.${pathname}`);
  const rel = relative(root, filePath);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) return { ok: false, status: 403, reason: 'outside the app folder' };
  const contentType = MIME[extname(filePath).toLowerCase()];
  if (!contentType) return { ok: false, status: 404, reason: `no type for ${extname(filePath) || 'extensionless files'}` };
  return { ok: true, filePath, contentType };
}

export interface AppProtocolOptions {
  /** The built renderer folder. */
  rootDir: string;
  readFile?: (path: string) => Promise<Uint8Array<ArrayBuffer>>;
}

/** The `protocol.handle('app', …)` handler. */
export function createAppProtocolHandler(options: AppProtocolOptions): (request: Request) => Promise<Response> {
  const readFile = options.readFile ?? ((p: string) => nodeReadFile(p));
  const headers = (contentType: string) => ({
    'content-type': contentType,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache',
  });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method not allowed', { status: 405, headers: headers('text/plain; charset=utf-8') });
    }
    const asset = resolveAppAsset(request.url, options.rootDir);
    if (!asset.ok) return new Response(`Not found: ${asset.reason}`, { status: asset.status, headers: headers('text/plain; charset=utf-8') });
    try {
      const body = await readFile(asset.filePath);
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: headers(asset.contentType) });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const status = code === 'ENOENT' || code === 'EISDIR' ? 404 : 500;
      return new Response(`Cannot read ${request.url}: ${code ?? 'error'}`, { status, headers: headers('text/plain; charset=utf-8') });
    }
  };
}
