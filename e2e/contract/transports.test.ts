/**
 * One suite, two transports: the renderer's HTTP+SSE client against the real server, and its
 * IPC client against an in-process bridge that does what the preload + ipc.ts do. Both must
 * behave the same, so they cannot drift apart.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { HeadroomClient, PreloadBridge } from '../../shared/contract/client';
import { fakeHandlers } from '../../shared/contract/fake-handlers';
import type { Handlers, RequestName } from '../../shared/contract/requests';
import { requestNames } from '../../shared/contract/requests';
import { err, ok } from '../../shared/contract/result';
import { parseParams } from '../../shared/contract/schemas';
import { toDisposable } from '../../shared/lifecycle/disposable';
import type { Snapshot } from '../../shared/model/snapshot';
import { startServer, type RunningServer } from '../../src-main/server/http';
import { silentLogger } from '../../src-main/util/logger';
import { createHttpClient } from '../../src-renderer/transport/http-client';
import { createIpcClient } from '../../src-renderer/transport/ipc-client';

const snap = (atMs: number): Snapshot => ({ atMs, demo: true, gpus: [], system: null, backends: [], sources: [], alerts: [] });

function makeCore() {
  const listeners = new Set<(s: Snapshot) => void>();
  let latest: Snapshot | null = snap(1);
  const handlers: Handlers = fakeHandlers({
    getSnapshot: async () => (latest ? ok(latest) : err('unavailable', 'none')),
    getHistory: async ({ sinceMs }) => ok([{ atMs: sinceMs + 1, gpuId: 'gpu:0', memoryUsedBytes: 10, memoryTotalBytes: 20 }]),
  });
  return {
    handlers,
    latest: () => latest,
    onSnapshot: (l: (s: Snapshot) => void) => {
      listeners.add(l);
      return toDisposable(() => listeners.delete(l));
    },
    publish(s: Snapshot) {
      latest = s;
      listeners.forEach((l) => l(s));
    },
    listenerCount: () => listeners.size,
  };
}

/** Minimal EventSource over node:http for the HTTP client in Node 20 (browsers have their own). */
class NodeEventSource {
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private readonly handlers = new Map<string, ((e: { data: string }) => void)[]>();
  private readonly req: http.ClientRequest;
  static all: NodeEventSource[] = [];
  constructor(url: string) {
    NodeEventSource.all.push(this);
    this.req = http.get(url, (res) => {
      this.onopen?.();
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event && data) this.handlers.get(event)?.forEach((h) => h({ data }));
        }
      });
    });
    this.req.on('error', () => this.onerror?.());
  }
  addEventListener(name: string, h: (e: { data: string }) => void) {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), h]);
  }
  close() {
    this.req.destroy();
  }
}

let server: RunningServer | null = null;
afterEach(async () => {
  NodeEventSource.all.forEach((e) => e.close());
  NodeEventSource.all = [];
  await server?.close();
  server = null;
});

type Setup = () => Promise<{ client: HeadroomClient; core: ReturnType<typeof makeCore> }>;

const transports: [string, Setup][] = [
  [
    'http + sse',
    async () => {
      const core = makeCore();
      server = await startServer(core, { host: '127.0.0.1', port: 0, staticDir: '/nonexistent', logger: silentLogger });
      return { core, client: createHttpClient(server.url, NodeEventSource as unknown as typeof EventSource) };
    },
  ],
  [
    'ipc (in-process bridge)',
    async () => {
      const core = makeCore();
      // What preload.ts + ipc.ts do: validate params with the contract schema, call the handler.
      const bridge: PreloadBridge = {
        async call(name, params) {
          if (!requestNames.includes(name as RequestName)) return err('bad-request', `unknown request ${name}`);
          const parsed = parseParams(name as RequestName, params);
          if (!parsed.ok) return parsed;
          return (core.handlers[name as RequestName] as (p: unknown) => Promise<unknown>)(parsed.value);
        },
        on(name, listener) {
          if (name !== 'snapshotPublished') return () => undefined;
          return core.onSnapshot((s) => listener(JSON.parse(JSON.stringify(s)))).dispose;
        },
      };
      return { core, client: createIpcClient(bridge) };
    },
  ],
];

describe.each(transports)('contract over %s', (_name, setup) => {
  it('getSnapshot returns the latest Snapshot', async () => {
    const { client } = await setup();
    expect(await client.call('getSnapshot', undefined)).toEqual({ ok: true, value: snap(1) });
  });
  it('getHistory passes params through', async () => {
    const { client } = await setup();
    expect(await client.call('getHistory', { sinceMs: 41 })).toEqual({ ok: true, value: [{ atMs: 42, gpuId: 'gpu:0', memoryUsedBytes: 10, memoryTotalBytes: 20 }] });
  });
  it('invalid params → bad-request naming the field, never a throw', async () => {
    const { client } = await setup();
    const r = await client.call('getHistory', { sinceMs: 'soon' } as unknown as { sinceMs: number });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('sinceMs') } });
  });
  it('snapshotPublished delivers each published Snapshot, and stops after dispose', async () => {
    const { client, core } = await setup();
    const got: number[] = [];
    const sub = client.on('snapshotPublished', (s) => got.push(s.atMs));
    // wait until the subscription is live on the server side
    for (let i = 0; i < 50 && core.listenerCount() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 50));
    core.publish(snap(2));
    core.publish(snap(3));
    for (let i = 0; i < 50 && !got.includes(3); i++) await new Promise((r) => setTimeout(r, 20));
    sub.dispose();
    core.publish(snap(4));
    await new Promise((r) => setTimeout(r, 100));
    expect(got.filter((n) => n >= 2)).toEqual([2, 3]);
  });
});
