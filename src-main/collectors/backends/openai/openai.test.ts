import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../../../../e2e/fakes/fake-http';
import { startFakeBackend } from '../../../../e2e/fakes/backends/fake-backends';
import { faultCases, FAULT_MAX_BODY_BYTES, FAULT_TIMEOUT_MS, refusedUrl } from '../../../../e2e/fakes/backends/fault-replies';
import { readJsonFixture } from '../../../../e2e/fakes/backends/fixtures';
import { backendSchema } from '../../../../shared/model/snapshot';
import { silentLogger } from '../../../util/logger';
import { CounterRate } from '../http/counter-rate';
import { createOpenAiCollector, type OpenAiCollectorOptions } from './openai.collector';
import { modelIds, openAiModelListSchema } from './openai.parse';

describe('OpenAI-compatible /v1/models', () => {
  it.each([
    { name: 'Ollama /v1/models', file: 'openai/models.ollama-v1.json', want: ['qwen2.5-coder:14b'] },
    { name: 'LM Studio, "object" after "data"', file: 'lmstudio/openai-v1-models.json', want: ['qwen2.5-coder-14b-instruct', 'text-embedding-nomic-embed-text-v1.5'] },
    { name: 'vLLM', file: 'vllm/models.json', want: ['Qwen/Qwen2.5-Coder-14B-Instruct'] },
    { name: 'llama.cpp (recorded, with models[] too)', file: 'llamacpp/recorded-b1-de3ff81/qwen2-c8192/v1-models.idle.json', want: ['/models/tiny-qwen2.gguf'] },
  ])('$name', ({ file, want }) => {
    expect(modelIds(openAiModelListSchema.parse(readJsonFixture(file)))).toEqual(want);
  });
});

describe('CounterRate', () => {
  it.each([
    { name: 'first read', reads: [[10, 0]], want: null },
    { name: 'steady', reads: [[10, 0], [40, 10_000]], want: 3 },
    { name: 'counter reset', reads: [[10, 0], [2, 10_000]], want: null },
    { name: 'no time passed', reads: [[10, 0], [20, 0]], want: null },
    { name: 'missing value breaks the chain', reads: [[10, 0], [null, 5_000], [40, 10_000]], want: null },
  ])('$name', ({ reads, want }) => {
    const rate = new CounterRate();
    let last: number | null = null;
    for (const [value, atMs] of reads as Array<[number | null, number]>) last = rate.update(value, atMs);
    expect(last).toBe(want);
  });
});

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function sampleOnce(url: string, extra: Partial<OpenAiCollectorOptions> = {}) {
  const c = createOpenAiCollector({ url, timeoutMs: FAULT_TIMEOUT_MS, maxBodyBytes: FAULT_MAX_BODY_BYTES, logger: silentLogger, ...extra });
  const reading = await c.sample(new AbortController().signal);
  c.dispose();
  expect(backendSchema.safeParse(reading).success).toBe(true);
  return reading;
}

describe('OpenAI-compatible collector', () => {
  it('lists the models and says there is no memory data', async () => {
    const server = await startFakeBackend('openai', { apiKey: 'k' });
    servers.push(server);
    const reading = await sampleOnce(server.url, { apiKey: 'k' });
    expect(reading).toMatchObject({
      id: `openai@127.0.0.1:${server.port}`,
      status: 'up',
      message: 'model list only; no memory data',
      note: 'model list only; no memory data',
      models: [{ name: 'qwen2.5-coder:14b', contextLength: null, sizeBytes: null }],
    });
  });

  it('connection refused → down', async () => {
    const url = await refusedUrl(() => startFakeServer());
    expect(await sampleOnce(url)).toMatchObject({ status: 'down', message: expect.stringMatching(/^OpenAI-compatible server at .*connection refused\. Is it running\?$/) });
  });

  it.each(faultCases('/v1/models'))('/v1/models: $name → $wantStatus', async ({ reply, wantStatus, wantMessage }) => {
    const server = await startFakeBackend('openai');
    servers.push(server);
    server.setRoute('GET /v1/models', reply);
    const reading = await sampleOnce(server.url);
    expect(reading.status).toBe(wantStatus);
    expect(reading.message).toMatch(wantMessage);
    expect(reading.models).toEqual([]);
  });
});
