/**
 * The one place that talks to a watched Headroom server: how the token travels, `/api/health`,
 * `/api/snapshot` and the SSE stream `/api/events`, over node:http/https with timeouts and size
 * caps. Everything a remote sends is untrusted; callers get values or sentences, never throws.
 *
 * Auth: the token travels as `Authorization: Bearer <token>` on every request (the `?token=` query
 * parameter is for browsers' EventSource, which cannot set headers; it is not used here, so tokens
 * stay out of URLs and logs). Watching needs only the read role: a **viewer** token
 * (`headroom token create --role viewer` on the watched server) is enough, an admin token works
 * too; a scrape token (`/metrics` only) is refused with a sentence saying so, and so is a wrong one.
 *
 * Host: requests carry the URL's host as `Host` (and TLS SNI), so a server behind Nginx with a
 * public name answers when that name is in its `publicHosts`. `connectTo` (tests, or a name not in
 * DNS) connects to another address while keeping the URL's Host and certificate name.
 * TLS: certificates are verified against the system's CAs (plus `NODE_EXTRA_CA_CERTS`); a
 * self-signed one is refused with a sentence.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { HEALTH_PATH, SNAPSHOT_PATH, SSE_PATH } from '../../shared/contract/channels';
import { contractMismatch, parseRemoteSnapshot, remoteHealthSchema, safeLabel, type RemoteHealth } from '../../shared/contract/fleet';
import type { Disposable } from '../../shared/lifecycle/disposable';
import { openRawStream } from './event-stream';
import { SseParser, type SseEvent } from './sse-parser';

export interface RemoteTarget {
  /** Base URL, e.g. `https://gpu-server-1.example:7878` (a path prefix behind a proxy is kept). */
  url: string;
  token: string | null;
  /**
   * Connect to this address instead of resolving the URL's host name; `Host` and the TLS server
   * name stay the URL's (like curl's `--connect-to`). Not in the settings: tests and benchmarks.
   */
  connectTo?: string;
}

/** How a request to a remote failed, for the host's status. */
export type RemoteFailure = { kind: 'unreachable' | 'unauthorized' | 'refused'; message: string };

export type RemoteResult<T> = { ok: true; value: T } | { ok: false; failure: RemoteFailure };

/** Largest JSON body read from `/api/health` or `/api/snapshot`. */
export const MAX_JSON_BYTES = 2 * 1024 * 1024;

