/**
 * Watching a team server with its real roles (issue 14 tokens): the watcher needs only the read
 * role, so a viewer token is enough and an admin token works; a wrong, missing or scrape token
 * gives a sentence and a slow retry, never a crash or a storm. A server behind a public name gets
 * that name as `Host`; a self-signed certificate is refused with a sentence. All over real HTTP
 * on 127.0.0.1 against `startServer` (the same code as `headroom serve`).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHandlers } from '../../shared/contract/fake-handlers';
import type { FleetHost } from '../../shared/contract/fleet';
import { toDisposable } from '../../shared/lifecycle/disposable';
import type { Snapshot } from '../../shared/model/snapshot';
import { startServer } from '../server/http';
import { createToken, type Role } from '../server/tokens';
import { silentLogger } from '../util/logger';
import { checkWatchedServer, refusalFailure } from './remote-client';
import { RemoteHost } from './remote-host';
import { fleetFixtureSnapshot } from './test-fixtures';
import { SELF_SIGNED_CERT, SELF_SIGNED_KEY } from './tls-fixture';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A team server with one token of each role (stored hashed, as `headroom token create` does). */
async function teamServer(opts: { publicHosts?: string[] } = {}) {
  const made = (['viewer', 'admin', 'scrape'] as Role[]).map((r) => createToken(r));
  const token = Object.fromEntries(made.map((m) => [m.stored.role, m.token])) as Record<Role, string>;
  const listeners = new Set<(s: Snapshot) => void>();
  let latest: Snapshot | null = fleetFixtureSnapshot({ atMs: Date.now() }, 2);
  const core = {
    handlers: fakeHandlers({}),
    onSnapshot: (l: (s: Snapshot) => void) => (listeners.add(l), toDisposable(() => listeners.delete(l))),
    latest: () => latest,
  };
  const server = await startServer(core, { host: '127.0.0.1', port: 0, staticDir: '/nonexistent', tokens: made.map((m) => m.stored), publicHosts: opts.publicHosts, logger: silentLogger, name: 'gpu-server-1', heartbeatMs: 150 });
  cleanups.push(() => server.close());
  return {
    server,
    token,
    push(s: Snapshot) {
      latest = s;
      for (const l of listeners) l(s);
    },
  };
}

function watch(url: string, token: string | null, extra: { connectTo?: string; backoffMaxMs?: number } = {}) {
  const views: FleetHost[] = [];
  const h = new RemoteHost({
    id: 'host:test',
    url,
    token,
    label: null,
    connectTo: extra.connectTo,
    logger: silentLogger,
    timing: { backoffInitialMs: 20, backoffMaxMs: extra.backoffMaxMs ?? 200, healthTimeoutMs: 1000, connectTimeoutMs: 1000, idleTimeoutMs: 2000 },
    onChange: (x) => views.push(x.view()),
  });
  cleanups.push(() => h.dispose());
  h.start();
  return { h, views };
}

