/**
 * The server's defences over real HTTP: Host (DNS rebinding), cross-site state changes (CSRF),
 * roles, oversized bodies, path traversal, security headers, CORS only when configured, slow and
 * idle sockets, the event-stream cap.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeHandlers } from '../../shared/contract/fake-handlers';
import { ok } from '../../shared/contract/result';
import { toDisposable } from '../../shared/lifecycle/disposable';
import type { Snapshot } from '../../shared/model/snapshot';
import type { Logger } from '../util/logger';
import { startServer, type RunningServer, type ServerCore, type ServerOptions } from './http';
import { createToken } from './tokens';

const snap: Snapshot = { atMs: Date.now(), demo: false, gpus: [], system: null, backends: [], sources: [], alerts: [] };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-sec-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><title>x</title></head><body></body></html>');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

function setup(extra: Partial<ServerOptions> = {}) {
  const calls: string[] = [];
  const warnings: string[] = [];
  const logger: Logger = { info() {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) };
  const core: ServerCore = {
    handlers: fakeHandlers({
      getSnapshot: async () => ok(snap),
      snoozeAlerts: async () => {
        calls.push('snoozeAlerts');
        return ok({ message: 'snoozed' });
      },
      getAlertLog: async () => ok([]),
    }),
    latest: () => snap,
    onSnapshot: () => toDisposable(() => {}),
  };
  return { core, calls, warnings, options: { host: '127.0.0.1', port: 0, staticDir: dir, logger, ...extra } satisfies ServerOptions };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request (any Host, any headers), so nothing in the client rewrites what is sent. */
function request(url: string, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: opts.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const json = { 'content-type': 'application/json' };

describe('Host check (DNS rebinding)', () => {
  it('answers the bound address, localhost and configured public names; refuses any other Host with 403 and logs it', async () => {
    const { core, options, warnings } = setup({ publicHosts: ['headroom.team.example'] });
    server = await startServer(core, options);
    const port = server.port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'headroom.team.example', `[::1]:${port}`]) {
      expect((await request(server.url, { path: '/api/snapshot', headers: { host } })).status, host).toBe(200);
    }
    for (const host of [`evil.example:${port}`, `127.0.0.1.evil.example:${port}`, 'localhost.evil.example']) {
      const r = await request(server.url, { path: '/api/snapshot', headers: { host } });
      expect(r.status, host).toBe(403);
      expect(r.body).not.toContain('"atMs"');
    }
    // The page too: a rebinding page must not be able to read the dashboard (and its CSRF token).
    expect((await request(server.url, { path: '/', headers: { host: `evil.example:${port}` } })).status).toBe(403);
    expect(warnings.some((w) => /refused GET \/api\/snapshot .*\(403\): Host evil\.example/.test(w))).toBe(true);
  });
});

describe('state changes: same-origin JSON only', () => {
  it('refuses a form POST, text/plain, a foreign Origin and Sec-Fetch-Site cross-site; the handler never runs', async () => {
    const { core, options, calls } = setup();
    server = await startServer(core, options);
    const path = '/api/snoozeAlerts';
    const body = '{"durationMs":60000}';
    const form = await request(server.url, { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, body: 'durationMs=60000' });
    expect(form.status).toBe(403);
    expect((await request(server.url, { method: 'POST', path, headers: { 'content-type': 'text/plain', origin: 'http://evil.example' }, body })).status).toBe(403);
    expect((await request(server.url, { method: 'POST', path, headers: { ...json, origin: 'http://evil.example' }, body })).status).toBe(403);
    expect((await request(server.url, { method: 'POST', path, headers: { ...json, origin: 'null' }, body })).status).toBe(403);
    expect((await request(server.url, { method: 'POST', path, headers: { ...json, 'sec-fetch-site': 'cross-site' }, body })).status).toBe(403);
    expect(calls).toEqual([]);
    // Same origin, and a non-browser client (no Origin), are served.
    expect((await request(server.url, { method: 'POST', path, headers: { ...json, origin: server.url }, body })).status).toBe(200);
    expect((await request(server.url, { method: 'POST', path, headers: json, body })).status).toBe(200);
    expect(calls).toEqual(['snoozeAlerts', 'snoozeAlerts']);
  });

  it('accepts the CSRF token from the dashboard page where a proxy changes Host (Origin then differs)', async () => {
    const { core, options, calls } = setup();
    server = await startServer(core, options);
    const page = await request(server.url, { path: '/' });
    const token = /<meta name="headroom-csrf" content="([^"]+)">/.exec(page.body)?.[1];
    expect(token).toMatch(/^[\w-]{20,}$/);
    const headers = { ...json, origin: 'https://headroom.team.example' };
    expect((await request(server.url, { method: 'POST', path: '/api/snoozeAlerts', headers, body: '{"durationMs":0}' })).status).toBe(403);
    expect((await request(server.url, { method: 'POST', path: '/api/snoozeAlerts', headers: { ...headers, 'x-headroom-csrf': `${token}x` }, body: '{"durationMs":0}' })).status).toBe(403);
    expect((await request(server.url, { method: 'POST', path: '/api/snoozeAlerts', headers: { ...headers, 'x-headroom-csrf': token! }, body: '{"durationMs":0}' })).status).toBe(200);
    expect(calls).toEqual(['snoozeAlerts']);
  });
});

