/**
 * HTTP GET/POST for backend polling: a timeout, a size cap on the body, and every failure
 * turned into a value with a sentence. Nothing here throws.
 */

export type HttpFailureKind = 'refused' | 'timeout' | 'too-large' | 'network' | 'aborted';

export type HttpResponse =
  | { ok: true; status: number; contentType: string; text: string }
  | { ok: false; kind: HttpFailureKind; message: string };

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

/** Reads a URL with a timeout and a body cap. `url` must be http(s). */
export async function httpRequest(url: string, options: HttpOptions): Promise<HttpResponse> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const res = await fetch(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      body: options.body,
      signal,
      redirect: 'error',
    });
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      return { ok: false, kind: 'too-large', message: `response is ${declared} bytes, over the ${maxBytes}-byte limit` };
    }
    const text = await readCapped(res, maxBytes);
    if (text === null) {
      return { ok: false, kind: 'too-large', message: `response is over the ${maxBytes}-byte limit` };
    }
    return { ok: true, status: res.status, contentType: res.headers.get('content-type') ?? '', text };
  } catch (error) {
    return classify(error, options.timeoutMs, timeout.aborted);
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<string | null> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function classify(error: unknown, timeoutMs: number, timedOut: boolean): HttpResponse {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (timedOut || e?.name === 'TimeoutError') {
    return { ok: false, kind: 'timeout', message: `no answer within ${timeoutMs} ms` };
  }
  if (e?.name === 'AbortError') return { ok: false, kind: 'aborted', message: 'request cancelled' };
  const code = e?.cause?.code;
  if (code === 'ECONNREFUSED') return { ok: false, kind: 'refused', message: 'connection refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { ok: false, kind: 'network', message: 'host not found' };
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return { ok: false, kind: 'network', message: 'connection reset' };
  return { ok: false, kind: 'network', message: e?.cause?.message ?? e?.message ?? String(error) };
}

/** Parses JSON without throwing. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `malformed JSON (${(error as Error).message})` };
  }
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
