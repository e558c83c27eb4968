/**
 * llama.cpp compute buffers measured with `npm run bench:accuracy` (node-llama-cpp 3.21.1, CPU,
 * `sched_reserve: CPU compute buffer size`, 0.01 MiB) against {@link llamaCppComputeBuffer}.
 */
import { describe, expect, it } from 'vitest';
import { architectureFromGgufMetadata } from './gguf-metadata';
import { llamaCppKvCache } from './kv-cache';
import { llamaCppComputeBuffer, llamaCppEffectiveUbatch } from './overhead';
import { llamaCppContextMemory } from './predict';

const MiB = 1048576;
const tiny = (arch: string, extra: Record<string, unknown> = {}) => ({
  'general.architecture': arch, [`${arch}.block_count`]: 4, [`${arch}.embedding_length`]: 256, [`${arch}.feed_forward_length`]: 512,
  [`${arch}.attention.head_count`]: 8, [`${arch}.attention.head_count_kv`]: 2, [`${arch}.vocab_size`]: 264, ...extra,
});
const MODELS: Record<string, Record<string, unknown>> = {
  'llama-gqa4': tiny('llama'),
  'qwen2-gqa7': tiny('qwen2', { 'qwen2.embedding_length': 224, 'qwen2.feed_forward_length': 448, 'qwen2.attention.head_count': 7, 'qwen2.attention.head_count_kv': 1, 'qwen2.block_count': 3 }),
  'llama-kv1-hd128': tiny('llama', { 'llama.attention.head_count': 4, 'llama.attention.head_count_kv': 1, 'llama.attention.key_length': 128, 'llama.attention.value_length': 128, 'llama.block_count': 2 }),
  'gemma3-swa512': tiny('gemma3', { 'gemma3.block_count': 7, 'gemma3.attention.head_count': 4, 'gemma3.attention.key_length': 64, 'gemma3.attention.value_length': 64, 'gemma3.attention.sliding_window': 512 }),
  'llama-ff5x': tiny('llama', { 'llama.block_count': 2, 'llama.embedding_length': 192, 'llama.feed_forward_length': 960, 'llama.attention.head_count': 6 }),
  'llama-vocab8k': tiny('llama', { 'llama.block_count': 2, 'llama.attention.head_count': 4, 'llama.vocab_size': 8192 }),
  'qwen3-hd80': tiny('qwen3', { 'qwen3.block_count': 2, 'qwen3.attention.head_count': 4, 'qwen3.attention.key_length': 80, 'qwen3.attention.value_length': 80 }),
  // Four layers, q = n_head × head_dim ≠ E = 256 (Qwen3's fixed head_dim 128 does this on real sizes).
  'qwen3-hd80-l4': tiny('qwen3', { 'qwen3.attention.head_count': 4, 'qwen3.attention.key_length': 80, 'qwen3.attention.value_length': 80 }),
  'qwen3-hd48-l4': tiny('qwen3', { 'qwen3.attention.head_count': 4, 'qwen3.attention.key_length': 48, 'qwen3.attention.value_length': 48 }),
  'qwen3-hd128-l4': tiny('qwen3', { 'qwen3.attention.head_count': 4, 'qwen3.attention.key_length': 128, 'qwen3.attention.value_length': 128 }),
  'qwen3-hd48-ff4x-l4': tiny('qwen3', { 'qwen3.attention.head_count': 4, 'qwen3.attention.key_length': 48, 'qwen3.attention.value_length': 48, 'qwen3.feed_forward_length': 1024 }),
  'qwen3-e192-hd32-l4': tiny('qwen3', { 'qwen3.embedding_length': 192, 'qwen3.feed_forward_length': 384, 'qwen3.attention.head_count': 4, 'qwen3.attention.key_length': 32, 'qwen3.attention.value_length': 32 }),
  'qwen3-hd80-ff1024-l4': tiny('qwen3', { 'qwen3.attention.head_count': 4, 'qwen3.attention.key_length': 80, 'qwen3.attention.value_length': 80, 'qwen3.feed_forward_length': 1024 }),
};

function predict(model: string, ctx: number, ub: number, fa: boolean): number {
  const a = architectureFromGgufMetadata(MODELS[model]!);
  if (!a.ok) throw new Error(a.error.message);
  const kv = llamaCppKvCache(a.value, { contextTokens: ctx, flashAttention: fa, ubatch: ub });
  if (!kv.ok) throw new Error(kv.error.message);
  return llamaCppComputeBuffer(a.value, { ubatch: ub, cells: kv.value.cellsPerStream, swaCells: kv.value.swaCellsPerStream, flashAttention: fa }).bytes;
}