describe('roles', () => {
  const viewer = createToken('viewer');
  const admin = createToken('admin');
  const scrape = createToken('scrape');
  const tokens = [viewer.stored, admin.stored, scrape.stored];
  const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

  it('no token 401, wrong token 401, viewer reads, viewer on an admin action 403, admin acts; scrape token only for /metrics', async () => {
    const { core, options, calls } = setup({ tokens });
    server = await startServer(core, options);
    const snapshot = (h: Record<string, string> = {}) => request(server!.url, { path: '/api/snapshot', headers: h });
    const noToken = await snapshot();
    expect(noToken.status).toBe(401);
    expect(noToken.headers['www-authenticate']).toContain('Bearer');
    expect((await snapshot(bearer('hrv_wrong'))).status).toBe(401);
    expect((await snapshot(bearer(admin.token.slice(0, -1)))).status).toBe(401);
    expect((await snapshot(bearer(viewer.token))).status).toBe(200);
    expect((await snapshot(bearer(scrape.token))).status).toBe(403);
    // EventSource cannot set headers: ?token= works on GET.
    expect((await request(server.url, { path: `/api/snapshot?token=${encodeURIComponent(viewer.token)}` })).status).toBe(200);

    const snooze = (h: Record<string, string>) => request(server!.url, { method: 'POST', path: '/api/snoozeAlerts', headers: { ...json, ...h }, body: '{"durationMs":1000}' });
    expect((await snooze({})).status).toBe(401);
    expect((await snooze(bearer(viewer.token))).status).toBe(403);
    expect((await snooze(bearer(scrape.token))).status).toBe(403);
    expect(calls).toEqual([]);
    expect((await snooze(bearer(admin.token))).status).toBe(200);
    expect(calls).toEqual(['snoozeAlerts']);
    // Settings hold the webhook URL (often a secret): admin only.
    expect((await request(server.url, { method: 'POST', path: '/api/getSettings', headers: { ...json, ...bearer(viewer.token) }, body: '' })).status).toBe(403);
    // A read-only request is fine for a viewer.
    expect((await request(server.url, { method: 'POST', path: '/api/getAlertLog', headers: { ...json, ...bearer(viewer.token) }, body: '{}' })).status).toBe(200);
    // The token is never taken from the query string for a state change.
    expect((await request(server.url, { method: 'POST', path: `/api/snoozeAlerts?token=${encodeURIComponent(admin.token)}`, headers: json, body: '{"durationMs":1}' })).status).toBe(401);

    for (const t of [viewer.token, admin.token, scrape.token]) expect((await request(server.url, { path: '/metrics', headers: bearer(t) })).status).toBe(200);
    expect((await request(server.url, { path: '/metrics' })).status).toBe(401);
    // Liveness and readiness answer without a token.
    expect((await request(server.url, { path: '/api/health' })).status).toBe(200);
    expect((await request(server.url, { path: '/api/ready' })).status).toBe(200);
  });

  it.each([
    // Each makes the server open connections to a URL the caller gives, or changes state.
    { name: 'startProbe', body: '{"backendUrl":"http://127.0.0.1:9/","model":"m"}' },
    { name: 'cancelProbe', body: '{"id":"x"}' },
    { name: 'testWatchedServer', body: '{"url":"http://127.0.0.1:9/"}' },
    { name: 'testWebhook', body: '{"url":"http://127.0.0.1:9/"}' },
    { name: 'testBackend', body: '{"url":"http://127.0.0.1:9/"}' },
    { name: 'updateSettings', body: '{}' },
  ])('a viewer token cannot $name (403, before the handler or param checks run)', async ({ name, body }) => {
    const { core, options } = setup({ tokens });
    server = await startServer(core, options);
    expect((await request(server.url, { method: 'POST', path: `/api/${name}`, headers: { ...json, ...bearer(viewer.token) }, body })).status).toBe(403);
  });

  it.each(['listProbes', 'getFleet'])('a viewer token may read %s', async (name) => {
    const { core, options } = setup({ tokens });
    server = await startServer(core, options);
    expect((await request(server.url, { method: 'POST', path: `/api/${name}`, headers: { ...json, ...bearer(viewer.token) }, body: '{}' })).status).not.toBe(403);
  });

  it('a page opened with ?token= keeps the token in a SameSite=Strict HttpOnly cookie', async () => {
    const { core, options } = setup({ tokens });
    server = await startServer(core, options);
    const page = await request(server.url, { path: `/?token=${encodeURIComponent(viewer.token)}` });
    expect(page.status).toBe(200);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect((await request(server.url, { path: '/api/snapshot', headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
  });

  it("two servers on one host keep their own cookies (cookies are shared across ports): one's cookie is not the other's", async () => {
    const a = setup({ tokens });
    server = await startServer(a.core, a.options);
    const other = createToken('viewer');
    const b = setup({ tokens: [other.stored] });
    const second = await startServer(b.core, b.options);
    try {
      const cookieA = String((await request(server.url, { path: `/?token=${encodeURIComponent(viewer.token)}` })).headers['set-cookie']).split(';')[0]!;
      const cookieB = String((await request(second.url, { path: `/?token=${encodeURIComponent(other.token)}` })).headers['set-cookie']).split(';')[0]!;
      expect(cookieA.split('=')[0]).not.toBe(cookieB.split('=')[0]);
      // The browser sends both cookies to both ports: each server picks its own.
      const both = `${cookieA}; ${cookieB}`;
      expect((await request(server.url, { path: '/api/snapshot', headers: { cookie: both } })).status).toBe(200);
      expect((await request(second.url, { path: '/api/snapshot', headers: { cookie: both } })).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('refuses to bind a non-loopback address without a token, with one clear sentence', async () => {
    const { core, options } = setup({ host: '0.0.0.0' });
    await expect(startServer(core, options)).rejects.toThrow(/^Refusing to bind 0\.0\.0\.0 without a token: create one with "headroom token create --role admin"/);
  });
});

describe('bodies, paths, headers', () => {
  it('refuses oversized bodies with 413 (declared or streamed) and never escapes the dashboard folder', async () => {
    const { core, options, calls } = setup();
    server = await startServer(core, options);
    const big = `{"durationMs":1,"x":"${'a'.repeat(70_000)}"}`;
    expect((await request(server.url, { method: 'POST', path: '/api/snoozeAlerts', headers: json, body: big })).status).toBe(413);
    expect((await request(server.url, { method: 'POST', path: '/api/snoozeAlerts', headers: { ...json, 'transfer-encoding': 'chunked' }, body: big })).status).toBe(413);
    expect(calls).toEqual([]);
    for (const path of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd', '/%00/etc/passwd', '/.%2e/.%2e/etc/hostname']) {
      const r = await request(server.url, { path });
      expect(r.body, path).not.toMatch(/root:|^[a-z0-9-]+\n$/);
      expect([200, 400, 404], path).toContain(r.status);
      if (r.status === 200) expect(r.body).toContain('<title>x</title>'); // the dashboard page, not a file outside it
    }
  });

  it('sends security headers everywhere and no CORS unless configured', async () => {
    const { core, options } = setup();
    server = await startServer(core, options);
    for (const path of ['/', '/api/snapshot', '/metrics', '/api/nope']) {
      const r = await request(server.url, { path, headers: { origin: 'http://evil.example' } });
      expect(r.headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
      expect(r.headers['x-content-type-options'], path).toBe('nosniff');
      expect(r.headers['referrer-policy'], path).toBe('no-referrer');
      expect(r.headers['access-control-allow-origin'], path).toBeUndefined();
    }
    expect((await request(server.url, { method: 'OPTIONS', path: '/api/snoozeAlerts', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } })).status).toBe(403);
  });

  it('grants CORS to configured origins only', async () => {
    const { core, options, calls } = setup({ corsOrigins: ['https://fleet.team.example'] });
    server = await startServer(core, options);
    const pre = await request(server.url, { method: 'OPTIONS', path: '/api/snoozeAlerts', headers: { origin: 'https://fleet.team.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://fleet.team.example');
    expect((await request(server.url, { method: 'POST', path: '/api/snoozeAlerts', headers: { ...json, origin: 'https://fleet.team.example' }, body: '{"durationMs":0}' })).status).toBe(200);
    expect(calls).toEqual(['snoozeAlerts']);
  });
});

describe('slow and idle connections', () => {
  it('with 2,000 idle and 500 half-sent sockets open, a normal request is answered well within a second', async () => {
    const { core, options } = setup();
    server = await startServer(core, options);
    const u = new URL(server.url);
    const sockets: net.Socket[] = [];
    const open = (n: number, first?: string) =>
      Promise.all(
        Array.from({ length: n }, () =>
          new Promise<void>((resolve) => {
            const s = net.connect(Number(u.port), u.hostname, () => {
              if (first) s.write(first);
              resolve();
            });
            s.on('error', () => resolve());
            sockets.push(s);
          }),
        ),
      );
    try {
      await open(2000);
      await open(500, `POST /api/snoozeAlerts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: `);
      // Wait until the server has taken every one of them (accepted, evicted or kept).
      const srv = server;
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          const c = srv.stats().connections;
          if (c.accepted >= 2500) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      });
      const started = performance.now();
      const r = await request(server.url, { path: '/api/health' });
      const ms = performance.now() - started;
      expect(r.status).toBe(200);
      expect(ms).toBeLessThan(1000); // starved, it would wait for a header timeout (10 s)
      const stats = server.stats().connections;
      expect(stats.open).toBeLessThanOrEqual(1024);
      expect(stats.evicted).toBeGreaterThan(1400);
    } finally {
      for (const s of sockets) s.destroy();
    }
  }, 30_000);

  it('closes sockets that never finish their headers after the header timeout', async () => {
    const { core, options } = setup({ headersTimeoutMs: 300 });
    server = await startServer(core, options);
    const u = new URL(server.url);
    const s = net.connect(Number(u.port), u.hostname, () => s.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'));
    await new Promise<void>((resolve) => s.on('close', () => resolve()));
    expect(server.stats().connections.open).toBe(0);
  });

  it('caps event-stream clients', async () => {
    const { core, options, warnings } = setup({ maxSseClients: 2 });
    server = await startServer(core, options);
    const streams: http.ClientRequest[] = [];
    const openStream = () =>
      new Promise<number>((resolve) => {
        const req = http.get(`${server!.url}/api/events`, (res) => resolve(res.statusCode ?? 0));
        streams.push(req);
      });
    try {
      expect(await openStream()).toBe(200);
      expect(await openStream()).toBe(200);
      expect(await openStream()).toBe(503);
      expect(server.stats().sseClients).toBe(2);
      expect(warnings.some((w) => /too many event-stream clients/.test(w))).toBe(true);
    } finally {
      for (const r of streams) r.destroy();
    }
  });
});
