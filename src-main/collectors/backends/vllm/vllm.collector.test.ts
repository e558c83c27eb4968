import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../../../../e2e/fakes/fake-http';
import { startFakeBackend } from '../../../../e2e/fakes/backends/fake-backends';
import { activeTimerCount, faultCases, FAULT_MAX_BODY_BYTES, FAULT_TIMEOUT_MS, refusedUrl } from '../../../../e2e/fakes/backends/fault-replies';
import { readFixture } from '../../../../e2e/fakes/backends/fixtures';
import { backendSchema } from '../../../../shared/model/snapshot';
import { silentLogger } from '../../../util/logger';
import { createVllmCollector, type VllmCollectorOptions } from './vllm.collector';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof startFakeBackend>) {
  const server = await startFakeBackend(...args);
  servers.push(server);
  return server;
}

function collector(url: string, extra: Partial<VllmCollectorOptions> = {}) {
  return createVllmCollector({ url, timeoutMs: FAULT_TIMEOUT_MS, logger: silentLogger, maxBodyBytes: FAULT_MAX_BODY_BYTES, ...extra });
}

const signal = () => new AbortController().signal;

describe('vLLM collector', () => {
  it.each([
    { name: 'V1 metrics', scene: 'v1' },
    { name: 'V0 metrics', scene: 'v0' },
  ])('reads KV usage, queue and cache config ($name)', async ({ scene }) => {
    const server = await serve('vllm', { scene });
    const c = collector(server.url);
    const reading = await c.sample(signal());
    c.dispose();
    expect(backendSchema.safeParse(reading).success).toBe(true);
    expect(reading).toMatchObject({
      id: `vllm@127.0.0.1:${server.port}`,
      kind: 'vllm',
      status: 'up',
      message: null,
      version: '0.11.0',
      models: [
        {
          name: 'Qwen/Qwen2.5-Coder-14B-Instruct',
          contextLength: 32768,
          sizeBytes: null,
          kvCacheUsageRatio: 0.4187,
          requestsRunning: 6,
          requestsWaiting: 2,
          kvCacheCapacityTokens: 13653 * 16,
          maxConcurrency: 6.67,
          cacheConfig: { blockSize: 16, gpuBlocks: 13653, cacheDtype: 'auto', gpuMemoryUtilizationRatio: 0.9 },
          preemptionsPerMinute: null,
        },
      ],
    });
  });

  it('turns successive counters into rates (preemptions per minute, tokens per second)', async () => {
    const server = await serve('vllm');
    let nowMs = 1_000_000;
    const c = collector(server.url, { now: () => nowMs });
    await c.sample(signal());
    const base = readFixture('vllm/metrics.v1.txt');
    server.setRoute('GET /metrics', {
      body: base
        .replace(/(vllm:num_preemptions_total\{[^}]*\}) 3\.0/, '$1 5.0')
        .replace(/(vllm:generation_tokens_total\{[^}]*\}) 214377\.0/, '$1 214577.0'),
    });
    nowMs += 10_000;
    const second = await c.sample(signal());
    // counter reset (server restarted): no rate rather than a negative one
    server.setRoute('GET /metrics', { body: base.replace(/(vllm:num_preemptions_total\{[^}]*\}) 3\.0/, '$1 0.0') });
    nowMs += 10_000;
    const third = await c.sample(signal());
    c.dispose();
    expect(second.models[0]).toMatchObject({ preemptionsPerMinute: 12, generationTokensPerSecond: 20, promptTokensPerSecond: 0 });
    expect(third.models[0]?.preemptionsPerMinute).toBeNull();
  });

  it('sends the key only to /v1 paths', async () => {
    const server = await serve('vllm', { apiKey: 'sk-test' });
    const c = collector(server.url, { apiKey: 'sk-test' });
    const reading = await c.sample(signal());
    c.dispose();
    expect(reading.status).toBe('up');
    const withKey = server.requests.filter((r) => r.headers.authorization).map((r) => r.path);
    expect(withKey).toEqual(['/v1/models']);
  });

  it('401 → unauthorized, keeps KV data from public /metrics, and backs off /v1/models for 30 s', async () => {
    const server = await serve('vllm', { apiKey: 'sk-test' });
    let nowMs = 0;
    const c = collector(server.url, { now: () => nowMs });
    const first = await c.sample(signal());
    nowMs += 5_000;
    const second = await c.sample(signal());
    nowMs += 30_000;
    await c.sample(signal());
    c.dispose();
    expect(first.status).toBe('unauthorized');
    expect(first.message).toBe(
      `vLLM at 127.0.0.1:${server.port} needs an API key (/v1/models answered HTTP 401). Give it with --api-key ${server.url}=TOKEN.`,
    );
    expect(first.models).toMatchObject([{ name: 'Qwen/Qwen2.5-Coder-14B-Instruct', kvCacheUsageRatio: 0.4187, contextLength: null }]);
    expect(second).toMatchObject({ status: 'unauthorized', message: first.message });
    expect(server.requests.filter((r) => r.path === '/v1/models')).toHaveLength(2);
  });

  it('a wrong key says so', async () => {
    const server = await serve('vllm', { apiKey: 'sk-test' });
    const c = collector(server.url, { apiKey: 'wrong' });
    const reading = await c.sample(signal());
    c.dispose();
    expect(reading.status).toBe('unauthorized');
    expect(reading.message).toMatch(/needs an API key: it rejected the configured one on \/v1\/models/);
  });

  it('/health 503 → the engine is dead', async () => {
    const server = await serve('vllm', { scene: 'dead' });
    const c = collector(server.url);
    const reading = await c.sample(signal());
    c.dispose();
    expect(reading).toMatchObject({ status: 'error', message: `vLLM at 127.0.0.1:${server.port}: the engine is dead (/health answered HTTP 503). Restart vLLM.` });
  });

  it('connection refused → down, with the next step', async () => {
    const url = await refusedUrl(() => startFakeServer());
    const c = collector(url);
    const reading = await c.sample(signal());
    c.dispose();
    expect(reading).toMatchObject({ status: 'down', message: `vLLM at ${url.replace('http://', '')}: connection refused. Is it running?`, models: [] });
  });

  it.each([
    { path: '/v1/models', status: 404, note: /\/v1\/models is not available: models are named from \/metrics/ },
    { path: '/v1/models', status: 501, note: /\/v1\/models is not available/ },
    { path: '/health', status: 404, note: /\/health is not available/ },
  ])('issue 17.5: optional $path answering HTTP $status → partial data with a note', async ({ path, status, note }) => {
    const server = await serve('vllm');
    server.setRoute(`GET ${path}`, { status, body: { detail: 'Not Found' } });
    const c = collector(server.url);
    const reading = await c.sample(signal());
    c.dispose();
    expect(reading).toMatchObject({ status: 'up', message: null });
    expect(reading.note).toMatch(note);
    expect(reading.models.map((m) => m.name)).toEqual(['Qwen/Qwen2.5-Coder-14B-Instruct']);
    expect(reading.models[0]?.kvCacheUsageRatio).not.toBeNull();
  });

  it.each(faultCases('/v1/models').filter((f) => f.name !== 'HTTP 404' && f.name !== 'HTTP 501'))('/v1/models: $name → $wantStatus', async ({ reply, wantStatus, wantMessage }) => {
    const server = await serve('vllm');
    server.setRoute('GET /v1/models', reply);
    const c = collector(server.url);
    const reading = await c.sample(signal());
    c.dispose();
    expect(reading.status).toBe(wantStatus === 'down' ? 'error' : wantStatus);
    expect(reading.message).toMatch(wantStatus === 'down' ? /\/v1\/models/ : wantMessage);
    expect(backendSchema.safeParse(reading).success).toBe(true);
  });

  it.each(faultCases('/metrics').filter((f) => !/JSON/.test(f.name) && f.name !== 'HTTP 401'))(
    '/metrics: $name → error, models still listed',
    async ({ reply, wantMessage }) => {
      const server = await serve('vllm');
      server.setRoute('GET /metrics', reply);
      const c = collector(server.url);
      const reading = await c.sample(signal());
      c.dispose();
      expect(reading.status).toBe('error');
      expect(reading.message).toMatch(wantMessage);
      expect(reading.models.map((m) => m.name)).toEqual(['Qwen/Qwen2.5-Coder-14B-Instruct']);
    },
  );

  it('a server that changes kind on the same port is reported, not misread', async () => {
    const server = await serve('vllm');
    const c = collector(server.url);
    const before = await c.sample(signal());
    server.becomeKind('llamacpp');
    const after = await c.sample(signal());
    c.dispose();
    expect(before.status).toBe('up');
    expect(after.status).toBe('error');
    expect(after.message).toMatch(/another kind of server on this port/);
    expect(after.models.every((m) => m.kvCacheUsageRatio === undefined)).toBe(true);
  });

  it('dispose cancels a read in flight and leaves no timers', async () => {
    const timersBefore = activeTimerCount();
    const server = await serve('vllm');
    server.setRoute('GET /metrics', { hang: true });
    const c = createVllmCollector({ url: server.url, timeoutMs: 10_000, logger: silentLogger });
    const pending = c.sample(signal());
    setTimeout(() => c.dispose(), 20);
    const reading = await pending;
    const later = await c.sample(signal());
    expect(reading.status).toBe('down');
    expect(later).toMatchObject({ status: 'down', message: expect.stringMatching(/monitoring stopped/) });
    await server.close();
    expect(activeTimerCount()).toBeLessThanOrEqual(timersBefore);
  });
});
