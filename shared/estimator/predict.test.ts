import { describe, expect, it } from 'vitest';
import { GiB, MiB } from '../units/bytes';
import { architectureFromGgufMetadata } from './gguf-metadata';
import { kvBytesPerTokenFromModelInfo, predictForModel } from './predict';
import { vllmKvCapacity } from './vllm';

const qwen14b = {
  'general.architecture': 'qwen2', 'qwen2.block_count': 48, 'qwen2.embedding_length': 5120, 'qwen2.attention.head_count': 40,
  'qwen2.attention.head_count_kv': 8, 'qwen2.context_length': 32768, 'qwen2.feed_forward_length': 13824,
};
const arch = (() => {
  const r = architectureFromGgufMetadata(qwen14b);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
})();

describe('kvBytesPerTokenFromModelInfo', () => {
  it.each([
    { name: 'f16', cacheType: 'f16', want: 196608 },
    { name: 'q8_0', cacheType: 'q8_0', want: 104448 },
    { name: 'q4_0', cacheType: 'q4_0', want: 55296 },
  ] as const)('$name', ({ cacheType, want }) => {
    expect(kvBytesPerTokenFromModelInfo(qwen14b, { cacheType })).toEqual({ ok: true, value: want });
  });
  it('bad model_info is an error, not NaN', () => {
    const r = kvBytesPerTokenFromModelInfo({ 'general.architecture': 'qwen2' });
    expect(r.ok).toBe(false);
  });
});

describe('predictForModel', () => {
  const weights = 8_988_110_976;
  it('largest context per KV type stays under 90% and grows as the cache shrinks', () => {
    const r = predictForModel(arch, { gpuTotalBytes: 12 * GiB, weightsBytes: weights });
    if (!r.ok) throw new Error(r.error.message);
    const [f16, q8, q4] = r.value.curves;
    expect(r.value.thresholdBytes).toBe(Math.floor(12 * GiB * 0.9));
    for (const c of r.value.curves) {
      expect(c.largestContextTokens).not.toBeNull();
      const last = c.largestContextTokens as number;
      expect(last % 256).toBe(0);
      expect(c.points.every((p, i, a) => i === 0 || p.totalBytes >= (a[i - 1]?.totalBytes ?? 0))).toBe(true);
    }
    expect((q8?.largestContextTokens ?? 0)).toBeGreaterThan(f16?.largestContextTokens ?? 0);
    expect((q4?.largestContextTokens ?? 0)).toBeGreaterThan(q8?.largestContextTokens ?? 0);
    expect(r.value.isEstimate).toBe(true);
    expect(r.value.estimates.join(' ')).toMatch(/computeBytes/);
  });
  it('nothing fits on a tiny GPU → null, and 0 sequences', () => {
    const r = predictForModel(arch, { gpuTotalBytes: 4 * GiB, weightsBytes: weights });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.curves.every((c) => c.largestContextTokens === null)).toBe(true);
    expect(r.value.concurrency.every((c) => c.maxSequences === 0)).toBe(true);
  });
  it('more users fit at 4k than at 32k', () => {
    const r = predictForModel(arch, { gpuTotalBytes: 24 * GiB, weightsBytes: weights, cacheTypes: ['f16'] });
    if (!r.ok) throw new Error(r.error.message);
    const by = Object.fromEntries(r.value.concurrency.map((c) => [c.perUserContextTokens, c.maxSequences]));
    expect(by[4096]).toBeGreaterThan(by[32768] ?? 0);
  });
  it('quantized V without flash attention: the curve carries the error', () => {
    const r = predictForModel(arch, { gpuTotalBytes: 24 * GiB, weightsBytes: weights, flashAttention: false });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.curves.map((c) => c.error === null)).toEqual([true, false, false]);
  });
  it.each([
    { name: 'zero GPU', o: { gpuTotalBytes: 0, weightsBytes: 1 } },
    { name: 'threshold above 1', o: { gpuTotalBytes: GiB, weightsBytes: 1, thresholdRatio: 1.5 } },
  ])('rejects $name', ({ o }) => {
    expect(predictForModel(arch, o).ok).toBe(false);
  });
});

describe('vllmKvCapacity', () => {
  it('Qwen2.5-Coder-14B bf16 on 48 GiB at 0.9: blocks, tokens, concurrency', () => {
    const nonKv = 30 * GiB;
    const r = vllmKvCapacity(arch, { gpuMemoryTotalBytes: 48 * GiB, nonKvBytes: nonKv, maxModelLenTokens: 32768 });
    if (!r.ok) throw new Error(r.error.message);
    const blockBytes = 16 * 196608;
    const blocks = Math.floor((Math.floor(48 * GiB * 0.9) - nonKv) / blockBytes);
    expect(r.value).toMatchObject({ blockBytes, numBlocks: blocks, kvTokens: blocks * 16, maxConcurrency: blocks / 2048 });
  });
  it('MLA has no factor 2: 576 × 2 B per layer per token', () => {
    const mla = architectureFromGgufMetadata({ 'general.architecture': 'deepseek2', 'deepseek2.block_count': 27, 'deepseek2.attention.head_count': 16, 'deepseek2.attention.head_count_kv': 1, 'deepseek2.attention.key_length': 576, 'deepseek2.attention.value_length': 512, 'deepseek2.attention.key_length_mla': 192, 'deepseek2.attention.value_length_mla': 128 });
    if (!mla.ok) throw new Error(mla.error.message);
    const r = vllmKvCapacity(mla.value, { gpuMemoryTotalBytes: 24 * GiB, nonKvBytes: 0 });
    expect(r.ok && r.value.bytesPerToken).toBe(27 * 576 * 2);
  });
  it.each([
    { name: 'weights larger than the pool', o: { gpuMemoryTotalBytes: 8 * GiB, nonKvBytes: 8 * GiB } },
    { name: 'utilization 0', o: { gpuMemoryTotalBytes: 8 * GiB, nonKvBytes: 0, gpuMemoryUtilization: 0 } },
    { name: 'block size 0', o: { gpuMemoryTotalBytes: 8 * GiB, nonKvBytes: 0, blockSize: 0 } },
    { name: 'negative non-KV', o: { gpuMemoryTotalBytes: 8 * GiB, nonKvBytes: -MiB } },
  ])('rejects $name', ({ o }) => {
    expect(vllmKvCapacity(arch, o).ok).toBe(false);
  });
});
