import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeHandlers } from '../../shared/contract/fake-handlers';
import type { Handlers } from '../../shared/contract/requests';
import { err, ok } from '../../shared/contract/result';
import { toDisposable } from '../../shared/lifecycle/disposable';
import type { Snapshot } from '../../shared/model/snapshot';
import { silentLogger } from '../util/logger';
import { startServer, type RunningServer, type ServerCore } from './http';
import { resolveStaticPath } from './static';

const snap = (atMs: number, usedBytes = 1024): Snapshot => ({
  atMs,
  demo: false,
  gpus: [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'Test GPU', uuid: null, memoryTotalBytes: 4096, memoryUsedBytes: usedBytes, memoryFreeBytes: 4096 - usedBytes, utilizationPct: null, temperatureC: null, powerWatts: null }],
  system: null,
  backends: [],
  sources: [],
  alerts: [],
});

function fakeCore(initial: Snapshot | null) {
  let latest = initial;
  const listeners = new Set<(s: Snapshot) => void>();
  const handlers: Handlers = fakeHandlers({
    getSnapshot: async () => (latest ? ok(latest) : err('unavailable', 'none yet')),
    getHistory: async ({ sinceMs }) => ok([{ atMs: sinceMs, gpuId: 'gpu:0', memoryUsedBytes: 1, memoryTotalBytes: 2 }]),
  });
  const core: ServerCore & { publish(s: Snapshot): void } = {
    handlers,
    latest: () => latest,
    onSnapshot: (l) => {
      listeners.add(l);
      return toDisposable(() => listeners.delete(l));
    },
    publish(s) {
      latest = s;
      listeners.forEach((l) => l(s));
    },
  };
  return core;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-static-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: RunningServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('headless server', () => {
  it('serves the dashboard with a CSP header, and the health, snapshot and metrics endpoints', async () => {
    const core = fakeCore(snap(1000));
    server = await startServer(core, { host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger });
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await (await fetch(`${server.url}/api/snapshot`)).json()).toEqual(snap(1000));
    expect(await (await fetch(`${server.url}/api/health`)).json()).toMatchObject({ ok: true, latestSnapshotAtMs: 1000 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('headroom_gpu_memory_used_bytes{gpu="gpu:0",uuid=""} 1024');
    expect(metrics).toContain('# TYPE headroom_model_largest_context_tokens gauge');
  });

  it('answers the contract over POST, validating params', async () => {
    server = await startServer(fakeCore(snap(5)), { host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger });
    const post = (path: string, body: string) => fetch(`${server!.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(await (await post('/api/getHistory', '{"sinceMs": 7}')).json()).toEqual({ ok: true, value: [{ atMs: 7, gpuId: 'gpu:0', memoryUsedBytes: 1, memoryTotalBytes: 2 }] });
    const bad = await post('/api/getHistory', '{"sinceMs": -1}');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('sinceMs') } });
    expect((await post('/api/getHistory', '{nope')).status).toBe(400);
    expect((await post('/api/dropTables', '{}')).status).toBe(404);
    expect((await post('/api/getHistory', 'x'.repeat(70_000))).status).toBe(413);
  });

  it('GET /api/capacity: the capacity report at the configured or asked context; a bad context is a 400 sentence', async () => {
    const core = fakeCore(null);
    server = await startServer(core, { host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger, capacity: { perUserContextTokens: 32768 } });
    expect((await fetch(`${server.url}/api/capacity`)).status).toBe(503);
    const model = { name: 'qwen', contextLength: 32768, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null, kvCacheCapacityTokens: 400_000, kvCacheUsageRatio: 0.25, requestsRunning: 6, requestsWaiting: 0 };
    core.publish({ ...snap(1000), backends: [{ id: 'vllm@h:1', kind: 'vllm', url: 'http://h:1', status: 'up', message: null, version: null, models: [model] }] });
    const r = (await (await fetch(`${server.url}/api/capacity`)).json()) as { ok: true; value: { headline: string } };
    expect(r.value.headline).toBe('Room for 9 more users at 32k context.');
    const at8k = (await (await fetch(`${server.url}/api/capacity?context=8k`)).json()) as { ok: true; value: { headline: string } };
    expect(at8k.value.headline).toBe('Room for 36 more users at 8k context.');
    const bad = await fetch(`${server.url}/api/capacity?context=lots`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^context must be/) } });
  });

  it('503 before the first Snapshot', async () => {
    server = await startServer(fakeCore(null), { host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger });
    expect((await fetch(`${server.url}/api/snapshot`)).status).toBe(503);
  });

  it('streams one Snapshot per publish over SSE', async () => {
    const core = fakeCore(snap(1));
    server = await startServer(core, { host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger });
    const events: Snapshot[] = [];
    const req = http.get(`${server.url}/api/events`);
    const done = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        let buf = '';
        res.on('data', (c: Buffer) => {
          buf += c.toString();
          for (const m of buf.matchAll(/event: snapshotPublished\ndata: (.*)\n\n/g)) events.push(JSON.parse(m[1]!) as Snapshot);
          buf = buf.replace(/event: snapshotPublished\ndata: .*\n\n/g, '');
          if (events.length === 3) resolve();
        });
      });
    });
    await new Promise((r) => setTimeout(r, 100));
    core.publish(snap(2));
    core.publish(snap(3));
    await done;
    req.destroy();
    expect(events.map((e) => e.atMs)).toEqual([1, 2, 3]);
  });

  it('refuses a non-loopback bind without a token', async () => {
    await expect(startServer(fakeCore(null), { host: '0.0.0.0', port: 0, staticDir: dir, logger: silentLogger })).rejects.toThrow(/token/);
  });

  it('with a token, every request must carry it (header, query or cookie)', async () => {
    server = await startServer(fakeCore(snap(1)), { host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger, token: 's3cret' });
    expect((await fetch(`${server.url}/api/snapshot`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/snapshot`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/snapshot`, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    const page = await fetch(`${server.url}/?token=s3cret`);
    expect(page.status).toBe(200);
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(`${server.url}/api/snapshot`, { headers: { cookie } })).status).toBe(200);
  });
});

describe('resolveStaticPath', () => {
  it.each([
    { path: '/', ok: true },
    { path: '/assets/a.js', ok: true },
    { path: '/../etc/passwd', ok: false },
    { path: '/%2e%2e/%2e%2e/etc/passwd', ok: false },
    { path: '/a%00b', ok: false },
    { path: '/%E0%A4%A', ok: false },
  ])('$path', ({ path, ok: allowed }) => {
    // Never a path outside the root: traversal is either refused (null) or clamped inside it.
    const r = resolveStaticPath('/srv/app', path);
    if (allowed) expect(r?.startsWith('/srv/app/')).toBe(true);
    else expect(r === null || (r.startsWith('/srv/app/') && !r.startsWith('/etc'))).toBe(true);
  });
});

describe('event-stream load (short)', () => {
  it('50 clients each get every Snapshot in order', async () => {
    const core = fakeCore(snap(0));
    server = await startServer(core, { host: '127.0.0.1', port: 0, staticDir: dir, logger: silentLogger });
    const n = 50;
    const got: number[][] = Array.from({ length: n }, () => []);
    const reqs: http.ClientRequest[] = [];
    await Promise.all(
      got.map(
        (list, i) =>
          new Promise<void>((ready) => {
            const req = http.get(`${server!.url}/api/events`, { agent: false }, (res) => {
              let buf = '';
              res.setEncoding('utf8');
              res.on('data', (c: string) => {
                buf += c;
                for (const m of buf.matchAll(/event: snapshotPublished\ndata: \{"atMs":(\d+)/g)) list.push(Number(m[1]));
                buf = buf.slice(buf.lastIndexOf('\n\n') + 2);
              });
              ready();
            });
            reqs[i] = req;
          }),
      ),
    );
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (server!.stats().sseClients === n && got.every((l) => l.length === 1)) {
          clearInterval(t);
          r();
        }
      }, 10);
    });
    for (let t = 1; t <= 20; t++) core.publish(snap(t));
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (got.every((l) => l.length === 21)) {
          clearInterval(t);
          r();
        }
      }, 10);
    });
    const want = Array.from({ length: 21 }, (_, i) => i);
    for (const l of got) expect(l).toEqual(want);
    reqs.forEach((r) => r.destroy());
  });

  it('a client that stops reading is dropped, not buffered without bound', async () => {
    const warnings: string[] = [];
    const core = fakeCore(snap(0));
    server = await startServer(core, { host: '127.0.0.1', port: 0, staticDir: dir, logger: { info() {}, warn: (m) => warnings.push(m), error() {} } });
    const sock = (await import('node:net')).connect(server.port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write('GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    sock.pause(); // never reads
    await new Promise<void>((r) => {
      const t = setInterval(() => {
        if (server!.stats().sseClients === 1) {
          clearInterval(t);
          r();
        }
      }, 10);
    });
    // ~100 KB Snapshots: the kernel buffers fill, then the server's backlog passes 1 MB.
    const big = { ...snap(1), gpus: Array.from({ length: 400 }, (_, i) => ({ ...snap(1).gpus[0]!, id: `gpu:${i}`, name: 'x'.repeat(200) })) };
    for (let i = 0; i < 200 && server.stats().sseClients > 0; i++) {
      core.publish({ ...big, atMs: i + 1 });
      await new Promise((r) => setImmediate(r));
    }
    expect(server.stats().sseClients).toBe(0);
    expect(warnings).toContain('server: dropping an event-stream client that stopped reading');
    sock.destroy();
  });
});
