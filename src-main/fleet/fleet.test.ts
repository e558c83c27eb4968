/**
 * The fleet against real HTTP: watched servers are `startServer` with a scripted core (the same
 * server code as `headroom serve`), plus a tiny hostile SSE server; all on 127.0.0.1, port 0.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlertTransition } from '../../shared/alerts/rules';
import { fakeHandlers } from '../../shared/contract/fake-handlers';
import { fleetSnapshotSchema, type FleetSnapshot } from '../../shared/contract/fleet';
import { toDisposable } from '../../shared/lifecycle/disposable';
import type { Snapshot } from '../../shared/model/snapshot';
import { startServer } from '../server/http';
import { silentLogger } from '../util/logger';
import { Fleet } from './fleet';
import { RemoteHost } from './remote-host';
import { withFleetAlerts } from './fleet-alerts';
import { checkWatchedServer, endpoint, tokenInClearWarning } from './remote-client';
import { fleetFixtureAlert, fleetFixtureSnapshot } from './test-fixtures';

const TOKEN = 'fleet-test-token';

/** A watched server whose Snapshots the test pushes. */
async function scriptedServer(opts: { port?: number; name: string; token?: string | null }) {
  const listeners = new Set<(s: Snapshot) => void>();
  let latest: Snapshot | null = null;
  const core = {
    handlers: fakeHandlers({}),
    onSnapshot: (l: (s: Snapshot) => void) => {
      listeners.add(l);
      return toDisposable(() => listeners.delete(l));
    },
    latest: () => latest,
  };
  const server = await startServer(core, { host: '127.0.0.1', port: opts.port ?? 0, staticDir: '/nonexistent', token: opts.token === undefined ? TOKEN : opts.token, logger: silentLogger, name: opts.name, heartbeatMs: 150 });
  return {
    server,
    push(s: Snapshot) {
      latest = s;
      for (const l of listeners) l(s);
    },
  };
}

