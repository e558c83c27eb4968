/**
 * POST with a JSON body and read a Server-Sent Events answer line by line (OpenAI-compatible
 * `stream: true`), with the time each `data:` line arrived. Never throws: a failure is a value.
 */
import http from 'node:http';
import https from 'node:https';

export type StreamResult =
  | { ok: true; status: number; events: { atMs: number; data: string }[]; text: string }
  | { ok: false; message: string; aborted: boolean };

export function streamPost(url: string, body: unknown, options: { timeoutMs: number; signal?: AbortSignal; apiKey?: string | null; now?: () => number }): Promise<StreamResult> {
  const now = options.now ?? (() => performance.now());
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, message: `"${url}" is not a URL`, aborted: false });
  }
  const lib = parsed.protocol === 'https:' ? https : http;
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: StreamResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': String(Buffer.byteLength(payload)) };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const req = lib.request(parsed, { method: 'POST', headers }, (res) => {
      const events: { atMs: number; data: string }[] = [];
      let text = '';
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = now();
        if (text.length < 1_000_000) text += chunk;
        pending += chunk;
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, '');
          pending = pending.slice(nl + 1);
          if (line.startsWith('data:')) events.push({ atMs: at, data: line.slice(5).trim() });
        }
      });
      res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, events, text }));
      res.on('error', (e) => finish({ ok: false, message: e.message, aborted: false }));
    });
    const timer = setTimeout(() => {
      finish({ ok: false, message: `no complete answer within ${options.timeoutMs} ms`, aborted: false });
      req.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish({ ok: false, message: 'request cancelled', aborted: true });
      req.destroy();
    };
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, message: e.code === 'ECONNREFUSED' ? 'connection refused. Is it running?' : e.message, aborted: false }));
    req.end(payload);
  });
}
