/**
 * The one place that talks to a watched Headroom server: how the token travels, `/api/health`,
 * `/api/snapshot` and the SSE stream `/api/events`, over node:http/https with timeouts and size
 * caps. Everything a remote sends is untrusted; callers get values or sentences, never throws.
 *
 * Auth today: `headroom serve --token TOKEN` takes `Authorization: Bearer <token>` on every request
 * (the query parameter is for browsers' EventSource, which cannot set headers; it is not used here,
 * so tokens stay out of URLs and logs). When viewer tokens land (issue 14), only `authHeaders`
 * should need to change.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import { HEALTH_PATH, SNAPSHOT_PATH, SSE_PATH } from '../../shared/contract/channels';
import { contractMismatch, parseRemoteSnapshot, remoteHealthSchema, safeLabel, type RemoteHealth } from '../../shared/contract/fleet';
import { toDisposable, type Disposable } from '../../shared/lifecycle/disposable';
import { SseParser, type SseEvent } from './sse-parser';

export interface RemoteTarget {
  /** Base URL, e.g. `https://gpu-server-1.example:7878` (a path prefix behind a proxy is kept). */
  url: string;
  token: string | null;
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
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `TLS certificate not accepted (${code})`;
    default:
      return (e as Error | null)?.message || String(e);
  }
}

function request(target: RemoteTarget, path: string, accept: string, signal: AbortSignal): http.ClientRequest {
  const url = endpoint(target.url, path);
  const mod = url.protocol === 'https:' ? https : http;
  // No pooled sockets: a reused socket to a server that restarted fails as "connection reset".
  return mod.get(url, { headers: { accept, ...authHeaders(target.token) }, signal, agent: false });
}

function statusFailure(res: IncomingMessage, what: string): RemoteFailure {
  const code = res.statusCode ?? 0;
  if (code === 401 || code === 403) return { kind: 'unauthorized', message: `refused the token (HTTP ${code}). Check the token in Settings → Servers to watch` };
  return { kind: 'unreachable', message: `${what} answered HTTP ${code}` };
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
      if (res.statusCode !== 200) {
        res.resume();
        return finish({ ok: false, failure: statusFailure(res, path) });
      }
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
}

/** Opens `/api/events` once (no reconnection: the caller owns the retry policy). Dispose to close. */
export function openEventStream(target: RemoteTarget, options: EventStreamOptions, handlers: EventStreamHandlers): Disposable {
  const abort = new AbortController();
  let closed = false;
  let idle: NodeJS.Timeout | null = null;
  const close = (failure: RemoteFailure) => {
    if (closed) return;
    closed = true;
    if (idle) clearTimeout(idle);
    abort.abort();
    handlers.onClose(failure);
  };
  const url = endpoint(target.url, SSE_PATH);
  const mod = url.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-store', ...authHeaders(target.token) };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const connectTimer = setTimeout(() => close({ kind: 'unreachable', message: `no answer within ${options.connectTimeoutMs} ms` }), options.connectTimeoutMs);
  const req = mod.get(url, { headers, signal: abort.signal, agent: false });
  req.on('error', (e) => {
    clearTimeout(connectTimer);
    close({ kind: 'unreachable', message: describeNetworkError(e) });
  });
  req.on('response', (res) => {
    clearTimeout(connectTimer);
    if (res.statusCode !== 200) {
      res.resume();
      return close(statusFailure(res, SSE_PATH));
    }
    if (!/^text\/event-stream/i.test(res.headers['content-type'] ?? '')) {
      res.resume();
      return close({ kind: 'refused', message: `${SSE_PATH} is not an event stream (content-type ${res.headers['content-type'] ?? 'none'}); is this a Headroom server?` });
    }
    const armIdle = () => {
      if (idle) idle.refresh();
      else idle = setTimeout(() => close({ kind: 'unreachable', message: `silent for ${Math.round(options.idleTimeoutMs / 1000)} s` }), options.idleTimeoutMs);
    };
    armIdle();
    handlers.onOpen();
    const decoder = new StringDecoder('utf8');
    const parser = new SseParser(options.maxEventBytes);
    res.on('data', (chunk: Buffer) => {
      if (closed) return;
      armIdle();
      for (const item of parser.push(decoder.write(chunk))) {
        if (closed) return;
        if (item.type === 'event') handlers.onEvent(item.event);
        else if (item.type === 'oversized') handlers.onOversized(item.bytes);
        else handlers.onRetry?.(item.ms);
      }
    });
    res.on('error', (e) => close({ kind: 'unreachable', message: describeNetworkError(e) }));
    res.on('end', () => close({ kind: 'unreachable', message: 'the server closed the event stream' }));
    res.on('close', () => close({ kind: 'unreachable', message: 'the connection closed' }));
  });
  return toDisposable(() => {
    clearTimeout(connectTimer);
    if (closed) return;
    closed = true;
    if (idle) clearTimeout(idle);
    abort.abort();
  });
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
  if (!snap.ok) return { ok: false, label, message: `Reached ${label}, but its Snapshot could not be read: ${snap.failure.message}.` };
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
