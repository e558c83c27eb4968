/** Serves the built renderer from a folder, with the CSP header; never escapes the folder. */
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Resolves a URL path inside `root`, or null when it would leave it. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^([/\\])+/, '');
  const base = resolve(root);
  const full = resolve(join(base, rel));
  if (full !== base && !full.startsWith(base + sep)) return null;
  return full;
}

/** Headers every response carries (pages, API, event stream, metrics). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * `transformHtml` rewrites HTML pages before they are sent (the server puts its CSRF token into
 * the dashboard page); `extraHeaders` are added to the response.
 */
export async function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  opts: { transformHtml?: (html: string) => string; extraHeaders?: Record<string, string> } = {},
): Promise<boolean> {
  const full = resolveStaticPath(root, urlPath);
  if (!full) return false;
  try {
    const st = await stat(full);
    if (!st.isFile()) return false;
    let body: Buffer | string = await readFile(full);
    const type = TYPES[extname(full)] ?? 'application/octet-stream';
    if (extname(full) === '.html' && opts.transformHtml) body = opts.transformHtml(body.toString('utf8'));
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      ...opts.extraHeaders,
      'content-type': type,
      'cache-control': full.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    res.end(body);
    return true;
  } catch {
    return false;
  }
}
