import { describe, expect, it } from 'vitest';
import { readFixture, readJsonFixture } from '../../../../e2e/fakes/backends/fixtures';
import {
  kvLayout,
  llamaCppModelListSchema,
  llamaCppPropsSchema,
  llamaCppSlotsSchema,
  loadingMessage,
  parseLlamaCppMetrics,
  readSlots,
} from './llamacpp.parse';

const rec = 'llamacpp/recorded-b1-de3ff81/qwen2-c8192/';
const slotsOf = (file: string) => readSlots(llamaCppSlotsSchema.parse(JSON.parse(readFixture(file))));

describe('readSlots', () => {
  const idle = (id: number, n: number) => ({ id, contextTokens: n, usedTokens: 0, processing: false });
  it.each([
    { name: 'recorded idle: 4 unified slots, never used', file: `${rec}slots.idle.json`, want: [0, 1, 2, 3].map((i) => idle(i, 8192)) },
    {
      name: 'recorded busy-first: slot 3 starts, no tokens yet',
      file: `${rec}slots.busy-first.json`,
      want: [idle(0, 8192), idle(1, 8192), idle(2, 8192), { id: 3, contextTokens: 8192, usedTokens: 0, processing: true }],
    },
    {
      name: 'recorded busy-last: n_prompt_tokens grows with generation (615 prompt + 63 generated)',
      file: `${rec}slots.busy-last.json`,
      want: [idle(0, 8192), idle(1, 8192), idle(2, 8192), { id: 3, contextTokens: 8192, usedTokens: 678, processing: true }],
    },
    {
      name: 'recorded after: slot keeps its tokens (prompt cache), idle',
      file: `${rec}slots.after.json`,
      want: [idle(0, 8192), idle(1, 8192), idle(2, 8192), { id: 3, contextTokens: 8192, usedTokens: 678, processing: false }],
    },
    {
      name: 'README: 2 busy slots, no token count in that shape',
      file: 'llamacpp/slots.json',
      want: [
        { id: 0, contextTokens: 65536, usedTokens: null, processing: true },
        { id: 1, contextTokens: 65536, usedTokens: null, processing: true },
      ],
    },
    { name: 'constructed: 4 idle unified slots (id_task -1)', file: 'llamacpp/slots.idle-4-unified.json', want: [0, 1, 2, 3].map((i) => idle(i, 32768)) },
  ])('$name', ({ file, want }) => {
    expect(slotsOf(file)).toEqual(want);
  });

  it.each([
    { name: 'pre-b4027 state integer', slot: { id: 0, id_task: 4, n_ctx: 4096, state: 1 }, want: { processing: true, usedTokens: null } },
    { name: 'pre-b4283 n_ctx in params', slot: { id: 0, params: { n_ctx: 2048 } }, want: { contextTokens: 2048, usedTokens: 0 } },
    { name: 'hostile: more tokens than context is capped', slot: { id: 0, n_ctx: 100, n_prompt_tokens: 250, id_task: 1 }, want: { usedTokens: 100 } },
  ])('$name', ({ slot, want }) => {
    expect(readSlots(llamaCppSlotsSchema.parse([slot]))[0]).toMatchObject(want);
  });

  it.each([
    { name: 'not an array', body: { slots: [] } },
    { name: 'id missing', body: [{ n_ctx: 1 }] },
    { name: 'negative n_ctx', body: [{ id: 0, n_ctx: -5 }] },
    { name: 'error body', body: readJsonFixture('llamacpp/error.unauthorized.401.json') },
  ])('rejects $name', ({ body }) => {
    expect(llamaCppSlotsSchema.safeParse(body).success).toBe(false);
  });
});

describe('kvLayout', () => {
  it.each([
    { name: 'recorded: -c 8192, 4 slots each 8192 → unified', slot: 8192, slots: 4, total: 8192, want: { unified: true, capacityTokens: 8192 } },
    { name: 'split: -c 8192 -np 4 → 2048 per slot', slot: 2048, slots: 4, total: 8192, want: { unified: false, capacityTokens: 8192 } },
    { name: 'one slot: layout moot', slot: 1024, slots: 1, total: null, want: { unified: null, capacityTokens: 1024 } },
    { name: 'older build without meta.n_ctx', slot: 65536, slots: 2, total: null, want: { unified: null, capacityTokens: null } },
    { name: 'numbers that fit neither', slot: 3000, slots: 4, total: 8192, want: { unified: null, capacityTokens: null } },
    { name: 'no slot context', slot: null, slots: 4, total: 8192, want: { unified: null, capacityTokens: null } },
  ])('$name', ({ slot, slots, total, want }) => {
    expect(kvLayout(slot, slots, total)).toEqual(want);
  });
});

describe('parseLlamaCppMetrics', () => {
  it.each([
    {
      name: 'current build (README names, no KV series)',
      file: 'llamacpp/metrics.txt',
      want: { isLlamaCpp: true, requestsProcessing: 1, requestsDeferred: 0, promptTokensTotal: 48213, tokensPredictedTotal: 9127, kvCacheUsageRatio: null },
    },
    {
      name: 'before May 2025: kv_cache_usage_ratio and kv_cache_tokens',
      file: 'llamacpp/metrics.pre-2025-05-with-kv.txt',
      want: { isLlamaCpp: true, kvCacheUsageRatio: 0.362, kvCacheTokens: 11874 },
    },
    { name: 'recorded after a request', file: `${rec}metrics.after.txt`, want: { isLlamaCpp: true, promptTokensTotal: 615, tokensPredictedTotal: 64 } },
    { name: 'vLLM metrics are not llama.cpp', file: 'vllm/metrics.v1.txt', want: { isLlamaCpp: false, requestsProcessing: null } },
  ])('$name', ({ file, want }) => {
    expect(parseLlamaCppMetrics(readFixture(file))).toMatchObject(want);
  });
});

describe('props, models, health', () => {
  it.each([
    { name: 'README props', file: 'llamacpp/props.json', want: { total_slots: 1, default_generation_settings: { n_ctx: 1024 } } },
    { name: 'recorded props', file: `${rec}props.idle.json`, want: { total_slots: 4, model_ftype: 'F16', default_generation_settings: { n_ctx: 8192 } } },
  ])('props: $name', ({ file, want }) => {
    expect(llamaCppPropsSchema.parse(JSON.parse(readFixture(file)))).toMatchObject(want);
  });

  it.each([
    { name: 'README models', file: 'llamacpp/models.json', want: { id: '../models/Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf', meta: { n_ctx_train: 131072 } } },
    { name: 'loading: meta null', file: 'llamacpp/models.loading-meta-null.json', want: { meta: null } },
    { name: 'recorded: Ollama-style models[] beside data[]', file: `${rec}v1-models.idle.json`, want: { id: '/models/tiny-qwen2.gguf', meta: { n_ctx: 8192, size: 5063680 } } },
  ])('models: $name', ({ file, want }) => {
    expect(llamaCppModelListSchema.parse(JSON.parse(readFixture(file))).data[0]).toMatchObject(want);
  });

  it.each([
    { name: 'README 503', body: readJsonFixture('llamacpp/health.loading.503.json'), want: 'Loading model' },
    { name: 'recorded 503', body: JSON.parse(readFixture(`${rec}health.loading.json`)), want: 'Loading model' },
    { name: 'vLLM empty 503', body: '', want: null },
    { name: 'other JSON', body: { error: 'Unauthorized' }, want: null },
  ])('loading message: $name', ({ body, want }) => {
    expect(loadingMessage(body)).toBe(want);
  });
});
