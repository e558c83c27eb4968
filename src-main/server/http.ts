/**
 * The headless server: the built dashboard at `/`, the contract over HTTP
 * (`POST /api/<request>`), `GET /api/snapshot`, `GET /api/events` (SSE, one Snapshot per tick),
 * `GET /api/health` and Prometheus `GET /metrics`. Binds 127.0.0.1 unless told otherwise; any
 * other address requires a token that every request carries.
 */
import { timingSafeEqual } from 'node:crypto';
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
import { createMetrics } from './metrics';
import { CSP, serveStatic } from './static';

export interface ServerCore {
  handlers: Handlers;
  onSnapshot(listener: (s: Snapshot) => void): Disposable;
  latest(): Snapshot | null;
  /** Watched servers (issue 15): `fleetPublished` goes on the event stream while any is watched. */
  fleet?: { onFleet(listener: (f: FleetSnapshot) => void): Disposable };
}

export interface ServerOptions {
  host: string;
  port: number;
  /** Folder with the built renderer (index.html). */
  staticDir: string;
  /** Required when `host` is not a loopback address. */
  token?: string | null;
  logger: Logger;
  heartbeatMs?: number;
  /** The name `/api/health` reports (what watching Headrooms show); default: the OS host name. */
  name?: string | null;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/** Bytes queued for one SSE client before it is considered gone. */
const MAX_SSE_BACKLOG = 4 * 1024 * 1024;

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\./.test(host);
}

export async function startServer(core: ServerCore, options: ServerOptions): Promise<RunningServer> {
  if (!isLoopback(options.host) && !options.token) {
    throw new Error(`Refusing to bind ${options.host} without a token: pass --token (every request must then carry it).`);
  }
  const metrics = createMetrics(() => core.latest());
  const sseClients = new Set<ServerResponse>();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const { logger } = options;

  const subscription = core.onSnapshot((s) => {
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

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    if (!options.token) return true;
    const header = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    const cookie = /(?:^|;\s*)headroom_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const given = header ?? url.searchParams.get('token') ?? (cookie ? decodeURIComponent(cookie) : null);
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(options.token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const json = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': CSP });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (!authorized(req, url)) {
      json(res, 401, { ok: false, error: { code: 'bad-request', message: 'This Headroom server needs its token (Authorization: Bearer <token>, or ?token=).' } });
      return;
    }
    if (options.token && url.searchParams.get('token') && req.method === 'GET' && !path.startsWith('/api/')) {
      // Remember the token for the page's own requests (same-origin fetch and EventSource).
      res.setHeader('set-cookie', `headroom_token=${encodeURIComponent(options.token)}; HttpOnly; SameSite=Strict; Path=/`);
    }
    if (req.method === 'GET' && path === HEALTH_PATH) {
      const s = core.latest();
      json(res, 200, { ok: true, latestSnapshotAtMs: s?.atMs ?? null, uptimeMs: Math.round(process.uptime() * 1000), contractVersion: CONTRACT_VERSION, hostname: options.name ?? hostname() });
      return;
    }
    if (req.method === 'GET' && path === SNAPSHOT_PATH) {
      const s = core.latest();
      if (s) json(res, 200, s);
      else json(res, 503, { ok: false, error: { code: 'unavailable', message: 'No Snapshot yet: the first tick has not finished.' } });
      return;
    }
    if (req.method === 'GET' && path === SSE_PATH) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 2000\n\n`);
      const s = core.latest();
      if (s) res.write(`event: snapshotPublished\ndata: ${JSON.stringify(s)}\n\n`);
      sseClients.add(res);
      req.on('close', () => sseClients.delete(res));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      const text = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (path.startsWith('/api/')) {
      const name = requestNames.find((n) => httpRequestPath(n) === path) as RequestName | undefined;
      if (!name) return json(res, 404, { ok: false, error: { code: 'bad-request', message: `Unknown API path ${path}.` } });
      if (req.method !== 'POST') return json(res, 405, { ok: false, error: { code: 'bad-request', message: `${path} takes POST with a JSON body.` } });
      const body = await readBody(req);
      if (body === null) return json(res, 413, { ok: false, error: { code: 'bad-request', message: `Request body over ${MAX_BODY} bytes.` } });
      let input: unknown = undefined;
      if (body.trim()) {
        try {
          input = JSON.parse(body);
        } catch {
          return json(res, 400, { ok: false, error: { code: 'bad-request', message: 'Request body is not valid JSON.' } });
        }
      }
      const params = parseParams(name, input);
      if (!params.ok) return json(res, 400, params);
      const handler = core.handlers[name] as (p: unknown) => Promise<unknown>;
      const result = await handler(params.value);
      json(res, 200, result);
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (await serveStatic(options.staticDir, path, res)) return;
      if (!path.includes('.') && (await serveStatic(options.staticDir, '/index.html', res))) return;
    }
    json(res, 404, { ok: false, error: { code: 'bad-request', message: `Nothing at ${path}.` } });
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logger.error(`server: ${req.method} ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) json(res, 500, { ok: false, error: { code: 'internal', message: 'Internal error; see the server log.' } });
      else res.end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForUrl}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        subscription.dispose();
        fleetSubscription?.dispose();
        clearInterval(heartbeat);
        for (const res of sseClients) res.end();
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
      if (size > MAX_BODY) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}