/** A server that answers health and then sends whatever the test writes on the event stream. */
async function rawSseServer(onStream: (res: http.ServerResponse) => void) {
  const server = http.createServer((req, res) => {
    if (req.url === '/api/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, contractVersion: 1, hostname: 'hostile' }));
    } else if (req.url === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      onStream(res);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function makeFleet(local: Snapshot | null = fleetFixtureSnapshot({}, 1)) {
  const transitions: AlertTransition[] = [];
  const localListeners = new Set<(s: Snapshot) => void>();
  const fleet = new Fleet({
    local: { latest: () => local, onSnapshot: (l) => (localListeners.add(l), toDisposable(() => localListeners.delete(l))) },
    logger: silentLogger,
    onTransitions: (t) => transitions.push(...t),
    intervalMs: () => 100,
    localLabel: 'workstation',
    timing: { backoffInitialMs: 50, backoffMaxMs: 200, healthTimeoutMs: 1000, connectTimeoutMs: 1000, idleTimeoutMs: 600, maxEventBytes: 256 * 1024 },
  });
  cleanups.push(() => fleet.dispose());
  const published: FleetSnapshot[] = [];
  fleet.onFleet((f) => published.push(f));
  return { fleet, transitions, published };
}

/** Polls `fn` until it returns truthy (real sockets: no fake timers). */
async function until<T>(fn: () => T | false | null | undefined, what: string, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const host = (f: FleetSnapshot, label: string) => f.hosts.find((h) => h.label === label);

describe('Fleet', () => {
  it('merges watched servers under their names, local first, following each new Snapshot', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    const b = await scriptedServer({ name: 'gpu-server-2' });
    cleanups.push(() => a.server.close(), () => b.server.close());
    a.push(fleetFixtureSnapshot({ atMs: 1000 }, 2));
    b.push(fleetFixtureSnapshot({ atMs: 1000 }, 4));
    const { fleet } = makeFleet();
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }, { url: b.server.url, token: TOKEN, label: null }]);
    const f = await until(() => {
      const l = fleet.latest();
      return l.hosts.every((h) => h.status === 'ok') && l;
    }, 'both hosts ok');
    expect(fleetSnapshotSchema.safeParse(f).success).toBe(true);
    expect(f.hosts.map((h) => h.label)).toEqual(['workstation', 'gpu-server-1', 'gpu-server-2']);
    expect(host(f, 'gpu-server-2')!.snapshot!.gpus).toHaveLength(4);
    a.push(fleetFixtureSnapshot({ atMs: 2000 }, 3));
    await until(() => host(fleet.latest(), 'gpu-server-1')!.snapshot?.gpus.length === 3, 'the change on gpu-server-1');
  });

  it('a killed server shows unreachable (no numbers), raises a host alert, and recovers on the same port', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    a.push(fleetFixtureSnapshot({ atMs: 1000 }));
    const { fleet, transitions } = makeFleet();
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }]);
    await until(() => host(fleet.latest(), 'gpu-server-1')?.status === 'ok', 'ok');
    await a.server.close();
    const down = await until(() => {
      const h = host(fleet.latest(), 'gpu-server-1');
      return h?.status === 'unreachable' && h;
    }, 'unreachable');
    expect(down.snapshot).toBeNull();
    expect(down.lastSeenMs).not.toBeNull();
    expect(down.message).toMatch(/not answering/);
    expect(fleet.latest().alerts.map((x) => x.kind)).toEqual(['backend-down']);
    expect(transitions.map((t) => `${t.type} ${t.alert.message.slice(0, 13)}`)).toEqual(['raised gpu-server-1 ']);

    const again = await scriptedServer({ name: 'gpu-server-1', port: a.server.port });
    cleanups.push(() => again.server.close());
    again.push(fleetFixtureSnapshot({ atMs: 5000 }));
    await until(() => host(fleet.latest(), 'gpu-server-1')?.status === 'ok', 'recovered');
    expect(transitions.map((t) => t.type)).toEqual(['raised', 'cleared']);
    expect(fleet.latest().alerts).toEqual([]);
  });

  it('remote alerts become transitions labelled with the host; the tray view adds them only for "all"', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => a.server.close());
    a.push(fleetFixtureSnapshot({ atMs: 1000 }));
    const { fleet, transitions } = makeFleet();
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }]);
    await until(() => host(fleet.latest(), 'gpu-server-1')?.status === 'ok', 'ok');
    a.push(fleetFixtureSnapshot({ atMs: 2000, alerts: [fleetFixtureAlert()] }));
    await until(() => transitions.length === 1, 'raised');
    expect(transitions[0]).toMatchObject({ type: 'raised', ruleKey: 'vram-critical', alert: { message: 'gpu-server-1: GPU 0 memory at 95% (critical at 90%).', severity: 'critical' } });
    // Resent (same atMs, as after a reconnection): no duplicate transition.
    a.push(fleetFixtureSnapshot({ atMs: 2000, alerts: [fleetFixtureAlert()] }));
    a.push(fleetFixtureSnapshot({ atMs: 3000, alerts: [] }));
    await until(() => transitions.length === 2, 'cleared');
    expect(transitions.map((t) => t.type)).toEqual(['raised', 'cleared']);

    a.push(fleetFixtureSnapshot({ atMs: 4000, alerts: [fleetFixtureAlert()] }));
    await until(() => fleet.latest().alerts.length === 1, 'active again');
    const local = fleetFixtureSnapshot({}, 1);
    expect(withFleetAlerts(local, fleet.latest().alerts, 'local').alerts).toEqual([]);
    expect(withFleetAlerts(local, fleet.latest().alerts, 'all').alerts.map((x) => x.sourceId)).toEqual(['gpu-server-1 gpu:0']);
  });

  it('an alert list unchanged between events raises nothing again; a change in it (severity, a new alert, a message) is seen', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => a.server.close());
    const { fleet, transitions } = makeFleet();
    a.push(fleetFixtureSnapshot({ atMs: 1000, alerts: [fleetFixtureAlert()] }));
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }]);
    await until(() => transitions.length === 1, 'raised');
    const at = (ms: number) => until(() => host(fleet.latest(), 'gpu-server-1')!.snapshot?.atMs === ms, `Snapshot ${ms}`);
    for (const ms of [2000, 3000]) {
      a.push(fleetFixtureSnapshot({ atMs: ms, alerts: [fleetFixtureAlert()] }));
      await at(ms);
    }
    expect(transitions.map((t) => t.type)).toEqual(['raised']);
    a.push(fleetFixtureSnapshot({ atMs: 4000, alerts: [fleetFixtureAlert({ severity: 'warning' })] }));
    await until(() => transitions.length === 3, 'the severity change');
    expect(transitions.slice(1).map((t) => `${t.type} ${t.alert.severity}`)).toEqual(['cleared critical', 'raised warning']);
    a.push(fleetFixtureSnapshot({ atMs: 5000, alerts: [fleetFixtureAlert({ severity: 'warning' }), fleetFixtureAlert({ id: 'backend-down:vllm', kind: 'backend-down', message: 'vLLM is down.' })] }));
    await until(() => transitions.length === 4, 'the new alert');
    expect(transitions[3]).toMatchObject({ type: 'raised', alert: { message: 'gpu-server-1: vLLM is down.' } });
    a.push(fleetFixtureSnapshot({ atMs: 6000, alerts: [fleetFixtureAlert({ severity: 'warning', message: 'GPU 0 memory at 85%.' })] }));
    await until(() => fleet.latest().alerts.length === 1 && fleet.latest().alerts[0]!.message === 'GPU 0 memory at 85%.', 'the new message, the vLLM alert gone');
    expect(transitions.at(-1)).toMatchObject({ type: 'cleared', alert: { message: 'gpu-server-1: vLLM is down.' } });
  });

  it('a wrong token is "unauthorized"; a remote of another contract version is "incompatible" with both versions', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => a.server.close());
    a.push(fleetFixtureSnapshot());
    const newer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"contractVersion":7,"hostname":"future"}'));
    await new Promise<void>((r) => newer.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => newer.close(() => r())));
    const { fleet } = makeFleet();
    fleet.setServers([
      { url: a.server.url, token: 'wrong', label: null },
      { url: `http://127.0.0.1:${(newer.address() as AddressInfo).port}`, token: null, label: null },
    ]);
    const f = await until(() => {
      const l = fleet.latest();
      return l.hosts[1]!.status === 'unauthorized' && l.hosts[2]!.status === 'incompatible' && l;
    }, 'unauthorized + incompatible');
    expect(f.hosts[1]!.message).toMatch(/unauthorized: check the token \(the server did not accept it, HTTP 401\)/);
    expect(f.hosts[2]!.message).toMatch(/future speaks contract version 7; this Headroom reads version 1/);
  });

  it.each([
    { name: 'malformed JSON', frame: 'event: snapshotPublished\ndata: {"atMs": 1, gpus\n\n', want: /not valid JSON/ },
    { name: 'wrong shape', frame: `event: snapshotPublished\ndata: ${JSON.stringify({ atMs: 1, gpus: 'many' })}\n\n`, want: /gpus: expected a list/ },
    { name: 'oversized', frame: `event: snapshotPublished\ndata: ${JSON.stringify({ atMs: 1, gpus: [], junk: 'x'.repeat(400 * 1024) })}\n\n`, want: /over the 0\.3 MB limit/ },
    { name: 'hostile prototype keys', frame: `event: snapshotPublished\ndata: {"atMs":1,"gpus":[{"__proto__":{"isAdmin":true}}],"constructor":{"prototype":{"x":1}}}\n\n`, want: null },
  ])('a remote sending a $name Snapshot is refused with a message; the others keep updating', async ({ frame, want }) => {
    const good = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => good.server.close());
    const bad = await rawSseServer((res) => res.write(frame));
    cleanups.push(() => bad.close());
    good.push(fleetFixtureSnapshot({ atMs: 1000 }));
    const { fleet } = makeFleet();
    fleet.setServers([{ url: good.server.url, token: TOKEN, label: null }, { url: bad.url, token: null, label: null }]);
    if (want) {
      const h = await until(() => fleet.latest().hosts.find((x) => x.label === 'hostile' && x.status === 'refused'), 'refused');
      expect(h.message).toMatch(want);
      expect(h.snapshot).toBeNull();
      expect(fleet.latest().alerts.find((a) => a.hostLabel === 'hostile')?.message).toMatch(want);
    } else {
      const h = await until(() => fleet.latest().hosts.find((x) => x.label === 'hostile' && x.status === 'ok'), 'ok with the bad GPU dropped');
      expect(h.snapshot!.gpus).toEqual([]);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    }
    good.push(fleetFixtureSnapshot({ atMs: 2000 }, 5));
    await until(() => host(fleet.latest(), 'gpu-server-1')!.snapshot?.gpus.length === 5, 'the good host still updating');
  });

  it('publishes on local ticks and coalesces remote changes (not one publish per remote event)', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => a.server.close());
    a.push(fleetFixtureSnapshot({ atMs: 1 }));
    const { fleet, published } = makeFleet();
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }]);
    await until(() => host(fleet.latest(), 'gpu-server-1')?.status === 'ok', 'ok');
    await until(() => published.length > 0, 'a publish');
    const before = published.length;
    for (let i = 2; i < 22; i++) a.push(fleetFixtureSnapshot({ atMs: i }));
    await until(() => host(fleet.latest(), 'gpu-server-1')!.snapshot?.atMs === 21, 'all received');
    await until(() => published.at(-1) && host(published.at(-1)!, 'gpu-server-1')!.snapshot?.atMs === 21, 'published');
    expect(published.length - before).toBeLessThanOrEqual(3);
  });
});

