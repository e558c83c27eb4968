import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { leanGet } from './http-lean';

/**
 * HTTP GET/POST for backend polling: a timeout, a size cap on the body, and every failure
 * turned into a value with a sentence. Nothing here throws.
 */

export type HttpFailureKind = 'refused' | 'timeout' | 'too-large' | 'network' | 'aborted' | 'malformed';

export type HttpResponse =
  | {
      ok: true;
      status: number;
      contentType: string;
      text: string;
      /** The `Retry-After` header as sent (Node's client only: POSTs and HTTPS; see `retryAfterMs`). */
      retryAfter?: string;
    }
  | { ok: false; kind: HttpFailureKind; message: string };

/**
 * A `Retry-After` value (RFC 9110 §10.2.3) as milliseconds from `nowMs`: delay-seconds (digits
 * only) or an HTTP-date. Null for anything else (a negative or fractional number, garbage, a date
 * that does not parse); a date in the past is 0.
 */
export function retryAfterMs(value: string | undefined, nowMs: number): number | null {
  const v = value?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : null;
  }
  // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and the two obsolete forms; a bare number was handled above.
  if (!/[A-Za-z]{3}/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null;
}

export interface HttpOptions {
  timeoutMs: number;
  /** Bodies larger than this are cut off and reported as `too-large`. */
  maxBytes?: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: string;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Keep-alive agents: polling the same few local servers every second, reusing sockets costs
 * about half the CPU of `fetch` per request (measured in bench). They hold no request state.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 8, keepAliveMsecs: 10_000 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 8, keepAliveMsecs: 10_000 }),
};

/** Reads a URL with a timeout and a body cap. `url` must be http(s). Never throws. */
/** Parsed URLs of the endpoints polled every tick (read only here; bounded). */
const parsedUrls = new Map<string, URL>();
const MAX_PARSED_URLS = 512;

function parseUrl(url: string): URL | null {
  const hit = parsedUrls.get(url);
  if (hit) return hit;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsedUrls.size >= MAX_PARSED_URLS) parsedUrls.clear();
  parsedUrls.set(url, parsed);
  return parsed;
}

