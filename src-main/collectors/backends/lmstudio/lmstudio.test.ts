import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../../../../e2e/fakes/fake-http';
import { startFakeBackend } from '../../../../e2e/fakes/backends/fake-backends';
import { faultCases, FAULT_MAX_BODY_BYTES, FAULT_TIMEOUT_MS, refusedUrl } from '../../../../e2e/fakes/backends/fault-replies';
import { readJsonFixture } from '../../../../e2e/fakes/backends/fixtures';
import { backendSchema } from '../../../../shared/model/snapshot';
import { silentLogger } from '../../../util/logger';
import { createLmStudioCollector, type LmStudioCollectorOptions } from './lmstudio.collector';
import { lmStudioV0ListSchema, lmStudioV1ListSchema, loadedModelsFromV0, loadedModelsFromV1 } from './lmstudio.parse';

describe('LM Studio parse', () => {
  it.each([
    { name: 'v0 docs: nothing loaded', file: 'lmstudio/api-v0-models.docs.json', want: [] },
    {
      name: 'v0 with a loaded model: loaded context, not the trained maximum',
      file: 'lmstudio/api-v0-models.loaded.json',
      want: [{ name: 'qwen2.5-coder-14b-instruct', contextLength: 16384, family: 'qwen2', quantization: 'Q4_K_M', sizeBytes: null }],
    },
  ])('$name', ({ file, want }) => {
    expect(loadedModelsFromV0(lmStudioV0ListSchema.parse(readJsonFixture(file)))).toMatchObject(want);
  });

  it('v1 docs: one model per loaded instance', () => {
    expect(loadedModelsFromV1(lmStudioV1ListSchema.parse(readJsonFixture('lmstudio/api-v1-models.docs.json')))).toEqual([
      {
        name: 'google/gemma-4-26b-a4b',
        contextLength: 4096,
        family: 'gemma4',
        quantization: 'Q4_K_M',
        parameterSize: '26B-A4B',
        fileSizeBytes: 17990911801,
        sizeBytes: null,
        vramBytes: null,
        kvBytesPerToken: null,
        kvCacheBytes: null,
      },
    ]);
  });

  it.each([
    { name: 'v0: state missing', schema: lmStudioV0ListSchema, body: { data: [{ id: 'x' }] } },
    { name: 'v0: OpenAI list is not v0', schema: lmStudioV0ListSchema, body: readJsonFixture('lmstudio/openai-v1-models.json') },
    { name: 'v1: loaded_instances missing', schema: lmStudioV1ListSchema, body: { models: [{ key: 'x' }] } },
  ])('rejects $name', ({ schema, body }) => {
    expect(schema.safeParse(body).success).toBe(false);
  });
});

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function sampleOnce(url: string, extra: Partial<LmStudioCollectorOptions> = {}) {
  const c = createLmStudioCollector({ url, timeoutMs: FAULT_TIMEOUT_MS, maxBodyBytes: FAULT_MAX_BODY_BYTES, logger: silentLogger, ...extra });
  const reading = await c.sample(new AbortController().signal);
  c.dispose();
  expect(backendSchema.safeParse(reading).success).toBe(true);
  return reading;
}

describe('LM Studio collector', () => {
  it.each([
    { name: 'LM Studio 0.4+ (/api/v1/models)', scene: 'v1', want: [{ name: 'google/gemma-4-26b-a4b', contextLength: 4096 }] },
    { name: 'older LM Studio (/api/v1 404 → /api/v0)', scene: 'v0-only', want: [{ name: 'qwen2.5-coder-14b-instruct', contextLength: 16384 }] },
  ])('$name', async ({ scene, want }) => {
    const server = await startFakeBackend('lmstudio', { scene });
    servers.push(server);
    const reading = await sampleOnce(server.url);
    expect(reading).toMatchObject({ status: 'up', message: null, models: want });
    expect(reading.note).toMatch(/not memory/);
  });

  it('a token goes on every request; without one → unauthorized, once per 30 s', async () => {
    const server = await startFakeBackend('lmstudio', { apiKey: 'lm-token' });
    servers.push(server);
    expect((await sampleOnce(server.url, { apiKey: 'lm-token' })).status).toBe('up');
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer lm-token')).toBe(true);

    let nowMs = 0;
    const c = createLmStudioCollector({ url: server.url, timeoutMs: FAULT_TIMEOUT_MS, logger: silentLogger, now: () => nowMs });
    const signal = new AbortController().signal;
    const first = await c.sample(signal);
    const calls = server.requests.length;
    nowMs += 10_000;
    const second = await c.sample(signal);
    c.dispose();
    expect(first).toMatchObject({ status: 'unauthorized', message: expect.stringMatching(/^LM Studio at 127\.0\.0\.1:\d+ needs an API key/) });
    expect(second).toMatchObject({ status: 'unauthorized', message: first.message });
    expect(server.requests.length).toBe(calls);
  });

  it('connection refused → down', async () => {
    const url = await refusedUrl(() => startFakeServer());
    expect(await sampleOnce(url)).toMatchObject({ status: 'down', message: expect.stringMatching(/^LM Studio at .*connection refused\. Is it running\?$/) });
  });

  it.each(faultCases('/api/v1/models').filter((f) => f.name !== 'HTTP 404'))('/api/v1/models: $name → $wantStatus', async ({ reply, wantStatus, wantMessage }) => {
    const server = await startFakeBackend('lmstudio');
    servers.push(server);
    server.setRoute('GET /api/v1/models', reply);
    const reading = await sampleOnce(server.url);
    expect(reading.status).toBe(wantStatus);
    expect(reading.message).toMatch(wantMessage);
  });

  it('a server that changes kind on the same port is reported', async () => {
    const server = await startFakeBackend('lmstudio');
    servers.push(server);
    const c = createLmStudioCollector({ url: server.url, timeoutMs: FAULT_TIMEOUT_MS, logger: silentLogger });
    const signal = new AbortController().signal;
    expect((await c.sample(signal)).status).toBe('up');
    server.becomeKind('vllm');
    const after = await c.sample(signal);
    c.dispose();
    expect(after).toMatchObject({ status: 'error', message: expect.stringMatching(/\/api\/v0\/models answered HTTP 404\. Is another kind of server/) });
  });
});