describe('Fleet: events held to the local tick', () => {
  /** A fleet whose local monitor the test drives: `tick()` publishes a local Snapshot. */
  function fleetWithLocalTicks(intervalMs: number) {
    const localListeners = new Set<(s: Snapshot) => void>();
    const local = fleetFixtureSnapshot({}, 1);
    const fleet = new Fleet({
      local: { latest: () => local, onSnapshot: (l) => (localListeners.add(l), toDisposable(() => localListeners.delete(l))) },
      logger: silentLogger,
      onTransitions: () => undefined,
      intervalMs: () => intervalMs,
      localLabel: 'workstation',
      timing: { backoffInitialMs: 50, backoffMaxMs: 200 },
    });
    cleanups.push(() => fleet.dispose());
    const published: FleetSnapshot[] = [];
    fleet.onFleet((f) => published.push(f));
    return { fleet, published, tick: () => localListeners.forEach((l) => l(local)) };
  }

  it('reads watched hosts on the local tick and publishes once per tick, with every host’s newest Snapshot', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    const b = await scriptedServer({ name: 'gpu-server-2' });
    cleanups.push(() => a.server.close(), () => b.server.close());
    a.push(fleetFixtureSnapshot({ atMs: 1000 }));
    b.push(fleetFixtureSnapshot({ atMs: 1000 }));
    // A long local interval: no fallback publish within the test, only ticks publish.
    const { fleet, published, tick: localTick } = fleetWithLocalTicks(60_000);
    let ticks = 0;
    const tick = () => {
      ticks++;
      localTick();
    };
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }, { url: b.server.url, token: TOKEN, label: null }]);
    const newest = (f: FleetSnapshot | undefined) => f?.hosts.slice(1).map((h) => h.snapshot?.atMs ?? null);
    for (const atMs of [2000, 3000, 4000]) {
      a.push(fleetFixtureSnapshot({ atMs }));
      b.push(fleetFixtureSnapshot({ atMs: atMs + 1 }));
      // Tick until this round shows: each tick publishes once, nothing publishes between ticks.
      await until(() => {
        tick();
        return String(newest(published.at(-1))) === String([atMs, atMs + 1]);
      }, `round ${atMs} published on a tick`);
      expect(published).toHaveLength(ticks);
    }
  });

  it('while the local monitor ticks, remote events arm no publish timer (the tick publishes; a cleared timer still wakes the process); paused, the timer publishes', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => a.server.close());
    a.push(fleetFixtureSnapshot({ atMs: 1000 }));
    const { fleet, published, tick } = fleetWithLocalTicks(200);
    const ticking = setInterval(tick, 200);
    cleanups.push(() => clearInterval(ticking));
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }]);
    const newest = () => (published.length ? host(published.at(-1)!, 'gpu-server-1')?.snapshot?.atMs : undefined);
    await until(() => newest() === 1000, 'first Snapshot');
    const armed = vi.spyOn(globalThis, 'setTimeout');
    for (const atMs of [2000, 3000, 4000]) {
      a.push(fleetFixtureSnapshot({ atMs }));
      await until(() => newest() === atMs, `${atMs} published by a tick`);
    }
    expect(armed.mock.calls.filter(([, ms]) => ms === 300)).toEqual([]);
    // Monitoring paused: no local Snapshot; a remote change is still published, by the timer.
    clearInterval(ticking);
    await new Promise((r) => setTimeout(r, 400));
    a.push(fleetFixtureSnapshot({ atMs: 5000 }));
    await until(() => newest() === 5000, 'published without a tick');
    expect(armed.mock.calls.filter(([, ms]) => ms === 300).length).toBeGreaterThan(0);
    armed.mockRestore();
  });

  it('a host that holds a Snapshot is not called stale while the fleet waits for its tick', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => a.server.close());
    a.push(fleetFixtureSnapshot({ atMs: 1000, intervalMs: 50 }));
    const statuses: string[] = [];
    let pending = 0;
    const remote = new RemoteHost({ id: 'host:a', url: a.server.url, token: TOKEN, label: null, logger: silentLogger, onChange: (h) => statuses.push(`${h.currentStatus} ${h.current()?.atMs ?? '-'}`), onPending: () => pending++ });
    cleanups.push(() => remote.dispose());
    remote.start();
    await until(() => pending > 0, 'the first Snapshot held');
    expect(statuses).toEqual([]);
    remote.flush();
    expect(statuses).toEqual(['ok 1000']);
    // The server ticks every 50 ms; nobody flushes: only the stale timer (3 of its ticks) reads what is held.
    let atMs = 1000;
    const ticking = setInterval(() => a.push(fleetFixtureSnapshot({ atMs: (atMs += 50), intervalMs: 50 })), 50);
    cleanups.push(() => clearInterval(ticking));
    await until(() => (remote.current()?.atMs ?? 0) >= 1500, 'ten of its ticks read');
    expect(statuses.filter((s) => !s.startsWith('ok'))).toEqual([]);
  });
});

