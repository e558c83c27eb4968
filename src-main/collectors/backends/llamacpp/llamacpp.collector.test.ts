import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../../../../e2e/fakes/fake-http';
import { startFakeBackend } from '../../../../e2e/fakes/backends/fake-backends';
import { activeTimerCount, faultCases, FAULT_MAX_BODY_BYTES, FAULT_TIMEOUT_MS, refusedUrl } from '../../../../e2e/fakes/backends/fault-replies';
import { readFixture } from '../../../../e2e/fakes/backends/fixtures';
import { backendSchema } from '../../../../shared/model/snapshot';
import { silentLogger } from '../../../util/logger';
import { createLlamaCppCollector, type LlamaCppCollectorOptions } from './llamacpp.collector';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof startFakeBackend>) {
  const server = await startFakeBackend(...args);
  servers.push(server);
  return server;
}

function collector(url: string, extra: Partial<LlamaCppCollectorOptions> = {}) {
  return createLlamaCppCollector({ url, timeoutMs: FAULT_TIMEOUT_MS, logger: silentLogger, maxBodyBytes: FAULT_MAX_BODY_BYTES, ...extra });
}

async function sampleOnce(url: string, extra: Partial<LlamaCppCollectorOptions> = {}) {
  const c = collector(url, extra);
  const reading = await c.sample(new AbortController().signal);
  c.dispose();
  expect(backendSchema.safeParse(reading).success).toBe(true);
  return reading;
}

const idleSlot = (id: number) => ({ id, contextTokens: 8192, usedTokens: 0, processing: false });