export function httpRequest(url: string, options: HttpOptions): Promise<HttpResponse> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const parsed = parseUrl(url);
  if (!parsed) return Promise.resolve({ ok: false, kind: 'network', message: `"${url}" is not a URL` });
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return Promise.resolve({ ok: false, kind: 'network', message: `${parsed.protocol} is not http or https` });
  }
  if (options.signal?.aborted) return Promise.resolve({ ok: false, kind: 'aborted', message: 'request cancelled' });
  // Plain-HTTP GETs (every backend poll) take the lean keep-alive client: a third of the CPU per
  // request, the same bounds (http-lean.ts). HTTPS and POST stay on Node's client.
  if (parsed.protocol === 'http:' && (options.method ?? 'GET') === 'GET' && options.body === undefined) {
    return leanGet(parsed, { timeoutMs: options.timeoutMs, maxBytes, headers: options.headers, signal: options.signal });
  }
  const lib = parsed.protocol === 'https:' ? https : http;
  return new Promise<HttpResponse>((resolve) => {
    let settled = false;
    const finish = (r: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['content-length'] = String(Buffer.byteLength(options.body));
    let answered = false;
    const req = lib.request(
      parsed,
      { method: options.method ?? 'GET', headers, agent: agents[parsed.protocol as 'http:' | 'https:'] },
      (res) => {
        answered = true;
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (Number.isFinite(declared) && declared > maxBytes) {
          finish({ ok: false, kind: 'too-large', message: `response is ${declared} bytes, over the ${maxBytes}-byte limit` });
          res.destroy();
          req.destroy();
          return;
        }
        const encoding = String(res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
        const decoder = decoderFor(encoding);
        if (decoder === undefined) {
          finish({ ok: false, kind: 'malformed', message: `response is compressed with "${encoding.slice(0, 40)}", which Headroom does not read` });
          res.destroy();
          req.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        const stop = (r: HttpResponse) => {
          finish(r);
          decoder?.destroy();
          res.destroy();
          req.destroy();
        };
        // The cap counts bytes after decompression: a 20 KB gzip bomb that inflates to 4 GB
        // stops at `maxBytes` of output.
        const onBody = (c: Buffer) => {
          if (settled) return;
          total += c.length;
          if (total > maxBytes) {
            stop({ ok: false, kind: 'too-large', message: `response is over the ${maxBytes}-byte limit${decoder ? ' once decompressed' : ''}` });
            return;
          }
          chunks.push(c);
        };
        const retryAfter = res.headers['retry-after'];
        const onEnd = () =>
          finish({
            ok: true,
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
            ...(typeof retryAfter === 'string' ? { retryAfter } : {}),
          });
        if (decoder) {
          let compressed = 0;
          res.on('data', (c: Buffer) => {
            compressed += c.length;
            if (compressed > maxBytes) stop({ ok: false, kind: 'too-large', message: `response is over the ${maxBytes}-byte limit` });
          });
          res.pipe(decoder);
          decoder.on('data', onBody);
          decoder.on('end', onEnd);
          decoder.on('error', () => stop({ ok: false, kind: 'malformed', message: `its ${encoding}-compressed body is corrupt` }));
        } else {
          res.on('data', onBody);
          res.on('end', onEnd);
        }
        res.on('error', (e) => finish(classify(e)));
        res.on('aborted', () => finish({ ok: false, kind: 'network', message: 'connection reset' }));
      },
    );
    // One deadline for the whole exchange: a server that trickles a byte a second, or streams a
    // chunked body without end, is cut off here like one that never answers.
    const timer = setTimeout(() => {
      finish({
        ok: false,
        kind: 'timeout',
        message: answered ? `an answer that did not finish within ${options.timeoutMs} ms` : `no answer within ${options.timeoutMs} ms`,
      });
      req.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish({ ok: false, kind: 'aborted', message: 'request cancelled' });
      req.destroy();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e) => finish(classify(e)));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** A decompressor for `Content-Encoding`; null for none; undefined for one Headroom does not read. */
function decoderFor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null | undefined {
  switch (encoding) {
    case '':
    case 'identity':
      return null;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

function classify(error: unknown): HttpResponse {
  const e = error as NodeJS.ErrnoException;
  const code = e?.code;
  if (code === 'ECONNREFUSED') return { ok: false, kind: 'refused', message: 'connection refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { ok: false, kind: 'network', message: 'host not found' };
  if (code === 'ECONNRESET' || code === 'EPIPE') return { ok: false, kind: 'network', message: 'connection reset' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { ok: false, kind: 'network', message: 'host unreachable' };
  return { ok: false, kind: 'network', message: e?.message ?? String(error) };
}

/** Parses JSON without throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `malformed JSON (${describeJsonError(error, text.length)})` };
  }
}

/**
 * Where JSON.parse stopped, in words: "it ends too early", "an unexpected "x"". Never the
 * engine's own message, which quotes the body (control characters, hostile text) and reads as a
 * JavaScript error rather than a sentence.
 */
function describeJsonError(error: unknown, length: number): string {
  const message = error instanceof Error ? error.message : '';
  if (/Unexpected end|end of JSON|Unterminated/i.test(message) || length === 0) return length === 0 ? 'the body is empty' : 'it ends too early';
  const at = /position (\d+)/.exec(message);
  if (at) return `at character ${Number(at[1]) + 1} of ${length}`;
  const token = /Unexpected token '([!-~])'/.exec(message);
  return token ? `an unexpected "${token[1]}"` : 'not valid JSON';
}

/** `127.0.0.1:11434` from `http://127.0.0.1:11434/`. */
export function hostPort(url: string): string {
  try {
    const u = new URL(url);
    return u.port ? `${u.hostname}:${u.port}` : u.host;
  } catch {
    return url;
  }
}
