import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeBackend } from '../../../../e2e/fakes/backends/fake-backends';
import { readFixture, readJsonFixture } from '../../../../e2e/fakes/backends/fixtures';
import { startFakeServer, type FakeServer } from '../../../../e2e/fakes/fake-http';
import { silentLogger } from '../../../util/logger';
import { createLlamaCppCollector } from '../llamacpp/llamacpp.collector';
import { OllamaCollector } from '../ollama/ollama.collector';
import { createVllmCollector } from '../vllm/vllm.collector';
import { getJson, getPrometheusText, type EndpointClient } from './backend-http';
import { BodyCache } from './body-cache';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
const signal = () => new AbortController().signal;

describe('BodyCache', () => {
  it('decodes a body once while it stays byte-identical, and again when one byte changes', () => {
    const cache = new BodyCache();
    let calls = 0;
    const decode = (text: string) => {
      calls += 1;
      return JSON.parse(text) as { n: number };
    };
    const a = cache.decode('/x', '{"n":1}', decode);
    expect(cache.decode('/x', '{"n":1}', decode)).toBe(a);
    expect(calls).toBe(1);
    expect(cache.decode('/x', '{"n":2}', decode)).toEqual({ n: 2 });
    expect(calls).toBe(2);
    // Each key has its own last body.
    cache.decode('/y', '{"n":2}', decode);
    expect(calls).toBe(3);
  });

  it('never keeps a result the caller marks as not reusable (failures)', () => {
    const cache = new BodyCache();
    let calls = 0;
    const decode = () => {
      calls += 1;
      return { ok: false };
    };
    cache.decode('/x', 'garbage', decode, (r) => r.ok);
    cache.decode('/x', 'garbage', decode, (r) => r.ok);
    expect(calls).toBe(2);
    expect(cache.size).toBe(0);
  });

  it('forgets everything on clear()', () => {
    const cache = new BodyCache();
    let calls = 0;
    const decode = (t: string) => (calls += 1, t);
    cache.decode('/x', 'a', decode);
    cache.clear();
    cache.decode('/x', 'a', decode);
    expect(calls).toBe(2);
  });
});

describe('getJson with a body cache', () => {
  it('validates an unchanged body once, a changed body again, and never reuses a body that failed validation', async () => {
    const server = await startFakeServer({ 'GET /v': { body: { v: 1 } } });
    servers.push(server);
    let checks = 0;
    const schema = z.object({ v: z.number() }).refine(() => (checks += 1) > 0);
    const client: EndpointClient = { baseUrl: server.url, timeoutMs: 2000, bodies: new BodyCache() };
    const first = await getJson(client, '/v', schema, { withKey: false });
    const second = await getJson(client, '/v', schema, { withKey: false });
    expect(second).toBe(first);
    expect(checks).toBe(1);
    server.setRoute('GET /v', { body: { v: 2 } });
    expect(await getJson(client, '/v', schema, { withKey: false })).toMatchObject({ ok: true, value: { v: 2 } });
    expect(checks).toBe(2);
    server.setRoute('GET /v', { body: { v: 'two' } });
    expect((await getJson(client, '/v', schema, { withKey: false })).ok).toBe(false);
    expect((await getJson(client, '/v', schema, { withKey: false })).ok).toBe(false);
    expect(client.bodies!.size).toBe(0);
  });
});

describe('getPrometheusText with a body cache', () => {
  it('scans an unchanged body for its limits once, a changed body again, and refuses a bad one every time', async () => {
    const good = 'vllm:num_requests_running{engine="0"} 1\n';
    const server = await startFakeServer({ 'GET /metrics': { body: good, contentType: 'text/plain' } });
    servers.push(server);
    const client: EndpointClient = { baseUrl: server.url, timeoutMs: 2000, bodies: new BodyCache() };
    expect(await getPrometheusText(client, '/metrics', { withKey: false })).toMatchObject({ ok: true, value: good });
    expect(client.bodies!.size).toBe(1);
    expect(await getPrometheusText(client, '/metrics', { withKey: false })).toMatchObject({ ok: true, value: good });
    const long = `vllm:x{a="${'x'.repeat(20_000)}"} 1\n`;
    server.setRoute('GET /metrics', { body: long, contentType: 'text/plain' });
    for (let i = 0; i < 2; i++) {
      expect(await getPrometheusText(client, '/metrics', { withKey: false })).toMatchObject({ ok: false, failure: { kind: 'too-large', detail: expect.stringMatching(/line of more than 16,384/) } });
    }
    expect(client.bodies!.size).toBe(0);
    server.setRoute('GET /metrics', { body: good, contentType: 'text/plain' });
    expect(await getPrometheusText(client, '/metrics', { withKey: false })).toMatchObject({ ok: true, value: good });
  });
});

describe('collectors reuse identical bodies but follow every change', () => {
  it('vLLM: a changed /metrics body shows in the next reading', async () => {
    const server = await startFakeBackend('vllm');
    servers.push(server);
    const c = createVllmCollector({ url: server.url, timeoutMs: 2000, logger: silentLogger });
    const a = await c.sample(signal());
    const b = await c.sample(signal());
    expect(b.models[0]?.kvCacheUsageRatio).toBe(a.models[0]?.kvCacheUsageRatio);
    const metrics = readFixture('vllm/metrics.v1.txt').replace(/^(vllm:kv_cache_usage_perc\{[^}]*\}) .*$/m, '$1 0.5');
    expect(metrics).toContain(' 0.5');
    server.setRoute('GET /metrics', { body: metrics, contentType: 'text/plain; version=0.0.4' });
    const changed = await c.sample(signal());
    expect(changed.models[0]?.kvCacheUsageRatio).toBe(0.5);
    c.dispose();
  });

  it('llama.cpp: a changed /slots body shows in the next reading', async () => {
    const server = await startFakeBackend('llamacpp');
    servers.push(server);
    const c = createLlamaCppCollector({ url: server.url, timeoutMs: 2000, logger: silentLogger });
    const idle = await c.sample(signal());
    expect(idle.models[0]?.slots?.some((s) => s.processing)).toBe(false);
    server.setRoute('GET /slots', { body: JSON.parse(readFixture('llamacpp/recorded-b1-de3ff81/qwen2-c8192/slots.busy-first.json')) });
    const busy = await c.sample(signal());
    expect(busy.models[0]?.slots?.some((s) => s.processing)).toBe(true);
    c.dispose();
  });

  it('Ollama: the same /api/ps body gives the same model object; a reloaded model (new body) a new one', async () => {
    const server = await startFakeBackend('ollama');
    servers.push(server);
    const c = new OllamaCollector({ url: server.url, timeoutMs: 2000, logger: silentLogger });
    const a = await c.sample(signal());
    const b = await c.sample(signal());
    expect(b.models[0]).toBe(a.models[0]);
    const ps = readJsonFixture('ollama/ps.qwen2.5-coder-14b.json') as { models: Array<{ context_length: number }> };
    ps.models[0]!.context_length = 16384;
    server.setRoute('GET /api/ps', { body: ps });
    const reloaded = await c.sample(signal());
    expect(reloaded.models[0]).not.toBe(a.models[0]);
    expect(reloaded.models[0]?.contextLength).toBe(16384);
    c.dispose();
  });
});