describe('llama.cpp collector', () => {
  it.each([
    {
      name: 'recorded idle',
      scene: 'idle',
      want: { requestsRunning: 0, slots: [0, 1, 2, 3].map(idleSlot) },
    },
    {
      name: 'recorded busy-last: one slot generating, 678 tokens in it',
      scene: 'busy-last',
      want: { requestsRunning: 1, slots: [idleSlot(0), idleSlot(1), idleSlot(2), { id: 3, contextTokens: 8192, usedTokens: 678, processing: true }] },
    },
  ])('$name', async ({ scene, want }) => {
    const server = await serve('llamacpp', { scene });
    const reading = await sampleOnce(server.url);
    expect(reading).toMatchObject({
      id: `llamacpp@127.0.0.1:${server.port}`,
      status: 'up',
      message: null,
      models: [
        {
          name: '/models/tiny-qwen2.gguf',
          contextLength: 8192,
          quantization: 'F16',
          parameterSize: '2.5M',
          fileSizeBytes: 5063680,
          kvUnified: true,
          kvCacheCapacityTokens: 8192,
          requestsWaiting: 0,
          ...want,
        },
      ],
    });
    expect(reading.models[0]?.kvCacheUsageRatio).toBeUndefined();
  });

  it('README shapes: per-slot context, /metrics queue counts, 501-free', async () => {
    const server = await serve('llamacpp', { scene: 'docs' });
    const reading = await sampleOnce(server.url);
    expect(reading).toMatchObject({
      status: 'up',
      version: 'b(build number)-(build commit hash)',
      models: [{ contextLength: 65536, requestsRunning: 1, requestsWaiting: 0, slots: [{ usedTokens: null, processing: true }, { processing: true }] }],
    });
  });

  it('reads KV usage from builds that still report it', async () => {
    const server = await serve('llamacpp');
    server.setRoute('GET /metrics', { body: readFixture('llamacpp/metrics.pre-2025-05-with-kv.txt') });
    const reading = await sampleOnce(server.url);
    expect(reading.models[0]?.kvCacheUsageRatio).toBe(0.362);
  });

  it('/health 503 while loading → up, saying it is loading', async () => {
    const server = await serve('llamacpp', { scene: 'loading' });
    const reading = await sampleOnce(server.url);
    expect(reading).toMatchObject({
      status: 'up',
      models: [],
      message: `llama.cpp at 127.0.0.1:${server.port}: loading model. Its figures appear once loading finishes.`,
    });
  });

  it('/health: asked at the first read, not again while /slots, /metrics and /props answer; at once when one fails', async () => {
    const server = await serve('llamacpp');
    let nowMs = 0;
    const c = collector(server.url, { now: () => nowMs });
    const signal = new AbortController().signal;
    const healthAsked = () => server.requests.filter((r) => r.path === '/health').length;
    expect((await c.sample(signal)).status).toBe('up');
    expect(healthAsked()).toBe(1);
    for (let i = 0; i < 10; i++) {
      nowMs += 1_000;
      expect((await c.sample(signal)).status).toBe('up');
    }
    expect(healthAsked()).toBe(1);
    // The model is being reloaded: every endpoint answers 503, /health says why.
    const loading = { status: 503, body: { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } } };
    for (const path of ['/health', '/slots', '/metrics', '/props', '/v1/models']) server.setRoute(`GET ${path}`, loading);
    nowMs += 1_000;
    expect(await c.sample(signal)).toMatchObject({ status: 'up', message: expect.stringMatching(/loading model/) });
    expect(healthAsked()).toBe(2);
    c.dispose();
  });

  it('/health beside a server without --metrics: every 5 s, not every read', async () => {
    const server = await serve('llamacpp', { scene: 'no-metrics' });
    let nowMs = 0;
    const c = collector(server.url, { now: () => nowMs });
    const signal = new AbortController().signal;
    for (let i = 0; i < 10; i++) {
      expect((await c.sample(signal)).status).toBe('up');
      nowMs += 1_000;
    }
    expect(server.requests.filter((r) => r.path === '/health').length).toBe(2); // 0 s and 5 s
    c.dispose();
  });

  it('/metrics 501 (no --metrics) is a note, not an error; slots still give the busy count', async () => {
    const server = await serve('llamacpp', { scene: 'no-metrics' });
    const reading = await sampleOnce(server.url);
    expect(reading).toMatchObject({ status: 'up', message: null, models: [{ requestsRunning: 0, requestsWaiting: null }] });
    expect(reading.note).toMatch(/--metrics/);
  });

  it('/slots 501 (--no-slots) is a note; context comes from /props', async () => {
    const server = await serve('llamacpp');
    server.setRoute('GET /slots', { status: 501, body: { error: { code: 501, message: 'This server does not support slots endpoint.', type: 'not_supported_error' } } });
    const reading = await sampleOnce(server.url);
    expect(reading).toMatchObject({ status: 'up', models: [{ contextLength: 8192 }] });
    expect(reading.models[0]?.slots).toBeUndefined();
    expect(reading.note).toMatch(/--no-slots/);
  });

  it('with the right key: key sent everywhere except /health', async () => {
    const server = await serve('llamacpp', { apiKey: 'secret' });
    const reading = await sampleOnce(server.url, { apiKey: 'secret' });
    expect(reading.status).toBe('up');
    const keyless = server.requests.filter((r) => !r.headers.authorization).map((r) => r.path);
    expect(keyless).toEqual(['/health']);
  });

  it('no key → unauthorized with the next step, then no retry storm for 30 s', async () => {
    const server = await serve('llamacpp', { apiKey: 'secret' });
    let nowMs = 0;
    const c = collector(server.url, { now: () => nowMs });
    const signal = new AbortController().signal;
    const first = await c.sample(signal);
    const protectedCalls = () => server.requests.filter((r) => r.path !== '/health').length;
    const afterFirst = protectedCalls();
    for (let i = 0; i < 5; i++) {
      nowMs += 2_000;
      expect((await c.sample(signal)).status).toBe('unauthorized');
    }
    expect(protectedCalls()).toBe(afterFirst);
    nowMs += 30_000;
    await c.sample(signal);
    c.dispose();
    expect(protectedCalls()).toBe(afterFirst * 2);
    expect(first.status).toBe('unauthorized');
    expect(first.message).toMatch(new RegExp(`^llama\\.cpp at 127\\.0\\.0\\.1:${server.port} needs an API key`));
  });

  it('connection refused → down', async () => {
    const url = await refusedUrl(() => startFakeServer());
    const reading = await sampleOnce(url);
    expect(reading).toMatchObject({ status: 'down', message: expect.stringMatching(/connection refused\. Is it running\?$/) });
  });

  it.each(faultCases('/health').filter((f) => f.name !== 'HTTP 401'))('/health: $name → $wantStatus', async ({ reply, wantStatus, wantMessage }) => {
    const server = await serve('llamacpp');
    server.setRoute('GET /health', reply);
    const reading = await sampleOnce(server.url);
    expect(reading.status).toBe(wantStatus);
    expect(reading.message).toMatch(wantMessage);
    expect(reading.models).toEqual([]);
  });

  it.each([
    { path: '/props', status: 404, note: /\/props is not available/ },
    { path: '/props', status: 501, note: /\/props is not available/ },
    { path: '/metrics', status: 404, note: /\/metrics is not available/ },
    { path: '/slots', status: 404, note: /\/slots is not available/ },
    { path: '/v1/models', status: 404, note: /\/v1\/models is not available/ },
  ])('issue 17.5: optional $path answering HTTP $status → partial data with a note, not an error', async ({ path, status, note }) => {
    const server = await serve('llamacpp');
    server.setRoute(`GET ${path}`, { status, body: { error: { code: status, message: 'File Not Found', type: 'not_found_error' } } });
    const reading = await sampleOnce(server.url);
    expect(reading).toMatchObject({ status: 'up', message: null });
    expect(reading.note).toMatch(note);
    expect(reading.note).toMatch(/\.$/);
    expect(reading.models).toHaveLength(1);
  });

  it('issue 17.5: /props and /v1/models both missing → error (nothing names the model)', async () => {
    const server = await serve('llamacpp');
    server.setRoute('GET /props', { status: 404, body: 'not found' });
    server.setRoute('GET /v1/models', { status: 404, body: 'not found' });
    const reading = await sampleOnce(server.url);
    expect(reading).toMatchObject({ status: 'error', message: expect.stringMatching(/\/props answered HTTP 404/) });
  });

  it.each(faultCases('/slots').filter((f) => f.name !== 'HTTP 501' && f.name !== 'HTTP 404'))('/slots: $name', async ({ reply, wantStatus, wantMessage }) => {
    const server = await serve('llamacpp');
    server.setRoute('GET /slots', reply);
    const reading = await sampleOnce(server.url);
    // /health answered, so a transport failure on /slots alone is an error, not "down".
    expect(reading.status).toBe(wantStatus === 'down' ? 'error' : wantStatus);
    if (wantStatus !== 'down') expect(reading.message).toMatch(wantMessage);
    expect(reading.models[0]?.contextLength).toBe(8192);
  });

  it('a server that changes kind on the same port is reported', async () => {
    const server = await serve('llamacpp');
    const c = collector(server.url);
    const signal = new AbortController().signal;
    const before = await c.sample(signal);
    server.becomeKind('vllm');
    const after = await c.sample(signal);
    server.becomeKind('ollama');
    const ollama = await c.sample(signal);
    c.dispose();
    expect(before.status).toBe('up');
    expect(after).toMatchObject({ status: 'error', models: [] });
    expect(after.message).toMatch(/\/health .*not JSON/);
    expect(ollama).toMatchObject({ status: 'error', message: expect.stringMatching(/\/health answered HTTP 404\. Is another kind of server/) });
  });

  it('dispose ends a read in flight; no timers left', async () => {
    const before = activeTimerCount();
    const server = await serve('llamacpp');
    server.setRoute('GET /slots', { hang: true });
    const c = createLlamaCppCollector({ url: server.url, timeoutMs: 10_000, logger: silentLogger });
    const pending = c.sample(new AbortController().signal);
    setTimeout(() => c.dispose(), 20);
    expect(await pending).toMatchObject({ status: 'down', message: expect.stringMatching(/monitoring stopped/) });
    await server.close();
    expect(activeTimerCount()).toBeLessThanOrEqual(before);
  });
});
