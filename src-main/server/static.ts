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
 * Encodings the build stores beside an asset (`app.js.br`, `app.js.gz`: scripts/build.mjs, through
 * the renderer's Vite config), in the order they are preferred: a dashboard opened from another
 * machine downloads a third of the bytes, with no compression work per request.
 */
export const STORED_ENCODINGS = [
  { name: 'br', suffix: '.br' },
  { name: 'gzip', suffix: '.gz' },
] as const;

/** Whether an Accept-Encoding header allows `coding` (listed, or `*`, without q=0). */
export function acceptsEncoding(header: string | undefined, coding: string): boolean {
  if (!header) return false;
  let star: boolean | null = null;
  for (const part of header.toLowerCase().split(',')) {
    const [token = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    const allowed = q === undefined || Number(q) > 0;
    if (token.trim() === coding) return allowed;
    if (token.trim() === '*') star = allowed;
  }
  return star ?? false;
}

/**
 * `transformHtml` rewrites HTML pages before they are sent (the server puts its CSRF token into
 * the dashboard page); `extraHeaders` are added to the response; `acceptEncoding` is the request's
 * Accept-Encoding header (a stored compressed copy of the file is sent when it allows one).
 */
export async function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  opts: { transformHtml?: (html: string) => string; extraHeaders?: Record<string, string>; acceptEncoding?: string } = {},
): Promise<boolean> {
  const full = resolveStaticPath(root, urlPath);
  if (!full) return false;
  try {
    const st = await stat(full);
    if (!st.isFile()) return false;
    const type = TYPES[extname(full)] ?? 'application/octet-stream';
    const html = extname(full) === '.html' && opts.transformHtml;
    let encoding: string | null = null;
    let body: Buffer | string | null = null;
    if (!html) {
      for (const e of STORED_ENCODINGS) {
        if (!acceptsEncoding(opts.acceptEncoding, e.name)) continue;
        // A stored copy older than the file is stale (a file replaced by hand): the file is sent.
        const copy = await stat(full + e.suffix).catch(() => null);
        if (!copy?.isFile() || copy.mtimeMs < st.mtimeMs) continue;
        body = await readFile(full + e.suffix);
        encoding = e.name;
        break;
      }
    }
    body ??= await readFile(full);
    if (html) body = html(body.toString('utf8'));
    const compressible = !html && /^(text\/|application\/json|image\/svg)/.test(type);
    // Caches keep one copy per encoding of what may be sent compressed (beside any Vary given).
    const vary = [opts.extraHeaders?.vary, compressible ? 'Accept-Encoding' : undefined].filter(Boolean).join(', ');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      ...opts.extraHeaders,
      'content-type': type,
      'cache-control': full.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...(encoding ? { 'content-encoding': encoding } : {}),
      ...(vary ? { vary } : {}),
    });
    res.end(body);
    return true;
  } catch {
    return false;
  }
}