describe('llamaCppComputeBuffer vs llama.cpp (CPU)', () => {
  it.each([
    { model: 'llama-gqa4', ctx: 1024, ub: 128, fa: true, mib: 1.38 },
    { model: 'llama-gqa4', ctx: 4096, ub: 1024, fa: true, mib: 17.03 },
    { model: 'llama-gqa4', ctx: 4096, ub: 512, fa: false, mib: 74.76 },
    { model: 'llama-gqa4', ctx: 1024, ub: 128, fa: false, mib: 5.19 },
    { model: 'llama-kv1-hd128', ctx: 1024, ub: 128, fa: false, mib: 3.5 },
    { model: 'qwen2-gqa7', ctx: 4096, ub: 512, fa: true, mib: 7.95 },
    { model: 'qwen2-gqa7', ctx: 1024, ub: 1024, fa: false, mib: 36.64 },
    { model: 'gemma3-swa512', ctx: 4096, ub: 513, fa: true, mib: 9.79 },
    { model: 'gemma3-swa512', ctx: 4096, ub: 1025, fa: false, mib: 94.12 },
    { model: 'qwen3-hd80', ctx: 4096, ub: 512, fa: false, mib: 43.38 },
    { model: 'llama-ff5x', ctx: 1024, ub: 512, fa: true, mib: 8.14 },
    { model: 'llama-ff5x', ctx: 4096, ub: 1024, fa: false, mib: 116.27 },
    { model: 'llama-vocab8k', ctx: 4096, ub: 512, fa: true, mib: 20.5 },
    { model: 'llama-vocab8k', ctx: 4096, ub: 1024, fa: false, mib: 86.02 },
    // The (q mod E) gap of the feed-forward phase, from the third layer on.
    { model: 'qwen3-hd80-l4', ctx: 1024, ub: 512, fa: true, mib: 5.64 },
    { model: 'qwen3-hd48-l4', ctx: 1024, ub: 512, fa: true, mib: 5.89 },
    { model: 'qwen3-hd128-l4', ctx: 1024, ub: 512, fa: true, mib: 5.51 },
    { model: 'qwen3-hd80-ff1024-l4', ctx: 1024, ub: 512, fa: true, mib: 9.14 },
    { model: 'qwen3-hd48-ff4x-l4', ctx: 1024, ub: 512, fa: true, mib: 8.89 },
    // Without flash attention, q < E keeps one more E-wide block alive while n_ff ≤ 3·E.
    { model: 'qwen3-hd48-l4', ctx: 1024, ub: 512, fa: false, mib: 13.13 },
    { model: 'qwen3-e192-hd32-l4', ctx: 1024, ub: 512, fa: false, mib: 12.26 },
    { model: 'qwen3-hd48-ff4x-l4', ctx: 1024, ub: 512, fa: false, mib: 12.63 },
    // Two layers: no earlier feed-forward block to reuse; the attention output is the extra block.
    { model: 'qwen3-hd80', ctx: 1024, ub: 1024, fa: true, mib: 10.28 },
    { model: 'qwen3-hd80', ctx: 1024, ub: 512, fa: true, mib: 5.14 },
    { model: 'llama-kv1-hd128', ctx: 4096, ub: 512, fa: true, mib: 8.51 },
  ])('$model ctx $ctx ubatch $ub FA $fa: $mib MiB', ({ model, ctx, ub, fa, mib }) => {
    expect(Math.abs(predict(model, ctx, ub, fa) / MiB - mib)).toBeLessThanOrEqual(0.02);
  });
  // The 8k-vocabulary model: the logits set the peak, and where ggml-alloc puts them depends on the
  // blocks freed before (the KQ mask is an input freed after the last attention; the unused inp_embd
  // input is never freed). The phase formula missed the 1024-cell cases by 5–10%; the ggml-alloc
  // replay over the reserve graph gives every case.
  it.each([
    { ctx: 1024, ub: 128, fa: true, mib: 4.88 }, { ctx: 4096, ub: 128, fa: true, mib: 5.13 },
    { ctx: 1024, ub: 512, fa: true, mib: 19.51 }, { ctx: 4096, ub: 512, fa: true, mib: 20.5 },
    { ctx: 1024, ub: 1024, fa: true, mib: 39.03 }, { ctx: 4096, ub: 1024, fa: true, mib: 41.0 },
    { ctx: 1024, ub: 128, fa: false, mib: 4.38 }, { ctx: 4096, ub: 128, fa: false, mib: 10.75 },
    { ctx: 1024, ub: 512, fa: false, mib: 17.5 }, { ctx: 4096, ub: 512, fa: false, mib: 43.01 },
    { ctx: 1024, ub: 1024, fa: false, mib: 35.0 }, { ctx: 4096, ub: 1024, fa: false, mib: 86.02 },
  ])('llama-vocab8k ctx $ctx ubatch $ub FA $fa: $mib MiB (ggml-alloc replay)', ({ ctx, ub, fa, mib }) => {
    expect(Math.abs(predict('llama-vocab8k', ctx, ub, fa) / MiB - mib)).toBeLessThanOrEqual(0.005);
  });
  it('the output logits phase dominates for real vocabularies (152k × 512 × 4 B ≈ 297 MiB)', () => {
    const a = architectureFromGgufMetadata({ ...MODELS['qwen2-gqa7']!, 'qwen2.vocab_size': 152064, 'qwen2.embedding_length': 3584, 'qwen2.feed_forward_length': 18944, 'qwen2.attention.head_count': 28, 'qwen2.attention.head_count_kv': 4 });
    if (!a.ok) throw new Error(a.error.message);
    const p = llamaCppComputeBuffer(a.value, { ubatch: 512, cells: 4096, swaCells: null, flashAttention: true });
    expect(p.dominant).toBe('output');
    // ggml-alloc replay: the logits land 2·E + 1 floats per token up (where the blocks freed before
    // them leave the end of the buffer), 2.99 MiB above the phase formula's logits + E + mask.
    expect(p.bytes).toBe(512 * 4 * (152064 + 2 * 3584 + 1));
  });
});

