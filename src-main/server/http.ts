/**
 * The headless server: the built dashboard at `/`, the contract over HTTP
 * (`POST /api/<request>`), `GET /api/snapshot`, `GET /api/events` (SSE, one Snapshot per tick),
 * `GET /api/health` (alive), `GET /api/ready` (sources have reported) and Prometheus
 * `GET /metrics`.
 *
 * Every request passes, in order: the `Host` check (DNS rebinding), the same-origin JSON check
 * for state changes (CSRF; see guard.ts), the token check (viewer / admin / scrape roles; see
 * tokens.ts) and the role check (admin for every state change). Refusals are logged (rate
 * limited). Binds 127.0.0.1 unless told otherwise; any other address requires a token.
 */
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HEALTH_PATH, SNAPSHOT_PATH, SSE_PATH, httpRequestPath } from '../../shared/contract/channels';
import { requestNames, type Handlers, type RequestName } from '../../shared/contract/requests';
import { parseParams } from '../../shared/contract/schemas';
import type { Snapshot } from '../../shared/model/snapshot';
import { CONTRACT_VERSION, type FleetSnapshot } from '../../shared/contract/fleet';
import { hostname } from 'node:os';
import type { Disposable } from '../../shared/lifecycle/disposable';
import type { Logger } from '../util/logger';
import { computeCapacity, DEFAULT_USER_CONTEXT } from '../../shared/capacity/capacity';
import { trackConnections } from './connections';
import { createGuard } from './guard';
import { createMetrics } from './metrics';
import { SECURITY_HEADERS, serveStatic } from './static';
import { createTokenStore, roleAllows, type Role, type StoredToken } from './tokens';

export interface ServerCore {
  handlers: Handlers;
  onSnapshot(listener: (s: Snapshot) => void): Disposable;
  latest(): Snapshot | null;
  /** The streamed history export (`GET /api/export…`); true when it answered. */
  exportRoute?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
  /** Watched servers (issue 15): `fleetPublished` goes on the event stream while any is watched. */
  fleet?: { onFleet(listener: (f: FleetSnapshot) => void): Disposable };
}

export interface ServerOptions {
  host: string;
  port: number;
  /** Folder with the built renderer (index.html). */
  staticDir: string;
  /** A plain admin token (the `--token` flag). */
  token?: string | null;
  /** Hashed tokens from the config file. */
  tokens?: readonly StoredToken[];
  /** Names clients use for this server besides its bound address and `localhost`. */
  publicHosts?: readonly string[];
  /** Origins allowed cross-origin (CORS); none by default. */
  corsOrigins?: readonly string[];
  /** Most open connections (idle ones are evicted first); default 1024. */
  maxConnections?: number;
  /** Most event-stream clients at once; default 256. */
  maxSseClients?: number;
  /** Header / body timeouts in ms (defaults 10 s / 15 s). */
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  logger: Logger;
  heartbeatMs?: number;
  /** A Snapshot older than this is not "ready" (default 60 s). */
  readyMaxAgeMs?: number;
  /** Capacity page defaults: context per user (8k) and Ollama's NUM_PARALLEL (1). */
  capacity?: { perUserContextTokens?: number; ollamaNumParallel?: number };
  /** The name `/api/health` reports (what watching Headrooms show); default: the OS host name. */
  name?: string | null;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Ends every event stream (with a last `serverClosing` event) and closes the server. */
  close(): Promise<void>;
  stats(): { sseClients: number; connections: { open: number; accepted: number; evicted: number; refused: number } };
}

export const MAX_BODY = 64 * 1024;
/** Bytes queued for one SSE client before it is considered gone. */
const MAX_SSE_BACKLOG = 1024 * 1024;

/**
 * The role each request needs: admin for every state change, for anything that makes this
 * server open connections to a URL it is given (backends, webhooks, watched servers, probes),
 * and for `getSettings` (the webhook URL in it is often a secret, e.g. Slack's). A Record over
 * every request name, so a new request does not compile until it is classified here. Every
 * POST also needs same-origin JSON.
 */
export const REQUEST_ROLES: Readonly<Record<RequestName, 'read' | 'admin'>> = {
  getSnapshot: 'read',
  getHistory: 'read',
  getSettings: 'admin',
  updateSettings: 'admin',
  testBackend: 'admin',
  exportHistory: 'read',
  unloadModel: 'admin',
  snoozeAlerts: 'admin',
  getAlertLog: 'read',
  testWebhook: 'admin',
  planModel: 'read',
  startProbe: 'admin',
  cancelProbe: 'admin',
  listProbes: 'read',
  getProbe: 'read',
  exportProbe: 'read',
  getFleet: 'read',
  testWatchedServer: 'admin',
};

