/**
 * A scriptable HTTP server on 127.0.0.1 and a run-time port, for collector tests and e2e.
 * Routes map "METHOD /path" (or "/path" for any method) to a canned reply or a function.
 * Replies can be changed while running (`setRoute`) to script a session.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeReply {
  status?: number;
  /** A string is sent as is; anything else is JSON-encoded. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (to test timeouts). */
  delayMs?: number;
  /** Never answer (the request hangs until the client gives up or the server closes). */
  hang?: boolean;
  /** Destroy the socket without an answer. */
  destroy?: boolean;
}

export interface FakeRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type FakeRoute = FakeReply | ((req: FakeRequest) => FakeReply);

export interface FakeServer {
  url: string;
  port: number;
  /** Every request received, in order. */
  requests: FakeRequest[];
  setRoute(key: string, route: FakeRoute | undefined): void;
  close(): Promise<void>;
}

export async function startFakeServer(routes: Record<string, FakeRoute> = {}, port = 0): Promise<FakeServer> {
  const table = new Map<string, FakeRoute>(Object.entries(routes));
  const requests: FakeRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      const request: FakeRequest = { method: req.method ?? 'GET', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      const route = table.get(`${request.method} ${path}`) ?? table.get(path);
      const reply: FakeReply = route === undefined ? { status: 404, body: { error: 'not found' } } : typeof route === 'function' ? route(request) : route;
      if (reply.hang) return;
      if (reply.destroy) {
        req.socket.destroy();
        return;
      }
      const send = () => {
        timers.delete(timer);
        if (res.destroyed) return;
        const isText = typeof reply.body === 'string';
        const payload = reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, {
          'content-type': reply.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json'),
          ...reply.headers,
        });
        res.end(payload);
      };
      const timer = setTimeout(send, reply.delayMs ?? 0);
      timers.add(timer);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    requests,
    setRoute(key, route) {
      if (route === undefined) table.delete(key);
      else table.set(key, route);
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
