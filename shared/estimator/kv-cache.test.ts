import { describe, expect, it } from 'vitest';
import { GiB, KiB, MiB } from '../units/bytes';
import { architectureFromGgufMetadata } from './gguf-metadata';
import { kvBytesPerToken, llamaCppCells, llamaCppKvCache, llamaCppSwaCells, type LlamaCppKvOptions } from './kv-cache';
import { ollamaToLlamaCppOptions } from './ollama';

const llama8b = {
  'general.architecture': 'llama', 'llama.block_count': 32, 'llama.embedding_length': 4096,
  'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8, 'llama.context_length': 131072,
};
const qwen7b = {
  'general.architecture': 'qwen2', 'qwen2.block_count': 28, 'qwen2.embedding_length': 3584,
  'qwen2.attention.head_count': 28, 'qwen2.attention.head_count_kv': 4, 'qwen2.context_length': 32768,
};
const llama70b = { ...llama8b, 'llama.block_count': 80, 'llama.embedding_length': 8192, 'llama.attention.head_count': 64 };
const gemma3_27b = {
  'general.architecture': 'gemma3', 'gemma3.block_count': 62, 'gemma3.embedding_length': 5376, 'gemma3.attention.head_count': 32,
  'gemma3.attention.head_count_kv': 16, 'gemma3.attention.key_length': 128, 'gemma3.attention.value_length': 128,
  'gemma3.attention.sliding_window': 1024, 'gemma3.context_length': 131072,
};
const gptOss20b = {
  'general.architecture': 'gpt-oss', 'gpt-oss.block_count': 24, 'gpt-oss.embedding_length': 2880, 'gpt-oss.attention.head_count': 64,
  'gpt-oss.attention.head_count_kv': 8, 'gpt-oss.attention.key_length': 64, 'gpt-oss.attention.value_length': 64,
  'gpt-oss.attention.sliding_window': 128, 'gpt-oss.context_length': 131072,
};
const dsMla = {
  'general.architecture': 'deepseek2', 'deepseek2.attention.head_count': 16, 'deepseek2.attention.head_count_kv': 1,
  'deepseek2.attention.key_length': 576, 'deepseek2.attention.key_length_mla': 192, 'deepseek2.attention.kv_lora_rank': 512,
  'deepseek2.attention.value_length': 512, 'deepseek2.attention.value_length_mla': 128, 'deepseek2.block_count': 27,
  'deepseek2.context_length': 163840, 'deepseek2.embedding_length': 2048, 'deepseek2.rope.dimension_count': 64,
};
const dsLegacy = { ...dsMla, 'deepseek2.attention.head_count_kv': 16, 'deepseek2.attention.key_length': 192, 'deepseek2.attention.value_length': 128 } as Record<string, unknown>;
delete dsLegacy['deepseek2.attention.key_length_mla'];
delete dsLegacy['deepseek2.attention.value_length_mla'];
const jamba = {
  'general.architecture': 'jamba', 'jamba.block_count': 4, 'jamba.embedding_length': 256, 'jamba.attention.head_count': 8,
  'jamba.attention.head_count_kv': [0, 0, 2, 0], 'jamba.ssm.conv_kernel': 4, 'jamba.ssm.inner_size': 512, 'jamba.ssm.state_size': 16,
};
const mamba = {
  'general.architecture': 'mamba', 'mamba.block_count': 2, 'mamba.embedding_length': 256,
  'mamba.ssm.conv_kernel': 4, 'mamba.ssm.inner_size': 512, 'mamba.ssm.state_size': 16,
};