describe('Fleet: resuming', () => {
  it('reconnects after the stream ends, sends Last-Event-ID, and shows no duplicate', async () => {
    const seenIds: (string | undefined)[] = [];
    let connections = 0;
    const server = http.createServer((req, res) => {
      if (req.url === '/api/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"contractVersion":1,"hostname":"numbered"}');
      connections++;
      seenIds.push(req.headers['last-event-id'] as string | undefined);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Every connection resends the latest Snapshot (id 7), as headroom serve does; the first one then ends.
      res.write(`id: 7\nevent: snapshotPublished\ndata: ${JSON.stringify(fleetFixtureSnapshot({ atMs: 7000 }))}\n\n`);
      if (connections === 1) res.end();
      else res.write(`id: 8\nevent: snapshotPublished\ndata: ${JSON.stringify(fleetFixtureSnapshot({ atMs: 8000 }))}\n\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const shown: string[] = [];
    const remote = new RemoteHost({
      id: 'host:numbered',
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      token: null,
      label: null,
      logger: silentLogger,
      timing: { backoffInitialMs: 50, backoffMaxMs: 200 },
      onChange: (h) => shown.push(`${h.currentStatus} ${h.current()?.atMs ?? '-'}`),
    });
    cleanups.push(() => remote.dispose());
    remote.start();
    await until(() => remote.current()?.atMs === 8000, 'the Snapshot after reconnecting');
    expect(seenIds).toEqual([undefined, '7']);
    // 7000 shown once; the resend after reconnecting is not shown again as current.
    expect(shown.filter((x) => x === 'ok 7000')).toHaveLength(1);
    expect(shown.at(-1)).toBe('ok 8000');
  });
});

describe('Fleet: names', () => {
  it('two servers with the same name get their address added', async () => {
    const a = await scriptedServer({ name: 'localhost' });
    const b = await scriptedServer({ name: 'localhost' });
    cleanups.push(() => a.server.close(), () => b.server.close());
    a.push(fleetFixtureSnapshot({ atMs: 1 }));
    b.push(fleetFixtureSnapshot({ atMs: 1 }));
    const { fleet } = makeFleet();
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }, { url: b.server.url, token: TOKEN, label: null }]);
    const f = await until(() => {
      const l = fleet.latest();
      return l.hosts.slice(1).every((h) => h.status === 'ok') && l;
    }, 'both ok');
    expect(f.hosts.slice(1).map((h) => h.label)).toEqual([`localhost (${new URL(a.server.url).host})`, `localhost (${new URL(b.server.url).host})`]);
  });
});

describe('Fleet: silence', () => {
  it('a server that stops ticking goes "stale" (figures withheld) and back to ok on its next Snapshot', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => a.server.close());
    a.push(fleetFixtureSnapshot({ atMs: 1000, intervalMs: 100 }));
    const { fleet } = makeFleet();
    fleet.setServers([{ url: a.server.url, token: TOKEN, label: null }]);
    await until(() => host(fleet.latest(), 'gpu-server-1')?.status === 'ok', 'ok');
    const stale = await until(() => {
      const h = host(fleet.latest(), 'gpu-server-1');
      return h?.status === 'stale' && h;
    }, 'stale after 3 of its ticks');
    expect(stale.snapshot).toBeNull();
    expect(stale.message).toMatch(/has sent no Snapshot/);
    a.push(fleetFixtureSnapshot({ atMs: 2000, intervalMs: 100 }));
    await until(() => host(fleet.latest(), 'gpu-server-1')?.status === 'ok', 'ok again');
  });

  it('a server that accepts the stream and then says nothing (no heartbeat) is dropped as unreachable', async () => {
    const hung = await rawSseServer(() => undefined);
    cleanups.push(() => hung.close());
    const { fleet } = makeFleet();
    const transitions: string[] = [];
    fleet.setServers([{ url: hung.url, token: null, label: 'hung box' }]);
    fleet.onFleet((f) => transitions.push(f.hosts[1]!.status));
    const h = await until(() => {
      const x = host(fleet.latest(), 'hung box');
      return x?.status === 'unreachable' && x;
    }, 'unreachable after the idle timeout');
    expect(h.message).toMatch(/silent for/);
  });
});

describe('checkWatchedServer', () => {
  it('says what answers: name, GPUs, servers', async () => {
    const a = await scriptedServer({ name: 'gpu-server-1' });
    cleanups.push(() => a.server.close());
    a.push(fleetFixtureSnapshot({}, 2));
    expect(await checkWatchedServer({ url: a.server.url, token: TOKEN }, 2000)).toEqual({ ok: true, label: 'gpu-server-1', message: 'Reached gpu-server-1: 2 GPUs, vLLM up.' });
    expect((await checkWatchedServer({ url: a.server.url, token: 'nope' }, 2000)).message).toMatch(/unauthorized: check the token/);
    const port = a.server.port;
    await a.server.close();
    expect((await checkWatchedServer({ url: `http://127.0.0.1:${port}`, token: TOKEN }, 2000)).message).toMatch(/Could not reach 127\.0\.0\.1:\d+: connection refused/);
  });
});

describe('remote-client helpers', () => {
  it.each([
    { url: 'http://gpu-server-1:7878', token: 't', warns: true },
    { url: 'https://gpu-server-1', token: 't', warns: false },
    { url: 'http://127.0.0.1:7878', token: 't', warns: false },
    { url: 'http://[::1]:7878', token: 't', warns: false },
    { url: 'http://gpu-server-1:7878', token: null, warns: false },
  ])('token in clear: $url', ({ url, token, warns }) => {
    expect(tokenInClearWarning({ url, token }) !== null).toBe(warns);
  });
  it.each([
    { base: 'https://host/headroom/', path: '/api/events', want: 'https://host/headroom/api/events' },
    { base: 'http://host:7878', path: '/api/health', want: 'http://host:7878/api/health' },
    { base: 'http://host:7878/?token=x#y', path: '/api/health', want: 'http://host:7878/api/health' },
  ])('endpoint($base, $path)', ({ base, path, want }) => {
    expect(endpoint(base, path).toString()).toBe(want);
  });
});