export const ADMIN_REQUESTS: ReadonlySet<RequestName> = new Set((Object.keys(REQUEST_ROLES) as RequestName[]).filter((n) => REQUEST_ROLES[n] === 'admin'));

export const READY_PATH = '/api/ready';
export const CAPACITY_PATH = '/api/capacity';
/** Snapshots kept for the capacity trend: the last 10 minutes, at most one per second. */
const CAPACITY_WINDOW_MS = 10 * 60_000;

/**
 * The page's token cookie, named per listening port: cookies are shared by every port of a
 * host (RFC 6265 §8.5), so two Headroom servers on one machine must not overwrite each other's.
 */
function tokenCookie(req: IncomingMessage): string {
  return `headroom_token_${req.socket.localPort ?? 0}`;
}

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);
}

export async function startServer(core: ServerCore, options: ServerOptions): Promise<RunningServer> {
  const tokens = createTokenStore(options.tokens ?? [], options.token);
  if (!isLoopback(options.host) && !tokens.required) {
    throw new Error(`Refusing to bind ${options.host} without a token: create one with "headroom token create --role admin" (or pass --token).`);
  }
  const csrfToken = randomBytes(24).toString('base64url');
  const guard = createGuard({ bindHost: options.host, publicHosts: options.publicHosts, corsOrigins: options.corsOrigins, csrfToken });
  const metrics = createMetrics(() => core.latest(), options.capacity);
  const sseClients = new Set<ServerResponse>();
  const maxSse = options.maxSseClients ?? 256;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const { logger } = options;

  // Refusals are logged, at most 20 lines a minute (a flood must not fill the disk).
  let logWindowStart = 0;
  let logged = 0;
  let unlogged = 0;
  const logRefusal = (req: IncomingMessage, status: number, reason: string) => {
    const now = Date.now();
    if (now - logWindowStart > 60_000) {
      if (unlogged) logger.warn(`server: ${unlogged} more refused requests not logged in the last minute`);
      logWindowStart = now;
      logged = 0;
      unlogged = 0;
    }
    if (logged++ >= 20) {
      unlogged++;
      return;
    }
    const path = (req.url ?? '').split('?')[0]!.slice(0, 120);
    logger.warn(`server: refused ${req.method} ${path} from ${req.socket.remoteAddress ?? '?'} (${status}): ${reason}`);
  };

  // The capacity trend's last 10 minutes: the servers' readings only (whole Snapshots kept their
  // per-tick parts — sources, system, alerts — for nothing).
  const recent: Pick<Snapshot, 'atMs' | 'backends'>[] = [];
  const subscription = core.onSnapshot((s) => {
    const last = recent[recent.length - 1];
    if (!last || s.atMs - last.atMs >= 1000) recent.push({ atMs: s.atMs, backends: s.backends });
    while (recent.length && recent[0]!.atMs < s.atMs - CAPACITY_WINDOW_MS) recent.shift();
    if (sseClients.size === 0) return;
    const frame = `event: snapshotPublished\ndata: ${JSON.stringify(s)}\n\n`;
    for (const res of sseClients) {
      // A client that stopped reading must not make the server buffer without bound: drop it
      // (EventSource reconnects and gets the latest Snapshot first).
      if (res.writableLength > MAX_SSE_BACKLOG) {
        logger.warn('server: dropping an event-stream client that stopped reading');
        sseClients.delete(res);
        res.destroy();
        continue;
      }
      res.write(frame);
    }
  });
  const fleetSubscription = core.fleet?.onFleet((f) => {
    if (sseClients.size === 0) return;
    const frame = `event: fleetPublished\ndata: ${JSON.stringify(f)}\n\n`;
    for (const res of sseClients) if (res.writableLength <= MAX_SSE_BACKLOG) res.write(frame);
  });
  const heartbeat = setInterval(() => {
    for (const res of sseClients) res.write(`: heartbeat ${Date.now()}\n\n`);
  }, heartbeatMs);
  heartbeat.unref();

  const presentedToken = (req: IncomingMessage, url: URL): string | null => {
    const auth = req.headers.authorization;
    if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
    // The query string is for GETs only (an EventSource cannot set headers); never for state changes.
    const q = req.method === 'GET' ? url.searchParams.get('token') : null;
    if (q) return q;
    const cookie = new RegExp(`(?:^|;\\s*)${tokenCookie(req)}=([^;]+)`).exec(req.headers.cookie ?? '')?.[1];
    if (!cookie) return null;
    try {
      return decodeURIComponent(cookie);
    } catch {
      return null;
    }
  };

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...SECURITY_HEADERS, ...guard.corsHeaders(req), ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  };
  const refuse = (req: IncomingMessage, res: ServerResponse, status: number, reason: string, code = 'bad-request') => {
    logRefusal(req, status, reason);
    send(req, res, status, { ok: false, error: { code, message: `Refused: ${reason}.` } });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuse(req, res, 400, 'the request path is not a valid URL');
    }
    const path = url.pathname;
    const hostRefusal = guard.checkHost(req);
    if (hostRefusal) return refuse(req, res, hostRefusal.status, hostRefusal.reason, 'forbidden');

    if (req.method === 'OPTIONS') {
      const cors = guard.corsHeaders(req);
      if (!Object.keys(cors).length) return refuse(req, res, 403, 'cross-origin requests are not enabled (configure corsOrigins)', 'forbidden');
      res.writeHead(204, { ...SECURITY_HEADERS, ...cors });
      res.end();
      return;
    }

    // Liveness and readiness answer without a token and say nothing about the machine.
    if (req.method === 'GET' && path === HEALTH_PATH) {
      const s = core.latest();
      return send(req, res, 200, { ok: true, latestSnapshotAtMs: s?.atMs ?? null, uptimeMs: Math.round(process.uptime() * 1000), contractVersion: CONTRACT_VERSION, hostname: options.name ?? hostname() });
    }
    if (req.method === 'GET' && path === READY_PATH) {
      const s = core.latest();
      const maxAge = options.readyMaxAgeMs ?? 60_000;
      if (!s) return send(req, res, 503, { ok: false, ready: false, reason: 'No Snapshot yet: the sources have not reported.' });
      const ageMs = Date.now() - s.atMs;
      if (ageMs > maxAge) return send(req, res, 503, { ok: false, ready: false, reason: `The latest Snapshot is ${Math.round(ageMs / 1000)} s old.` });
      return send(req, res, 200, { ok: true, ready: true, latestSnapshotAtMs: s.atMs, sourcesOk: s.sources.filter((x) => x.status === 'ok').length, sources: s.sources.length });
    }

    const apiName = path.startsWith('/api/') ? (requestNames.find((n) => httpRequestPath(n) === path) as RequestName | undefined) : undefined;
    const isStateChange = req.method === 'POST';
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') return refuse(req, res, 405, `method ${String(req.method).slice(0, 10)} is not served`);
    if (isStateChange) {
      const r = guard.checkStateChange(req);
      if (r) return refuse(req, res, r.status, r.reason, 'forbidden');
    }

    const needed: 'metrics' | 'read' | 'admin' = path === '/metrics' ? 'metrics' : apiName && ADMIN_REQUESTS.has(apiName) ? 'admin' : 'read';
    let role: Role = 'admin';
    if (tokens.required) {
      const given = presentedToken(req, url);
      const r = tokens.roleOf(given);
      if (!r) {
        logRefusal(req, 401, given ? 'wrong token' : 'no token');
        return send(req, res, 401, { ok: false, error: { code: 'unauthorized', message: 'This Headroom server needs a token (Authorization: Bearer <token>; ?token= on GET).' } }, { 'www-authenticate': 'Bearer realm="headroom"' });
      }
      role = r;
      if (!roleAllows(role, needed)) {
        const what = needed !== 'admin' ? 'read this (viewer token needed)' : apiName === 'getSettings' ? 'read the settings (they hold secrets such as the webhook URL; admin token needed)' : 'change state (admin token needed)';
        return refuse(req, res, 403, `a ${role} token cannot ${what}`, 'forbidden');
      }
      if (given && url.searchParams.get('token') && req.method === 'GET' && !path.startsWith('/api/') && path !== '/metrics') {
        // Remember the token for the page's own requests (same-origin fetch and EventSource).
        res.setHeader('set-cookie', `${tokenCookie(req)}=${encodeURIComponent(given)}; HttpOnly; SameSite=Strict; Path=/`);
      }
    }

    if (req.method === 'GET' && path === SNAPSHOT_PATH) {
      const s = core.latest();
      if (s) return send(req, res, 200, s);
      return send(req, res, 503, { ok: false, error: { code: 'unavailable', message: 'No Snapshot yet: the first tick has not finished.' } });
    }
    if (req.method === 'GET' && path === CAPACITY_PATH) {
      const s = core.latest();
      if (!s) return send(req, res, 503, { ok: false, error: { code: 'unavailable', message: 'No Snapshot yet: the first tick has not finished.' } });
      const raw = url.searchParams.get('context');
      const m = raw === null ? null : /^(\d{1,7})(k)?$/i.exec(raw.trim());
      const ctx = m ? Number(m[1]) * (m[2] ? 1024 : 1) : (options.capacity?.perUserContextTokens ?? DEFAULT_USER_CONTEXT);
      if ((raw !== null && !m) || ctx < 256 || ctx > 10_000_000) return send(req, res, 400, { ok: false, error: { code: 'bad-request', message: 'context must be a per-user context like 8k or 32768 (256 to 10M tokens).' } });
      return send(req, res, 200, { ok: true, value: computeCapacity(s, recent, { perUserContextTokens: ctx, ollamaNumParallel: options.capacity?.ollamaNumParallel }) });
    }
    if (req.method === 'GET' && path === SSE_PATH) {
      if (sseClients.size >= maxSse) return refuse(req, res, 503, `too many event-stream clients (${maxSse})`, 'unavailable');
      res.writeHead(200, { ...SECURITY_HEADERS, ...guard.corsHeaders(req), 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 2000\n\n`);
      const s = core.latest();
      if (s) res.write(`event: snapshotPublished\ndata: ${JSON.stringify(s)}\n\n`);
      sseClients.add(res);
      conns.set(req.socket, 'streaming');
      req.on('close', () => sseClients.delete(res));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      const text = await metrics.render();
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': metrics.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    if (core.exportRoute && (await core.exportRoute(req, res, url))) return;
    if (path.startsWith('/api/')) {
      if (!apiName) return send(req, res, 404, { ok: false, error: { code: 'bad-request', message: `Unknown API path ${path.slice(0, 120)}.` } });
      if (req.method !== 'POST') return send(req, res, 405, { ok: false, error: { code: 'bad-request', message: `${path} takes POST with a JSON body.` } });
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > MAX_BODY) return refuse(req, res, 413, `request body over ${MAX_BODY} bytes`);
      conns.set(req.socket, 'receiving');
      const body = await readBody(req);
      conns.set(req.socket, 'busy');
      if (body === null) return refuse(req, res, 413, `request body over ${MAX_BODY} bytes`);
      let input: unknown = undefined;
      if (body.trim()) {
        try {
          input = JSON.parse(body);
        } catch {
          return send(req, res, 400, { ok: false, error: { code: 'bad-request', message: 'Request body is not valid JSON.' } });
        }
      }
      const params = parseParams(apiName, input);
      if (!params.ok) return send(req, res, 400, params);
      const handler = core.handlers[apiName] as (p: unknown) => Promise<unknown>;
      return send(req, res, 200, await handler(params.value));
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      const page = { transformHtml: injectCsrf, extraHeaders: guard.corsHeaders(req), acceptEncoding: req.headers['accept-encoding'] };
      if (await serveStatic(options.staticDir, path, res, page)) return;
      if (!path.includes('.') && (await serveStatic(options.staticDir, '/index.html', res, page))) return;
    }
    send(req, res, 404, { ok: false, error: { code: 'bad-request', message: `Nothing at ${path.slice(0, 120)}.` } });
  };

  const injectCsrf = (html: string) => html.replace(/<head>/i, `<head><meta name="headroom-csrf" content="${csrfToken}">`);

  const server = http.createServer({ requestTimeout: options.bodyTimeoutMs ?? 15_000, headersTimeout: options.headersTimeoutMs ?? 10_000 }, (req, res) => {
    conns.set(req.socket, 'busy');
    res.once('finish', () => {
      if (!sseClients.has(res)) conns.set(req.socket, 'waiting');
    });
    handle(req, res).catch((error: unknown) => {
      logger.error(`server: ${req.method} ${(req.url ?? '').split('?')[0]}: ${(error as Error).message}`);
      if (!res.headersSent) send(req, res, 500, { ok: false, error: { code: 'internal', message: 'Internal error; see the server log.' } });
      else res.end();
    });
  });
  const conns = trackConnections(server, { maxConnections: options.maxConnections, headersTimeoutMs: options.headersTimeoutMs, bodyTimeoutMs: options.bodyTimeoutMs });
  server.keepAliveTimeout = 5000;
  // Malformed requests get a 400 and a closed socket, never an exception.
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept queue: a burst of connections must not make the kernel drop a normal one's SYN.
    server.listen({ port: options.port, host: options.host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    stats: () => ({ sseClients: sseClients.size, connections: conns.stats() }),
    close: () =>
      new Promise<void>((resolve) => {
        subscription.dispose();
        fleetSubscription?.dispose();
        clearInterval(heartbeat);
        conns.dispose();
        for (const res of sseClients) res.end(`event: serverClosing\ndata: {}\n\n`);
        sseClients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        over = true;
        chunks.length = 0;
      } else if (!over) chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}