async function until<T>(fn: () => T | false | null | undefined, what: string, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('watching with the server’s roles', () => {
  it('a viewer token is enough and an admin token works; a scrape, wrong or missing token gets a sentence', async () => {
    const t = await teamServer();
    const url = t.server.url;
    expect(await checkWatchedServer({ url, token: t.token.viewer }, 2000)).toEqual({ ok: true, label: 'gpu-server-1', message: 'Reached gpu-server-1: 2 GPUs, vLLM up.' });
    expect((await checkWatchedServer({ url, token: t.token.admin }, 2000)).ok).toBe(true);
    const scrape = await checkWatchedServer({ url, token: t.token.scrape }, 2000);
    expect(scrape).toMatchObject({ ok: false, label: 'gpu-server-1' });
    expect(scrape.message).toBe('Reached gpu-server-1, but unauthorized: this is a scrape token, which reads only /metrics (HTTP 403). Watching needs a viewer token: "headroom token create --role viewer" on that server.');
    expect((await checkWatchedServer({ url, token: 'hrv_not-a-token-of-this-server' }, 2000)).message).toMatch(/^Reached gpu-server-1, but unauthorized: check the token \(the server did not accept it, HTTP 401\)\. Watching needs a viewer token/);
    expect((await checkWatchedServer({ url, token: null }, 2000)).message).toMatch(/^Reached gpu-server-1, but unauthorized: this server needs a token \(HTTP 401\)/);
  });

  it('follows the event stream with a viewer token (live, then the next Snapshot)', async () => {
    const t = await teamServer();
    const { h } = watch(t.server.url, t.token.viewer);
    await until(() => h.currentStatus === 'ok', 'live');
    const next = fleetFixtureSnapshot({ atMs: Date.now() + 1000 }, 3);
    t.push(next);
    await until(() => h.current()?.gpus.length === 3, 'the next Snapshot');
    expect(h.view().label).toBe('gpu-server-1');
  });

  it('a wrong token is "unauthorized: check the token" on that host and is retried at the slowest pace, not in a storm', async () => {
    let eventRequests = 0;
    const t = await teamServer();
    // Count what reaches the server's event stream (a proxy in front of the real server).
    const proxy = http.createServer((req, res) => {
      if (req.url === '/api/events') eventRequests++;
      const up = http.request(`${t.server.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => (proxy.closeAllConnections(), proxy.close(() => r()))));
    const { h } = watch(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, 'hrv_wrong', { backoffMaxMs: 400 });
    await until(() => h.currentStatus === 'unauthorized', 'unauthorized');
    expect(h.view().message).toMatch(/^gpu-server-1: unauthorized: check the token \(the server did not accept it, HTTP 401\)\./);
    expect(h.view().snapshot).toBeNull();
    const before = eventRequests;
    await new Promise((r) => setTimeout(r, 1000));
    // At most one try per 400 ms (±20% jitter) in that second; the first backoff (20 ms) would make ~10.
    expect(eventRequests - before).toBeGreaterThanOrEqual(1);
    expect(eventRequests - before).toBeLessThanOrEqual(3);
    expect(h.currentStatus).toBe('unauthorized');
  });
});

describe('a server behind a public name', () => {
  it('sends the URL’s host as Host: a server with that name in publicHosts answers, one without says which name to add', async () => {
    const named = await teamServer({ publicHosts: ['gpu-server-1.example'] });
    const url = `http://gpu-server-1.example:${named.server.port}`;
    expect(await checkWatchedServer({ url, token: named.token.viewer, connectTo: '127.0.0.1' }, 2000)).toMatchObject({ ok: true, label: 'gpu-server-1' });
    const { h } = watch(url, named.token.viewer, { connectTo: '127.0.0.1' });
    await until(() => h.currentStatus === 'ok', 'live through the public name');

    const unnamed = await teamServer();
    const other = `http://gpu-server-1.example:${unnamed.server.port}`;
    const check = await checkWatchedServer({ url: other, token: unnamed.token.viewer, connectTo: '127.0.0.1' }, 2000);
    expect(check.message).toBe(`Could not reach gpu-server-1.example:${unnamed.server.port}: refused the Host name gpu-server-1.example:${unnamed.server.port} (HTTP 403): add it to that server's "publicHosts" (--public-host gpu-server-1.example), and behind Nginx keep "proxy_set_header Host $host".`);
    const refused = watch(other, unnamed.token.viewer, { connectTo: '127.0.0.1' });
    await until(() => refused.h.currentStatus === 'refused', 'refused');
    expect(refused.h.view().message).toContain('refused the Host name gpu-server-1.example');
  });

  it('refuses a self-signed certificate with a sentence saying what to do', async () => {
    const server = https.createServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERT }, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"contractVersion":1}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
    const port = (server.address() as AddressInfo).port;
    const check = await checkWatchedServer({ url: `https://gpu-server-1.example:${port}`, token: 'hrv_x', connectTo: '127.0.0.1' }, 2000);
    expect(check).toEqual({
      ok: false,
      label: null,
      message: `Could not reach gpu-server-1.example:${port}: TLS certificate not accepted (DEPTH_ZERO_SELF_SIGNED_CERT): it is self-signed or from a CA this machine does not trust. Use a certificate from a public CA (e.g. Let's Encrypt behind Nginx), or give Headroom your CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem.`,
    });
  });
});

describe('refusalFailure', () => {
  it.each([
    { code: 401, body: '', token: null, kind: 'unauthorized', want: /needs a token/ },
    { code: 403, body: '{"ok":false,"error":{"message":"Refused: a scrape token cannot read this (viewer token needed)."}}', token: 'x', kind: 'unauthorized', want: /scrape token/ },
    { code: 403, body: 'not json', token: 'hrs_abc', kind: 'unauthorized', want: /scrape token/ },
    { code: 403, body: '{"error":{"message":"Refused: something\\u0000 else."}}', token: 'x', kind: 'unauthorized', want: /^unauthorized: check the token \(HTTP 403: Refused: something  else\)$/ },
    { code: 500, body: '', token: 'x', kind: 'unreachable', want: /answered HTTP 500/ },
  ])('$code $body', ({ code, body, token, kind, want }) => {
    const f = refusalFailure(code, body, token, '/api/events');
    expect(f.kind).toBe(kind);
    expect(f.message).toMatch(want);
  });
});