function arch(meta: Record<string, unknown>) {
  const r = architectureFromGgufMetadata(meta);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const kv = (meta: Record<string, unknown>, o: LlamaCppKvOptions) => {
  const r = llamaCppKvCache(arch(meta), o);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('llamaCppCells', () => {
  it.each([
    { name: 'pads to 256', ctx: 1000, np: 1, unified: false, want: { contextCells: 1024, cellsPerStream: 1024, streams: 1 } },
    { name: '-c 8192 -np 3 rounds up to 3 × 2816', ctx: 8192, np: 3, unified: false, want: { contextCells: 8448, cellsPerStream: 2816, streams: 3 } },
    { name: 'unified shares one pool', ctx: 8192, np: 4, unified: true, want: { contextCells: 8192, cellsPerStream: 8192, streams: 1 } },
    { name: 'issue #23652: -c 32768 -np 10', ctx: 32768, np: 10, unified: false, want: { contextCells: 33280, cellsPerStream: 3328, streams: 10 } },
    { name: 'tiny context per slot pads to 256 each', ctx: 256, np: 4, unified: false, want: { contextCells: 1024, cellsPerStream: 256, streams: 4 } },
  ])('$name', ({ ctx, np, unified, want }) => {
    expect(llamaCppCells(ctx, np, unified)).toEqual({ ok: true, value: want });
  });
  it.each([
    { name: 'zero context', ctx: 0, np: 1 },
    { name: 'negative context', ctx: -5, np: 1 },
    { name: 'NaN context', ctx: Number.NaN, np: 1 },
    { name: 'zero slots', ctx: 4096, np: 0 },
    { name: 'too many slots', ctx: 4096, np: 257 },
    { name: 'fractional slots', ctx: 4096, np: 1.5 },
  ])('rejects $name', ({ ctx, np }) => {
    const r = llamaCppCells(ctx, np, false);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^cannot predict: /);
  });
});

describe('llamaCppSwaCells', () => {
  it.each([
    { name: 'gemma3 window 1024, ubatch 512', cells: 131072, win: 1024, np: 1, unified: false, ub: 512, full: false, want: 1536 },
    { name: 'node-llama-cpp ubatch 513', cells: 8192, win: 512, np: 1, unified: false, ub: 513, full: false, want: 1280 },
    { name: 'unified multiplies the window', cells: 32768, win: 1024, np: 4, unified: true, ub: 512, full: false, want: 4608 },
    { name: 'capped by the context', cells: 768, win: 512, np: 1, unified: false, ub: 513, full: false, want: 768 },
    { name: '--swa-full', cells: 8192, win: 512, np: 1, unified: false, ub: 512, full: true, want: 8192 },
  ])('$name', ({ cells, win, np, unified, ub, full, want }) => {
    expect(llamaCppSwaCells(cells, win, np, unified, ub, full)).toBe(want);
  });
});

describe('llamaCppKvCache: published worked numbers (memory-model.md §6)', () => {
  it.each([
    { name: 'Llama-3.1-8B f16 4k', meta: llama8b, ctx: 4096, want: 512 * MiB },
    { name: 'Llama-3.1-8B f16 32k', meta: llama8b, ctx: 32768, want: 4 * GiB },
    { name: 'Llama-3.1-8B f16 128k', meta: llama8b, ctx: 131072, want: 16 * GiB },
    { name: 'Qwen2.5-Coder-7B f16 32k', meta: qwen7b, ctx: 32768, want: 1.75 * GiB },
    { name: 'Llama-3.1-70B f16 4k', meta: llama70b, ctx: 4096, want: 1.25 * GiB },
    { name: 'Gemma-3-27B iSWA 4k', meta: gemma3_27b, ctx: 4096, want: 944 * MiB },
    { name: 'Gemma-3-27B iSWA 32k', meta: gemma3_27b, ctx: 32768, want: 3184 * MiB },
    { name: 'Gemma-3-27B iSWA 128k', meta: gemma3_27b, ctx: 131072, want: 10864 * MiB },
    { name: 'gpt-oss-20b iSWA 4k', meta: gptOss20b, ctx: 4096, want: 114 * MiB },
    { name: 'gpt-oss-20b iSWA 32k', meta: gptOss20b, ctx: 32768, want: 786 * MiB },
    { name: 'DeepSeek-Coder-V2-Lite MLA V-less 4k', meta: dsMla, ctx: 4096, want: 121.5 * MiB },
    { name: 'DeepSeek-Coder-V2-Lite MLA V-less 32k', meta: dsMla, ctx: 32768, want: 972 * MiB },
  ])('$name', ({ meta, ctx, want }) => {
    expect(kv(meta, { contextTokens: ctx }).bytes).toBe(want);
  });
  it('MLA before 2026-01-24 (V allocated) is 57.4 KiB/token: 1836 MiB at 32k', () => {
    expect(kv(dsMla, { contextTokens: 32768, mlaVCache: true }).bytes).toBe(1836 * MiB);
  });
  it('legacy DeepSeek-2 GGUF (no *_mla keys) caches full K/V per head, ~9× MLA', () => {
    const legacy = kv(dsLegacy, { contextTokens: 4096 });
    expect(legacy.bytes).toBe(27 * 16 * (192 + 128) * 2 * 4096);
    expect(legacy.bytes / kv(dsMla, { contextTokens: 4096 }).bytes).toBeCloseTo(8.89, 2);
  });
});

describe('llamaCppKvCache: types, slots and layer kinds', () => {
  it.each([
    { name: 'q8_0 is 34/64 of f16', types: { cacheTypeK: 'q8_0', cacheTypeV: 'q8_0' }, want: 272 * MiB },
    { name: 'q4_0 is 18/64 of f16', types: { cacheTypeK: 'q4_0', cacheTypeV: 'q4_0' }, want: 144 * MiB },
    { name: 'iq4_nl like q4_0', types: { cacheTypeK: 'iq4_nl', cacheTypeV: 'iq4_nl' }, want: 144 * MiB },
    { name: 'q5_1 / q4_1 mixed', types: { cacheTypeK: 'q5_1', cacheTypeV: 'q4_1' }, want: 96 * MiB + 80 * MiB },
    { name: 'f32', types: { cacheTypeK: 'f32', cacheTypeV: 'f32' }, want: 1024 * MiB },
    { name: 'bf16', types: { cacheTypeK: 'bf16', cacheTypeV: 'bf16' }, want: 512 * MiB },
  ] as const)('$name (Llama-3.1-8B, 4k)', ({ types, want }) => {
    expect(kv(llama8b, { contextTokens: 4096, ...types }).bytes).toBe(want);
  });

  it('Ollama num_ctx 8192 × NUM_PARALLEL 4 → -c 32768 -np 4, split streams', () => {
    const o = ollamaToLlamaCppOptions({ numCtx: 8192, numParallel: 4, kvCacheType: 'q8_0' });
    const r = kv(llama8b, o);
    expect({ streams: r.streams, cellsPerStream: r.cellsPerStream, bytes: r.bytes }).toEqual({ streams: 4, cellsPerStream: 8192, bytes: 2176 * MiB });
  });

  it('reports per-layer kinds and bytes for iSWA (gemma3: global layers 5, 11, …)', () => {
    const r = kv(gemma3_27b, { contextTokens: 4096 });
    expect(r.layers.filter((l) => l.kind === 'full').map((l) => l.index)).toEqual([5, 11, 17, 23, 29, 35, 41, 47, 53, 59]);
    expect(r.swaCellsPerStream).toBe(1536);
    expect(r.bytesPerToken).toBe(10 * 8 * KiB);
  });

  it('hybrid: only attention layers cache KV; recurrent state is f32 per sequence', () => {
    const r = kv(jamba, { contextTokens: 4096, parallel: 2 });
    expect(r.layers.map((l) => l.kind)).toEqual(['none', 'none', 'full', 'none']);
    // attention: 2048 cells per stream (since b8080, #19559) × 2 streams × 2 heads × 32 × 2 (K+V) × 2 B
    expect(r.kBytes + r.vBytes).toBe(2048 * 2 * 2 * 32 * 2 * 2);
    // before b8080 each stream held the whole n_ctx
    const old = kv(jamba, { contextTokens: 4096, parallel: 2, engineBuild: 8000 });
    expect(old.kBytes + old.vBytes).toBe(4096 * 2 * 2 * 32 * 2 * 2);
    // (d_conv-1)·d_inner + d_state·d_inner = 3·512 + 16·512 per layer, 3 layers, 2 sequences, 4 B
    expect(r.recurrentBytes).toBe(2 * 3 * (3 * 512 + 16 * 512) * 4);
  });

  it('pure recurrent: no KV, size independent of context', () => {
    const a = kv(mamba, { contextTokens: 4096 });
    const b = kv(mamba, { contextTokens: 65536 });
    expect(a.bytes).toBe(b.bytes);
    expect(a.kBytes + a.vBytes).toBe(0);
  });

  it('without flash attention V rows are padded to the widest layer', () => {
    const meta = { ...llama8b, 'llama.block_count': 2, 'llama.attention.head_count_kv': [8, 4] };
    const fa = kv(meta, { contextTokens: 256, flashAttention: true });
    const noFa = kv(meta, { contextTokens: 256, flashAttention: false });
    expect(fa.vBytes).toBe(256 * (8 + 4) * 128 * 2);
    expect(noFa.vBytes).toBe(256 * 2 * 8 * 128 * 2);
  });

  it('context 0 means the training context', () => {
    expect(kv(qwen7b, { contextTokens: 0 }).cellsPerStream).toBe(32768);
  });
});

describe('llamaCppKvCache: refusals', () => {
  it.each([
    { name: 'quantized V without flash attention', meta: llama8b, o: { contextTokens: 4096, cacheTypeV: 'q8_0', flashAttention: false }, msg: /requires flash attention/ },
    { name: 'head dim 80 with a q8_0 K', meta: { ...llama8b, 'llama.attention.key_length': 80, 'llama.attention.value_length': 80 }, o: { contextTokens: 4096, cacheTypeK: 'q8_0' }, msg: /does not divide the head dim 80/ },
    { name: 'context 0 without a training context', meta: { ...llama8b, 'llama.context_length': undefined }, o: { contextTokens: 0 }, msg: /context_length/ },
    { name: 'zero ubatch', meta: llama8b, o: { contextTokens: 4096, ubatch: 0 }, msg: /ubatch/ },
  ] as const)('$name', ({ meta, o, msg }) => {
    const r = llamaCppKvCache(arch(meta as Record<string, unknown>), o as LlamaCppKvOptions);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(msg);
  });
  it('quantized K without flash attention is allowed', () => {
    expect(llamaCppKvCache(arch(llama8b), { contextTokens: 4096, cacheTypeK: 'q8_0', flashAttention: false }).ok).toBe(true);
  });
});

describe('kvBytesPerToken', () => {
  it.each([
    { name: 'Llama-3.1-8B', meta: llama8b, want: 131072 },
    { name: 'Qwen2.5-Coder-7B', meta: qwen7b, want: 56 * KiB },
    { name: 'Llama-3.1-70B', meta: llama70b, want: 320 * KiB },
    { name: 'gpt-oss-20b (full layers only)', meta: gptOss20b, want: 24 * KiB },
  ])('$name', ({ meta, want }) => {
    expect(kvBytesPerToken(arch(meta))).toEqual({ ok: true, value: want });
  });
});