describe('ggml-alloc replay (Llama, Qwen2, Qwen3, Gemma 3): exact to the log on every bench case', () => {
  it.each([
    { model: 'llama-gqa4', ctx: 4096, ub: 1024, fa: true, mib: 17.03 }, { model: 'llama-gqa4', ctx: 4096, ub: 1024, fa: false, mib: 149.52 },
    { model: 'qwen2-gqa7', ctx: 1024, ub: 512, fa: true, mib: 4.95 }, { model: 'qwen2-gqa7', ctx: 4096, ub: 512, fa: false, mib: 66.32 },
    { model: 'qwen3-hd80-l4', ctx: 1024, ub: 128, fa: true, mib: 1.41 },
    { model: 'gemma3-swa512', ctx: 1024, ub: 513, fa: true, mib: 6.53 }, { model: 'gemma3-swa512', ctx: 4096, ub: 1025, fa: true, mib: 20.56 },
    { model: 'gemma3-swa512', ctx: 4096, ub: 1025, fa: false, mib: 94.12 }, { model: 'gemma3-swa512', ctx: 1024, ub: 1024, fa: false, mib: 31.03 },
  ])('$model ctx $ctx ubatch $ub FA $fa: $mib MiB', ({ model, ctx, ub, fa, mib }) => {
    expect(Math.abs(predict(model, ctx, ub, fa) / MiB - mib)).toBeLessThanOrEqual(0.005);
  });
});

describe('n_ubatch as llama.cpp runs it', () => {
  it('caps n_ubatch at the requested context (llama_context: n_batch = min(n_ctx, n_batch), n_ubatch = min(n_batch, n_ubatch))', () => {
    expect(llamaCppEffectiveUbatch(512, 256)).toBe(256);
    expect(llamaCppEffectiveUbatch(512, 300)).toBe(300);
    expect(llamaCppEffectiveUbatch(512, 4096)).toBe(512);
    expect(llamaCppEffectiveUbatch(512, 4096, 128)).toBe(128);
    expect(llamaCppEffectiveUbatch(512, 0)).toBe(512);
  });
  it('a 256-token context reserves a 256-token graph: 2.38 MiB measured by the real-llama probe bench (tiny llama 4×256), not the 512-token 4.76 MiB', () => {
    const a = architectureFromGgufMetadata(MODELS['llama-gqa4']!);
    if (!a.ok) throw new Error(a.error.message);
    const mem = llamaCppContextMemory(a.value, { contextTokens: 256 });
    if (!mem.ok) throw new Error(mem.error.message);
    const output = 264 * 4;
    expect((mem.value.computeBytes - output) / MiB).toBeCloseTo(2.38, 2);
    const at512 = llamaCppContextMemory(a.value, { contextTokens: 512 });
    expect(at512.ok && (at512.value.computeBytes - output) / MiB).toBeCloseTo(5.01, 2);
  });
});
