import { describe, expect, it } from 'vitest';
import { readFixture, readJsonFixture } from '../../../../e2e/fakes/backends/fixtures';
import { maxConcurrencyFor, parseVllmMetrics, servedBaseModels, vllmModelListSchema } from './vllm.parse';
import { parsePrometheusText } from './prometheus-text.parse';

const v1 = readFixture('vllm/metrics.v1.txt');
const v0 = readFixture('vllm/metrics.v0.txt');

/** Two data-parallel engines, the second fuller; only the deprecated name on engine 1. */
const twoEngines = [
  'vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25',
  'vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.99',
  'vllm:gpu_cache_usage_perc{engine="1",model_name="m"} 0.75',
  'vllm:num_requests_running{engine="0",model_name="m"} 3.0',
  'vllm:num_requests_running{engine="1",model_name="m"} 4.0',
  'vllm:num_requests_waiting{model_name="m",engine="0"} 1.0',
  'vllm:num_requests_waiting{engine="1",model_name="m"} 0.0',
  'vllm:num_preemptions_total{engine="0",model_name="m"} 2.0',
  'vllm:num_preemptions_total{engine="1",model_name="m"} 5.0',
  'vllm:cache_config_info{block_size="16",engine="0",num_gpu_blocks="100",kv_cache_size_tokens="1600"} 1.0',
  'vllm:cache_config_info{block_size="16",engine="1",num_gpu_blocks="100",kv_cache_size_tokens="None"} 1.0',
].join('\n');

describe('parseVllmMetrics', () => {
  it.each([
    {
      name: 'V1 (kv_cache_usage_perc, engine label)',
      text: v1,
      want: {
        isVllm: true, engines: ['0'], kvCacheUsageRatio: 0.4187, kvCacheMetric: 'kv_cache_usage_perc',
        requestsRunning: 6, requestsWaiting: 2, preemptionsTotal: 3, promptTokensTotal: 1297513, generationTokensTotal: 214377,
      },
    },
    {
      name: 'V0 (gpu_cache_usage_perc, no engine label)',
      text: v0,
      want: {
        isVllm: true, engines: [], kvCacheUsageRatio: 0.4187, kvCacheMetric: 'gpu_cache_usage_perc',
        requestsRunning: 6, requestsWaiting: 2, preemptionsTotal: 3, promptTokensTotal: 1297513, generationTokensTotal: 214377,
      },
    },
    {
      name: 'two engines: fullest engine, counts add up, new name wins per engine',
      text: twoEngines,
      want: { engines: ['0', '1'], kvCacheUsageRatio: 0.75, requestsRunning: 7, requestsWaiting: 1, preemptionsTotal: 7 },
    },
    {
      name: 'llama.cpp metrics are not vLLM',
      text: readFixture('llamacpp/metrics.txt'),
      want: { isVllm: false, kvCacheUsageRatio: null, requestsRunning: null, cacheConfig: null },
    },
    { name: 'empty body', text: '', want: { isVllm: false, kvCacheUsageRatio: null, preemptionsTotal: null } },
    {
      name: 'hostile values: NaN usage, out-of-range usage clamped, garbage lines skipped',
      text: 'vllm:kv_cache_usage_perc{engine="0"} NaN\nvllm:kv_cache_usage_perc{engine="1"} 1.7\nvllm:num_requests_running{engine="0" 5\n<html>',
      want: { isVllm: true, kvCacheUsageRatio: 1, requestsRunning: null },
    },
  ])('$name', ({ text, want }) => {
    expect(parseVllmMetrics(text)).toMatchObject(want);
  });

  it.each([
    {
      name: 'V1 cache_config_info',
      text: v1,
      want: { blockSize: 16, gpuBlocks: 13653, cacheDtype: 'auto', gpuMemoryUtilizationRatio: 0.9, capacityTokens: 13653 * 16, maxConcurrency: null },
    },
    {
      name: 'V0 cache_config_info',
      text: v0,
      want: { blockSize: 16, gpuBlocks: 13653, cacheDtype: 'auto', gpuMemoryUtilizationRatio: 0.9, capacityTokens: 13653 * 16 },
    },
    {
      name: 'two engines: kv_cache_size_tokens preferred, else blocks × block size, summed',
      text: twoEngines,
      want: { gpuBlocks: 200, capacityTokens: 1600 + 1600 },
    },
  ])('$name', ({ text, want }) => {
    expect(parseVllmMetrics(text).cacheConfig).toMatchObject(want);
  });
});

describe('maxConcurrencyFor', () => {
  const base = { blockSize: 16, gpuBlocks: 13653, cacheDtype: 'auto', gpuMemoryUtilizationRatio: 0.9, capacityTokens: 218448, maxConcurrency: null };
  it.each([
    { name: 'capacity / max_model_len', config: base, maxModelLen: 32768, want: 6.67 },
    { name: 'server figure wins', config: { ...base, maxConcurrency: 1.64 }, maxModelLen: 32768, want: 1.64 },
    { name: 'unknown context', config: base, maxModelLen: null, want: null },
    { name: 'no config', config: null, maxModelLen: 32768, want: null },
  ])('$name', ({ config, maxModelLen, want }) => {
    expect(maxConcurrencyFor(config, maxModelLen)).toBe(want);
  });
});

describe('vLLM /v1/models', () => {
  it.each([
    { name: 'one model', file: 'vllm/models.json', want: [{ id: 'Qwen/Qwen2.5-Coder-14B-Instruct', max_model_len: 32768 }] },
    { name: 'served name + LoRA adapter: base only', file: 'vllm/models.served-name-and-lora.json', want: [{ id: 'qwen-coder', max_model_len: 16384 }] },
  ])('$name', ({ file, want }) => {
    const parsed = vllmModelListSchema.parse(readJsonFixture(file));
    expect(servedBaseModels(parsed)).toMatchObject(want);
  });

  it.each([
    { name: 'unauthorized body', body: readJsonFixture('vllm/unauthorized.json') },
    { name: 'data not an array', body: { data: {} } },
    { name: 'id missing', body: { data: [{ object: 'model' }] } },
    { name: 'negative max_model_len', body: { data: [{ id: 'x', max_model_len: -1 }] } },
  ])('rejects $name', ({ body }) => {
    expect(vllmModelListSchema.safeParse(body).success).toBe(false);
  });
});

describe('parsePrometheusText', () => {
  it.each([
    { name: 'labels in any order, escaped quotes', line: 'a{z="1",b="x\\"y"} 2', want: [{ name: 'a', labels: { z: '1', b: 'x"y' }, value: 2 }] },
    { name: 'timestamp after value', line: 'a 2 1700000000000', want: [{ name: 'a', labels: {}, value: 2 }] },
    { name: 'exponent', line: 'a 1.297513e+06', want: [{ name: 'a', labels: {}, value: 1297513 }] },
    { name: '+Inf', line: 'a{le="+Inf"} +Inf', want: [{ name: 'a', labels: { le: '+Inf' }, value: Infinity }] },
    { name: 'unterminated labels skipped', line: 'a{b="1" 2', want: [] },
    { name: 'no value skipped', line: 'a', want: [] },
    { name: 'CRLF', line: 'a 1\r\nb 2\r\n', want: [{ name: 'a', labels: {}, value: 1 }, { name: 'b', labels: {}, value: 2 }] },
  ])('$name', ({ line, want }) => {
    expect(parsePrometheusText(line)).toEqual(want);
  });
});
