import { afterEach, describe, expect, it } from 'vitest';
import { llamaCppRoutes, startFakeBackend } from '../../../../e2e/fakes/backends/fake-backends';
import type { FakeServer } from '../../../../e2e/fakes/fake-http';
import { silentLogger } from '../../../util/logger';
import { createLlamaCppCollector } from '../llamacpp/llamacpp.collector';
import { createVllmCollector } from '../vllm/vllm.collector';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const signal = () => new AbortController().signal;
const count = (server: FakeServer, path: string) => server.requests.filter((r) => r.path === path).length;

describe('slow-changing endpoints are read on slower cadences', () => {
  it('vLLM: /metrics every tick, /health every 5 s, and /health at once when /metrics fails', async () => {
    const server = await startFakeBackend('vllm');
    servers.push(server);
    let nowMs = 1_000_000;
    const c = createVllmCollector({ url: server.url, timeoutMs: 2000, logger: silentLogger, now: () => nowMs });
    for (let i = 0; i < 4; i++, nowMs += 1000) expect((await c.sample(signal())).status).toBe('up');
    expect(count(server, '/metrics')).toBe(4);
    expect(count(server, '/health')).toBe(1);
    nowMs += 5000;
    await c.sample(signal());
    expect(count(server, '/health')).toBe(2);
    // The engine dies: /metrics fails and /health (503) is read in the same tick.
    server.setRoute('GET /metrics', { status: 500, body: 'boom' });
    server.setRoute('GET /health', { status: 503, body: '' });
    const dead = await c.sample(signal());
    expect(count(server, '/health')).toBe(3);
    expect(dead.message).toMatch(/engine is dead/);
    c.dispose();
  });

  it('llama.cpp: /health every 5 s while /slots answers; a model that starts loading is reported in the same tick', async () => {
    const server = await startFakeBackend('llamacpp');
    servers.push(server);
    let nowMs = 1_000_000;
    const c = createLlamaCppCollector({ url: server.url, timeoutMs: 2000, logger: silentLogger, now: () => nowMs });
    for (let i = 0; i < 4; i++, nowMs += 1000) expect((await c.sample(signal())).status).toBe('up');
    expect(count(server, '/slots')).toBe(4);
    expect(count(server, '/health')).toBe(1);
    for (const [key, route] of Object.entries(llamaCppRoutes({ scene: 'loading' }))) server.setRoute(key, route);
    const loading = await c.sample(signal());
    expect(count(server, '/health')).toBe(2);
    expect(loading.message).toMatch(/loading/i);
    c.dispose();
  });
});