export function authHeaders(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** `base` + `path`, keeping a path prefix (`https://host/headroom` + `/api/health`). */
export function endpoint(base: string, path: string): URL {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
  u.search = '';
  u.hash = '';
  return u;
}

/** "connection refused" etc. for a Node network error. */
export function describeNetworkError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'network unreachable';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
      return `TLS certificate not accepted (${code}): it is self-signed or from a CA this machine does not trust. Use a certificate from a public CA (e.g. Let's Encrypt behind Nginx), or give Headroom your CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem`;
    case 'CERT_HAS_EXPIRED':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate not accepted (${code})`;
    default:
      return (e as Error | null)?.message || String(e);
  }
}

/** Node's `lookup` that answers `address` whatever name is asked (for `connectTo`). */
function fixedLookup(address: string): LookupFunction {
  const family = isIP(address) === 6 ? 6 : 4;
  return ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
    if (options?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as LookupFunction;
}

/** Options every request to a remote uses: its headers, no pooled sockets, `connectTo`. */
function requestOptions(target: RemoteTarget, headers: Record<string, string>, signal: AbortSignal): https.RequestOptions {
  // No pooled sockets: a reused socket to a server that restarted fails as "connection reset".
  return { headers: { ...headers, ...authHeaders(target.token) }, signal, agent: false, ...(target.connectTo ? { lookup: fixedLookup(target.connectTo) } : {}) };
}

function request(target: RemoteTarget, path: string, accept: string, signal: AbortSignal): http.ClientRequest {
  const url = endpoint(target.url, path);
  const mod = url.protocol === 'https:' ? https : http;
  return mod.get(url, requestOptions(target, { accept }, signal));
}

/** The server's own sentence from an error body (`{ error: { message } }`), cleaned for display, or null. */
function serverSentence(body: string): string | null {
  try {
    const m = (JSON.parse(body) as { error?: { message?: unknown } } | null)?.error?.message;
    if (typeof m !== 'string') return null;
    return m.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 200).trim() || null;
  } catch {
    return null;
  }
}

/**
 * What a 401/403 (or other non-200) answer means for the watcher, from the status, the server's
 * sentence and the token's role prefix: a missing or wrong token, a token of a role that may not
 * read (scrape), or a Host name the server does not answer to.
 */
export function refusalFailure(code: number, body: string, token: string | null, what: string): RemoteFailure {
  const said = serverSentence(body);
  if (code === 401) {
    return token
      ? { kind: 'unauthorized', message: 'unauthorized: check the token (the server did not accept it, HTTP 401). Watching needs a viewer token made on that server with "headroom token create --role viewer"; paste it in Settings → Servers to watch or pass --watch-token URL=TOKEN' }
      : { kind: 'unauthorized', message: 'unauthorized: this server needs a token (HTTP 401). Make a viewer token on it with "headroom token create --role viewer" and add it in Settings → Servers to watch or with --watch-token URL=TOKEN' };
  }
  if (code === 403) {
    const host = said ? /^Refused: Host (\S+) is not a name of this server/.exec(said)?.[1] : undefined;
    if (host) return { kind: 'refused', message: `refused the Host name ${host} (HTTP 403): add it to that server's "publicHosts" (--public-host ${host.replace(/:\d+$/, '')}), and behind Nginx keep "proxy_set_header Host $host"` };
    if ((said && /scrape token/i.test(said)) || token?.startsWith('hrs_')) {
      return { kind: 'unauthorized', message: 'unauthorized: this is a scrape token, which reads only /metrics (HTTP 403). Watching needs a viewer token: "headroom token create --role viewer" on that server' };
    }
    return { kind: 'unauthorized', message: `unauthorized: check the token (HTTP 403${said ? `: ${said.replace(/\.$/, '')}` : ''})` };
  }
  return { kind: 'unreachable', message: `${what} answered HTTP ${code}` };
}

/** Reads up to 4 KiB of an error answer (its sentence), then the failure it means. */
function readRefusal(res: IncomingMessage, token: string | null, what: string, done: (f: RemoteFailure) => void): void {
  const code = res.statusCode ?? 0;
  if (code !== 401 && code !== 403) {
    res.resume();
    return done(refusalFailure(code, '', token, what));
  }
  let body = '';
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    res.destroy();
    done(refusalFailure(code, body, token, what));
  };
  res.setEncoding('utf8');
  res.on('data', (c: string) => {
    body += c;
    if (body.length > 4096) finish();
  });
  res.on('end', finish);
  res.on('error', finish);
  res.on('close', finish);
}

/** GET a JSON document with a timeout and a size cap. */
export function getJson(target: RemoteTarget, path: string, timeoutMs: number): Promise<RemoteResult<unknown>> {
  return new Promise((resolve) => {
    const signal = AbortSignal.timeout(timeoutMs);
    let done = false;
    const finish = (r: RemoteResult<unknown>) => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const req = request(target, path, 'application/json', signal);
    req.on('error', (e) => finish({ ok: false, failure: { kind: 'unreachable', message: signal.aborted ? `no answer within ${timeoutMs} ms` : describeNetworkError(e) } }));
    req.on('response', (res) => {
      if (res.statusCode !== 200) return readRefusal(res, target.token, path, (failure) => finish({ ok: false, failure }));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_JSON_BYTES) {
          req.destroy();
          finish({ ok: false, failure: { kind: 'refused', message: `${path} sent over ${MAX_JSON_BYTES / 1024 / 1024} MB; refused` } });
        } else chunks.push(c);
      });
      res.on('error', (e) => finish({ ok: false, failure: { kind: 'unreachable', message: describeNetworkError(e) } }));
      res.on('end', () => {
        try {
          finish({ ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch {
          finish({ ok: false, failure: { kind: 'refused', message: `${path} did not send JSON (is this a Headroom server?)` } });
        }
      });
    });
  });
}

/** The server's `/api/health`: contract version and host name where it sends them. */
export async function getHealth(target: RemoteTarget, timeoutMs: number): Promise<RemoteResult<RemoteHealth>> {
  const r = await getJson(target, HEALTH_PATH, timeoutMs);
  if (!r.ok) return r;
  const parsed = remoteHealthSchema.safeParse(r.value);
  if (!parsed.success) return { ok: false, failure: { kind: 'refused', message: `${HEALTH_PATH} is not a Headroom health answer (is this a Headroom server?)` } };
  return { ok: true, value: parsed.data };
}

export function getSnapshotJson(target: RemoteTarget, timeoutMs: number): Promise<RemoteResult<unknown>> {
  return getJson(target, SNAPSHOT_PATH, timeoutMs);
}

export interface EventStreamHandlers {
  onOpen(): void;
  onEvent(event: SseEvent): void;
  /** An event over the size cap was skipped (the stream goes on). */
  onOversized(bytes: number): void;
  /** The server asked for a reconnection delay. */
  onRetry?(ms: number): void;
  /** The stream ended or never opened; called once. */
  onClose(failure: RemoteFailure): void;
}

export interface EventStreamOptions {
  connectTimeoutMs: number;
  /** No byte (event or heartbeat comment) for this long: the connection is considered dead. */
  idleTimeoutMs: number;
  maxEventBytes: number;
  /** Sent as `Last-Event-ID` where the server gave ids. */
  lastEventId?: string | null;
  /**
   * Hold what arrives until `flush()` (see `EventStream`): `onPending` says that something is
   * held. Without it, events are handed over as they arrive.
   */
  onPending?: () => void;
}

/**
 * An open event stream. With `onPending`, text that arrives is only kept (a copy of what was
 * read, no parsing) and its events are handed over on `flush()`: a watcher flushes all its hosts
 * at once on its own tick, so the work for several servers runs back to back instead of one
 * wake-up each with cold caches, which halves what each event costs. What is held is bounded:
 * past `maxEventBytes` it is handed over at once, and it is when the stream closes.
 */
export interface EventStream extends Disposable {
  flush(): void;
}

/** Opens `/api/events` once (no reconnection: the caller owns the retry policy). Dispose to close. */
export function openEventStream(target: RemoteTarget, options: EventStreamOptions, handlers: EventStreamHandlers): EventStream {
  let closed = false;
  let idle: NodeJS.Timeout | null = null;
  const close = (failure: RemoteFailure) => {
    if (closed) return;
    // What arrived before the end is still shown.
    raw.flush();
    if (closed) return;
    closed = true;
    clearTimeout(connectTimer);
    if (idle) clearInterval(idle);
    raw.close();
    handlers.onClose(failure);
  };
  /**
   * Silence: no read for `idleTimeoutMs` (to a quarter more). Counted, not a timer refreshed on
   * every read: a read costs nothing more than a count.
   */
  const watchIdle = () => {
    let seen = raw.reads;
    let quiet = 0;
    idle = setInterval(() => {
      if (raw.reads !== seen) {
        seen = raw.reads;
        quiet = 0;
      } else if (++quiet >= 4) close({ kind: 'unreachable', message: `silent for ${Math.round(options.idleTimeoutMs / 1000)} s` });
    }, options.idleTimeoutMs / 4);
  };
  const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-store', ...authHeaders(target.token) };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const connectTimer = setTimeout(() => close({ kind: 'unreachable', message: `no answer within ${options.connectTimeoutMs} ms` }), options.connectTimeoutMs);
  const parser = new SseParser(options.maxEventBytes);
  let status = 0;
  let open = false;
  const raw = openRawStream(
    {
      url: endpoint(target.url, SSE_PATH),
      headers,
      ...(target.connectTo ? { connectTo: target.connectTo } : {}),
      ...(options.onPending ? { hold: { maxBytes: options.maxEventBytes, onHeld: options.onPending } } : {}),
    },
    {
      onHead: (code, responseHeaders) => {
        clearTimeout(connectTimer);
        status = code;
        if (code !== 200) {
          if (code === 401 || code === 403) return 'refusal';
          close(refusalFailure(code, '', target.token, SSE_PATH));
          return 'stop';
        }
        const type = responseHeaders['content-type'];
        if (!/^text\/event-stream/i.test(type ?? '')) {
          close({ kind: 'refused', message: `${SSE_PATH} is not an event stream (content-type ${type ?? 'none'}); is this a Headroom server?` });
          return 'stop';
        }
        open = true;
        watchIdle();
        handlers.onOpen();
        return 'body';
      },
      onText: (text) => {
        for (const item of parser.push(text)) {
          if (closed) return;
          if (item.type === 'event') handlers.onEvent(item.event);
          else if (item.type === 'oversized') handlers.onOversized(item.bytes);
          else handlers.onRetry?.(item.ms);
        }
      },
      onRefusal: (body) => close(refusalFailure(status, body, target.token, SSE_PATH)),
      onEnd: (error) => {
        if (error) close({ kind: 'unreachable', message: describeNetworkError(error) });
        else close({ kind: 'unreachable', message: open ? 'the server closed the event stream' : 'the connection closed' });
      },
    },
  );
  return {
    flush: () => (closed ? undefined : raw.flush()),
    dispose: () => {
      clearTimeout(connectTimer);
      if (closed) return;
      closed = true;
      if (idle) clearInterval(idle);
      raw.close();
    },
  };
}

/** What the settings page says after trying a server: "reached gpu-server-1: 2 GPUs, vLLM up". */
export interface WatchedServerCheck {
  ok: boolean;
  label: string | null;
  message: string;
}

const BACKEND_NAMES: Record<string, string> = { ollama: 'Ollama', vllm: 'vLLM', llamacpp: 'llama.cpp', lmstudio: 'LM Studio', openai: 'OpenAI-compatible server' };

/** Tries a server as the watcher will: health (contract version, name), then one Snapshot. */
export async function checkWatchedServer(target: RemoteTarget, timeoutMs: number): Promise<WatchedServerCheck> {
  const where = (() => {
    try {
      return new URL(target.url).host;
    } catch {
      return target.url;
    }
  })();
  const health = await getHealth(target, timeoutMs);
  if (!health.ok) return { ok: false, label: null, message: `Could not reach ${where}: ${health.failure.message}.` };
  const label = safeLabel(health.value.hostname, where);
  const mismatch = contractMismatch(health.value.contractVersion ?? null, label);
  if (mismatch) return { ok: false, label, message: mismatch };
  const snap = await getSnapshotJson(target, timeoutMs);
  if (!snap.ok) return { ok: false, label, message: snap.failure.kind === 'unauthorized' ? `Reached ${label}, but ${snap.failure.message}.` : `Reached ${label}, but its Snapshot could not be read: ${snap.failure.message}.` };
  const parsed = parseRemoteSnapshot(snap.value);
  if (!parsed.ok) return { ok: false, label, message: `Reached ${label}, but its Snapshot could not be read: ${parsed.message}.` };
  const s = parsed.snapshot;
  const gpus = `${s.gpus.length} GPU${s.gpus.length === 1 ? '' : 's'}`;
  const backends = s.backends.map((b) => `${BACKEND_NAMES[b.kind] ?? b.kind} ${b.status}`);
  const skew = parsed.notes.length ? ` (${parsed.notes[0]})` : '';
  const clear = tokenInClearWarning(target) ?? '';
  return { ok: true, label, message: `Reached ${label}: ${[gpus, ...backends].join(', ')}.${skew}${clear}` };
}

/** A sentence when the token would cross the network unencrypted (http:// to another machine), else null. */
export function tokenInClearWarning(target: RemoteTarget): string | null {
  const url = new URL(target.url);
  if (url.protocol !== 'http:' || !target.token || /^(127\.|localhost$|\[::1\]$)/.test(url.hostname)) return null;
  return ' The token travels unencrypted over http://: use https:// (e.g. behind Nginx with TLS) outside a trusted network.';
}
