/**
 * Every architecture name in the newest llama.cpp this repository can read (src/llama-arch.cpp,
 * LLM_ARCH_NAMES of the node-llama-cpp 3.21.1 bundle, llama.cpp 80fb11a) has a layout rule: sized exactly, "no KV cache", or refused with a reason.
 * Real-model rows use the GGUF keys of published models (the values their config.json and the
 * llama.cpp loader logs users posted show).
 */
import { describe, expect, it } from 'vitest';
import { MiB } from '../units/bytes';
import { architectureFromGgufMetadata } from './gguf-metadata';
import { llamaCppKvCache, type LlamaCppKvOptions } from './kv-cache';
import { LLAMA_CPP_ARCH_NAMES, parseLlmArchNames } from './llama-cpp-arch-names';
import { LLAMA_CPP_ARCHITECTURES, architecturesMissingFrom, llamaCppArchitecture, notLoadableArchitectures, refusedArchitectures } from './llama-arch';

const LLAMA_CPP_NAMES = LLAMA_CPP_ARCH_NAMES;


function archOf(meta: Record<string, unknown>) {
  const r = architectureFromGgufMetadata(meta);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
function kv(meta: Record<string, unknown>, o: LlamaCppKvOptions) {
  const r = llamaCppKvCache(archOf(meta), o);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Smallest metadata that each layout needs: 4 layers, 2 KV heads of 64, SSM keys for recurrent layers. */
function minimal(name: string): Record<string, unknown> {
  const e = llamaCppArchitecture(name);
  const m: Record<string, unknown> = {
    'general.architecture': name, [`${name}.block_count`]: 4, [`${name}.embedding_length`]: 256, [`${name}.attention.head_count`]: 4,
    [`${name}.attention.head_count_kv`]: 2, [`${name}.attention.key_length`]: 64, [`${name}.attention.value_length`]: 64,
  };
  if (e?.layout.kind === 'standard' && e.layout.swa?.needsPatternArray) {
    m[`${name}.attention.sliding_window`] = 128;
    m[`${name}.attention.sliding_window_pattern`] = [true, true, true, false];
  }
  if (e && (e.layout.kind === 'standard' || e.layout.kind === 'hybrid') && e.layout.indexer) m[`${name}.attention.indexer.key_length`] = 32;
  if (name === 'dots3note') m[`${name}.attention.indexer.types`] = [false, false, false, true];
  if (name === 'muse-glimmer') m[`${name}.attention.sliding_window`] = 128;
  if (name === 'deepseek4') {
    Object.assign(m, { [`${name}.attention.indexer.key_length`]: 32, [`${name}.attention.sliding_window`]: 128, [`${name}.attention.compress_ratios`]: [0, 4, 128, 0] });
  }
  if (e?.layout.kind === 'recurrent' || e?.layout.kind === 'hybrid') {
    Object.assign(m, { [`${name}.ssm.conv_kernel`]: 4, [`${name}.ssm.inner_size`]: 512, [`${name}.ssm.state_size`]: 16, [`${name}.ssm.group_count`]: 1 });
    if (e.layout.kind === 'hybrid' && e.layout.rule === 'zero-kv') m[`${name}.attention.head_count_kv`] = [0, 2, 0, 2];
    if (e.layout.kind === 'hybrid' && e.layout.rule === 'nemotron') {
      m[`${name}.attention.head_count_kv`] = [0, 2, 0, 0];
      m[`${name}.feed_forward_length`] = [0, 0, 0, 512];
    }
    if (name.startsWith('rwkv') || name === 'arwkv7') Object.assign(m, { [`${name}.wkv.head_size`]: 64 });
    if (name === 'bailingmoe3' || name === 'kimi-k3') m[`${name}.kda.head_dim`] = 16;
  }
  return m;
}

describe('llama.cpp architecture registry', () => {
  it('covers every LLM_ARCH_NAMES entry of the current release, and nothing else', () => {
    expect(LLAMA_CPP_ARCHITECTURES.map((e) => e.name).sort()).toEqual([...LLAMA_CPP_NAMES].sort());
    expect(new Set(LLAMA_CPP_ARCHITECTURES.map((e) => e.name)).size).toBe(LLAMA_CPP_ARCHITECTURES.length);
  });

  it.each(LLAMA_CPP_ARCHITECTURES.map((e) => ({ name: e.name, rule: e.rule, kind: e.layout.kind })))('$name: $rule', ({ name, kind }) => {
    const r = architectureFromGgufMetadata(minimal(name));
    if (kind === 'unsupported') {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(new RegExp(`^cannot predict: architecture "${name}" is not supported: .{20,}`));
      return;
    }
    if (kind === 'not-loadable') {
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(new RegExp(`^cannot predict: architecture "${name}" is not loadable by llama.cpp: .{20,}`));
      return;
    }
    if (!r.ok) throw new Error(r.error.message);
    const b = llamaCppKvCache(r.value, { contextTokens: 4096 });
    if (!b.ok) throw new Error(b.error.message);
    if (kind === 'no-cache') {
      expect(b.value.bytes).toBe(0);
      expect(b.value.notes[0]).toMatch(/^no KV cache: /);
    } else if (kind === 'recurrent') {
      expect(b.value.kBytes + b.value.vBytes).toBe(0);
      expect(b.value.recurrentBytes).toBeGreaterThan(0);
    } else if (kind === 'hybrid') {
      expect(b.value.recurrentBytes).toBeGreaterThan(0);
      expect(b.value.bytes).toBe(b.value.kBytes + b.value.vBytes + b.value.recurrentBytes);
    } else if (kind === 'dsv4') {
      expect(b.value.vBytes).toBe(0);
      expect(b.value.kBytes).toBeGreaterThan(0);
      expect(b.value.recurrentBytes).toBeGreaterThan(0);
    } else {
      // layers × 2 heads × 64 × (K + V) × 2 B per cell, plus a one-head indexer (K 32 + V 64); SWA layers hold fewer cells.
      const e = llamaCppArchitecture(name);
      const indexer = e?.layout.kind === 'standard' && e.layout.indexer ? 32 + 64 : 0;
      expect(b.value.bytes).toBeLessThanOrEqual(b.value.layers.length * (2 * 64 * 2 + indexer) * 2 * 4096);
      expect(b.value.bytes).toBeGreaterThan(0);
    }
  });

  it('reads LLM_ARCH_NAMES out of llama-arch.cpp text, and names what the registry lacks', () => {
    const src = 'static const std::map<llm_arch, const char *> LLM_ARCH_NAMES = {\n    { LLM_ARCH_LLAMA,  "llama"  },\n    { LLM_ARCH_FOO, "foo-2" },\n    { LLM_ARCH_UNKNOWN, "(unknown)" },\n};\nstatic const std::map<llm_kv, const char *> LLM_KV_NAMES = {\n    { LLM_KV_X, "%s.x" },\n};';
    expect(parseLlmArchNames(src)).toEqual(['llama', 'foo-2']);
    expect(parseLlmArchNames('int main() {}')).toBeNull();
    expect(architecturesMissingFrom(['llama', 'foo-2'])).toEqual(['foo-2']);
    expect(architecturesMissingFrom(LLAMA_CPP_ARCH_NAMES)).toEqual([]);
  });

  it('refuses none; clip is listed apart as not loadable by llama.cpp', () => {
    expect(refusedArchitectures().map((e) => e.name)).toEqual([]);
    expect(notLoadableArchitectures().map((e) => e.name)).toEqual(['clip']);
    const clip = architectureFromGgufMetadata({ ...minimal('clip') });
    expect(!clip.ok && clip.error.message).toMatch(/CLIP cannot be used as main model/);
  });

  it('names an architecture llama.cpp does not know', () => {
    const r = architectureFromGgufMetadata({ ...minimal('llama'), 'general.architecture': 'frobnicator', 'frobnicator.block_count': 2 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/unknown architecture "frobnicator".*llama\.cpp's current release does not know it/);
  });
});

// ── Real models (published config.json / GGUF keys) ──
const qwen35_27b = {
  'general.architecture': 'qwen35', 'qwen35.block_count': 64, 'qwen35.context_length': 262144, 'qwen35.embedding_length': 5120,
  'qwen35.feed_forward_length': 17408, 'qwen35.attention.head_count': 24, 'qwen35.attention.head_count_kv': 4,
  'qwen35.attention.key_length': 256, 'qwen35.attention.value_length': 256, 'qwen35.ssm.conv_kernel': 4, 'qwen35.ssm.inner_size': 6144,
  'qwen35.ssm.state_size': 128, 'qwen35.ssm.group_count': 16, 'qwen35.ssm.time_step_rank': 48, 'qwen35.full_attention_interval': 4,
};
const qwen35_35b_a3b = {
  'general.architecture': 'qwen35moe', 'qwen35moe.block_count': 40, 'qwen35moe.context_length': 262144, 'qwen35moe.embedding_length': 2048,
  'qwen35moe.attention.head_count': 16, 'qwen35moe.attention.head_count_kv': 2, 'qwen35moe.attention.key_length': 256,
  'qwen35moe.attention.value_length': 256, 'qwen35moe.ssm.conv_kernel': 4, 'qwen35moe.ssm.inner_size': 4096, 'qwen35moe.ssm.state_size': 128,
  'qwen35moe.ssm.group_count': 16, 'qwen35moe.ssm.time_step_rank': 32, 'qwen35moe.full_attention_interval': 4,
};
const gemma3n_e4b = {
  'general.architecture': 'gemma3n', 'gemma3n.block_count': 35, 'gemma3n.embedding_length': 2048, 'gemma3n.attention.head_count': 8,
  'gemma3n.attention.head_count_kv': 2, 'gemma3n.attention.key_length': 256, 'gemma3n.attention.value_length': 256,
  'gemma3n.attention.sliding_window': 512, 'gemma3n.attention.shared_kv_layers': 15, 'gemma3n.context_length': 32768,
};
const olmo3_7b = {
  'general.architecture': 'olmo2', 'olmo2.block_count': 32, 'olmo2.embedding_length': 4096, 'olmo2.attention.head_count': 32,
  'olmo2.attention.head_count_kv': 32, 'olmo2.attention.sliding_window': 4096, 'olmo2.context_length': 65536,
};
const olmo2_7b = { ...olmo3_7b, 'olmo2.attention.sliding_window': undefined, 'olmo2.context_length': 4096 };
const exaone4_32b = {
  'general.architecture': 'exaone4', 'exaone4.block_count': 64, 'exaone4.embedding_length': 5120, 'exaone4.attention.head_count': 40,
  'exaone4.attention.head_count_kv': 8, 'exaone4.attention.key_length': 128, 'exaone4.attention.value_length': 128,
  'exaone4.attention.sliding_window': 4096, 'exaone4.context_length': 131072,
};
const exaone4_1b = { ...exaone4_32b, 'exaone4.block_count': 30, 'exaone4.embedding_length': 2048, 'exaone4.attention.head_count': 32 };
const nomicEmbed = { 'general.architecture': 'nomic-bert', 'nomic-bert.block_count': 12, 'nomic-bert.embedding_length': 768, 'nomic-bert.attention.head_count': 12, 'nomic-bert.context_length': 2048 };

describe('real models', () => {
  // Qwen3.5-27B: 16 attention layers (3, 7, …, 63) × 4 KV heads × 256 × (K+V) × 2 B = 64 KiB per token
  // (the 64 MB per 1k tokens llama.cpp's macOS catalog lists); 48 gated-delta-net layers of
  // R = 3 × (6144 + 2·16·128) and S = 128 × 6144 f32 values.
  it('Qwen3.5-27B (qwen35) at 32k: 2 GiB KV + 149.625 MiB recurrent state', () => {
    const r = kv(qwen35_27b, { contextTokens: 32768 });
    expect(r.layers.filter((l) => l.kind === 'full').map((l) => l.index)).toEqual([3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63]);
    expect(r.kBytes + r.vBytes).toBe(2048 * MiB);
    expect(r.recurrentBytes).toBe(48 * (3 * (6144 + 2 * 16 * 128) + 128 * 6144) * 4);
    expect(r.recurrentBytes).toBe(149.625 * MiB);
    expect(r.bytes).toBe(2048 * MiB + 149.625 * MiB);
    expect(r.bytesPerToken).toBe(65536);
  });
  it('Qwen3.5-35B-A3B (qwen35moe) at 32k: 640 MiB KV + 62.8125 MiB recurrent (20 KiB per token)', () => {
    const r = kv(qwen35_35b_a3b, { contextTokens: 32768 });
    expect(r.kBytes + r.vBytes).toBe(640 * MiB);
    expect(r.recurrentBytes).toBe(62.8125 * MiB);
    expect(r.bytesPerToken).toBe(20480);
  });
  it('Qwen3.5-35B-A3B with its MTP block (block_count 41, nextn_predict_layers 1): the MTP layer is outside the cache', () => {
    const withMtp = kv({ ...qwen35_35b_a3b, 'qwen35moe.block_count': 41, 'qwen35moe.nextn_predict_layers': 1 }, { contextTokens: 32768 });
    const plain = kv(qwen35_35b_a3b, { contextTokens: 32768 });
    expect(withMtp.bytes).toBe(plain.bytes);
    expect(withMtp.layers.length).toBe(41);
  });
  it('qwen35 with an explicit attention.recurrent_layers array follows the array', () => {
    const r = kv({ ...qwen35_27b, 'qwen35.block_count': 4, 'qwen35.attention.recurrent_layers': [true, false, true, false] }, { contextTokens: 4096 });
    expect(r.layers.filter((l) => l.kind === 'full').map((l) => l.index)).toEqual([1, 3]);
  });
  it('recurrent state rows scale with sequences (one state per slot)', () => {
    const one = kv(qwen35_35b_a3b, { contextTokens: 8192 }).recurrentBytes;
    expect(kv(qwen35_35b_a3b, { contextTokens: 8192, parallel: 4 }).recurrentBytes).toBe(4 * one);
  });
  it('Gemma-3n-E4B at 4k: 20 of 35 layers hold KV (15 shared), 4 global + 16 SWA of 1024 cells = 64 MiB', () => {
    const r = kv(gemma3n_e4b, { contextTokens: 4096 });
    expect(r.layers.filter((l) => l.kind === 'full').map((l) => l.index)).toEqual([4, 9, 14, 19]);
    expect(r.layers.filter((l) => l.kind === 'swa')).toHaveLength(16);
    expect(r.swaCellsPerStream).toBe(1024);
    expect(r.bytes).toBe(64 * MiB);
  });
  it('OLMo-3-7B (olmo2 with a sliding window) at 64k: 8 full layers 8 GiB + 24 SWA layers of 4608 cells', () => {
    const r = kv(olmo3_7b, { contextTokens: 65536 });
    expect(r.bytes).toBe(8192 * MiB + 24 * 16384 * 4608);
  });
  it('OLMo-2-7B (no sliding window) caches every layer', () => {
    expect(kv(olmo2_7b, { contextTokens: 4096 }).bytes).toBe(32 * 16384 * 4096);
  });
  it('EXAONE-4.0-32B at 32k: 16 global layers 2 GiB + 48 SWA layers × 4608 cells; the 1.2B has no SWA', () => {
    expect(kv(exaone4_32b, { contextTokens: 32768 }).bytes).toBe(2048 * MiB + 48 * 4096 * 4608);
    expect(kv(exaone4_1b, { contextTokens: 32768 }).swaCellsPerStream).toBeNull();
  });
  it('Kimi Linear layout: KDA layers hold head_dim² × heads state, MLA layers cache K only', () => {
    const kimi = {
      'general.architecture': 'kimi-linear', 'kimi-linear.block_count': 4, 'kimi-linear.embedding_length': 2304, 'kimi-linear.attention.head_count': 32,
      'kimi-linear.attention.head_count_kv': [0, 0, 0, 1], 'kimi-linear.attention.key_length': 576, 'kimi-linear.attention.value_length': 512,
      'kimi-linear.attention.key_length_mla': 192, 'kimi-linear.attention.value_length_mla': 128, 'kimi-linear.attention.kv_lora_rank': 512,
      'kimi-linear.ssm.conv_kernel': 4, 'kimi-linear.kda.head_dim': 128,
    };
    const r = kv(kimi, { contextTokens: 8192 });
    expect(r.kBytes).toBe(576 * 2 * 8192);
    expect(r.vBytes).toBe(0);
    expect(r.recurrentBytes).toBe(3 * (3 * 3 * 32 * 128 + 128 * 128 * 32) * 4);
  });
  it('DeepSeek-V3.2 (deepseek32) at 32k: 61 MLA layers × (576 + 128 indexer) × 2 B per cell', () => {
    const ds32 = {
      'general.architecture': 'deepseek32', 'deepseek32.block_count': 61, 'deepseek32.embedding_length': 7168, 'deepseek32.attention.head_count': 128,
      'deepseek32.attention.head_count_kv': 1, 'deepseek32.attention.key_length': 576, 'deepseek32.attention.value_length': 512,
      'deepseek32.attention.key_length_mla': 192, 'deepseek32.attention.value_length_mla': 128, 'deepseek32.attention.kv_lora_rank': 512,
      'deepseek32.rope.dimension_count': 64, 'deepseek32.attention.indexer.key_length': 128, 'deepseek32.attention.indexer.head_count': 64,
    };
    const r = kv(ds32, { contextTokens: 32768 });
    expect(r.vBytes).toBe(0);
    expect(r.bytes).toBe(61 * (576 + 128) * 2 * 32768);
    const noIndexer = architectureFromGgufMetadata({ ...ds32, 'deepseek32.attention.indexer.key_length': undefined });
    expect(noIndexer.ok).toBe(false);
  });
  it('nomic-embed-text (nomic-bert): no KV cache at all', () => {
    const r = kv(nomicEmbed, { contextTokens: 2048 });
    expect(r.bytes).toBe(0);
  });
});

// T5 family: config.json of google-t5/t5-small, google/flan-t5-small and google/t5-v1_1-xxl (the text
// encoder of Flux / SD3), as convert_hf_to_gguf writes them: block_count = num_layers, head_count and
// head_count_kv = num_heads, key_length = value_length = d_kv.
const t5 = (arch: 't5' | 't5encoder', layers: number, dModel: number, heads: number, dKv: number, extra: Record<string, unknown> = {}) => ({
  'general.architecture': arch, [`${arch}.block_count`]: layers, [`${arch}.embedding_length`]: dModel, [`${arch}.attention.head_count`]: heads,
  [`${arch}.attention.head_count_kv`]: heads, [`${arch}.attention.key_length`]: dKv, [`${arch}.attention.value_length`]: dKv,
  [`${arch}.context_length`]: 512, ...extra,
});

// DeepSeek-V4-Flash config.json (deepseek-ai): 43 layers + 1 MTP block, 64 heads, 1 KV head, head_dim 512,
// sliding_window 128, index_head_dim 128, compress_ratios [0, 0, 4, 128, 4, …, 128, 4, 0] (44 entries).
const dsv4Flash = {
  'general.architecture': 'deepseek4', 'deepseek4.block_count': 44, 'deepseek4.nextn_predict_layers': 1, 'deepseek4.embedding_length': 4096,
  'deepseek4.attention.head_count': 64, 'deepseek4.attention.head_count_kv': 1, 'deepseek4.attention.key_length': 512,
  'deepseek4.attention.value_length': 512, 'deepseek4.attention.sliding_window': 128, 'deepseek4.attention.indexer.key_length': 128,
  'deepseek4.attention.indexer.head_count': 64, 'deepseek4.context_length': 1048576, 'deepseek4.vocab_size': 129280,
  'deepseek4.attention.compress_ratios': [0, 0, ...Array.from({ length: 41 }, (_, i) => (i % 2 === 0 ? 4 : 128)), 0],
};

describe('DeepSeek-V4 (llama_kv_cache_dsv4)', () => {
  it('DeepSeek-V4-Flash at 32k: raw 44 × 768 cells × 512 K (33 MiB) + 21 CSA × 8192 × (512 + 128) (210 MiB) + 20 HCA × 256 × 512 (5 MiB), K only', () => {
    const r = kv(dsv4Flash, { contextTokens: 32768 });
    expect(r.swaCellsPerStream).toBe(768);
    expect(r.vBytes).toBe(0);
    expect(r.kBytes).toBe((33 + 210 + 5) * MiB);
    // compressor states, f32 per sequence: 21 × (2·1024·8 + 2·256·8) + 20 × 2·512·128 floats
    expect(r.recurrentBytes).toBe((21 * (2 * 1024 * 8 + 2 * 256 * 8) + 20 * 2 * 512 * 128) * 4);
    expect(r.bytes).toBe(r.kBytes + r.recurrentBytes);
  });
  it('one stream per sequence even with --kv-unified; states per sequence', () => {
    const split = kv(dsv4Flash, { contextTokens: 16384, parallel: 2 });
    const unified = kv(dsv4Flash, { contextTokens: 16384, parallel: 2, kvUnified: true });
    expect(split.streams).toBe(2);
    expect(unified.streams).toBe(2);
    // unified: each of the 2 streams gets the whole n_ctx (16384), so the compressed caches double
    expect(unified.kBytes).toBeGreaterThan(split.kBytes);
    expect(split.recurrentBytes).toBe(2 * kv(dsv4Flash, { contextTokens: 8192 }).recurrentBytes);
  });
  it('refuses different K and V types, a missing compress_ratios, and a ratio llama.cpp does not know', () => {
    const a = archOf(dsv4Flash);
    const r = llamaCppKvCache(a, { contextTokens: 4096, cacheTypeK: 'q8_0', cacheTypeV: 'f16' });
    expect(!r.ok && r.error.message).toMatch(/same K and V cache types/);
    expect(architectureFromGgufMetadata({ ...dsv4Flash, 'deepseek4.attention.compress_ratios': undefined }).ok).toBe(false);
    const bad = architectureFromGgufMetadata({ ...dsv4Flash, 'deepseek4.attention.compress_ratios': new Array(44).fill(8) });
    expect(!bad.ok && bad.error.message).toMatch(/knows 0, 4 \(CSA\) and 128 \(HCA\)/);
  });
});

describe('encoder–decoder and draft models (real configs)', () => {
  it('t5-small (6 layers, 8 heads × d_kv 64) at 512: 6 × 512 cells × 512 × (K+V) × 2 B = 6 MiB', () => {
    const r = kv(t5('t5', 6, 512, 8, 64), { contextTokens: 512 });
    expect(r.bytes).toBe(6 * MiB);
    expect(r.layers.every((l) => l.kind === 'full')).toBe(true);
  });
  it('flan-t5-small (8 + 8 layers, 6 heads × 64): the cache covers block_count layers, 8 × 384 × 2 × 2 B per cell', () => {
    const r = kv(t5('t5', 8, 512, 6, 64, { 't5.decoder_block_count': 8 }), { contextTokens: 2048 });
    expect(r.bytes).toBe(8 * 384 * 2 * 2 * 2048);
    // measured on a tiny T5 by `npm run bench:accuracy` (t5-enc-dec: 3 layers × 4 heads × 48 at 2048 = 4.50 MiB).
    expect(kv(t5('t5', 3, 256, 4, 48), { contextTokens: 2048 }).bytes).toBe(4.5 * MiB);
  });
  it('t5-v1_1-xxl encoder (t5encoder, 24 layers, 64 heads × 64): llama.cpp still allocates the unused KV cache, 192 MiB at 512', () => {
    const r = kv(t5('t5encoder', 24, 4096, 64, 64), { contextTokens: 512 });
    expect(r.bytes).toBe(192 * MiB);
    // measured on a tiny t5encoder by `npm run bench:accuracy` (t5encoder-only: 4.50 MiB at 2048 cells).
    expect(kv(t5('t5encoder', 3, 256, 4, 48), { contextTokens: 2048 }).bytes).toBe(4.5 * MiB);
  });
  it('EAGLE3-LLaMA3.1-Instruct-8B (eagle3, 1 layer, 8 KV heads × 128) at 8k: 32 MiB of its own', () => {
    const r = kv({
      'general.architecture': 'eagle3', 'eagle3.block_count': 1, 'eagle3.embedding_length': 4096, 'eagle3.attention.head_count': 32,
      'eagle3.attention.head_count_kv': 8, 'eagle3.context_length': 131072,
    }, { contextTokens: 8192 });
    expect(r.bytes).toBe(32 * MiB);
  });
  it('Qwen3-8B DFlash draft (dflash, 5 layers, 8 KV heads × 128) at 8k: 160 MiB; DSpark stages (hyper_connection.count > 0) all slide', () => {
    const m = {
      'general.architecture': 'dflash', 'dflash.block_count': 5, 'dflash.embedding_length': 4096, 'dflash.attention.head_count': 32,
      'dflash.attention.head_count_kv': 8, 'dflash.attention.key_length': 128, 'dflash.attention.value_length': 128, 'dflash.context_length': 40960,
    };
    expect(kv(m, { contextTokens: 8192 }).bytes).toBe(160 * MiB);
    const dspark = kv({ ...m, 'dflash.hyper_connection.count': 4, 'dflash.attention.sliding_window': 128 }, { contextTokens: 8192, ubatch: 512 });
    expect(dspark.swaCellsPerStream).toBe(768);
    expect(dspark.bytes).toBe(5 * 768 * 1024 * 2 * 2);
    const noWindow = architectureFromGgufMetadata({ ...m, 'dflash.hyper_connection.count': 4 });
    expect(!noWindow.ok && noWindow.error.message).toMatch(/needs dflash\.attention\.sliding_window/);
  });
  it('gemma4-assistant (Gemma 4 E4B assistant): every layer reads the target cache, 0 bytes of its own', () => {
    const r = kv({
      'general.architecture': 'gemma4-assistant', 'gemma4-assistant.block_count': 4, 'gemma4-assistant.embedding_length': 256,
      'gemma4-assistant.attention.head_count': 4, 'gemma4-assistant.attention.sliding_window': 512,
    }, { contextTokens: 8192 });
    expect(r.bytes).toBe(0);
    expect(r.notes[0]).toMatch(/target's KV cache/);
  });
});

describe('Hugging Face config.json of the new architectures', () => {
  it('Qwen3.5-27B config.json gives the same cache as its GGUF', async () => {
    const { architectureFromHfConfig } = await import('./hf-config');
    const layerTypes = Array.from({ length: 64 }, (_, i) => ((i + 1) % 4 === 0 ? 'full_attention' : 'linear_attention'));
    const cfg = {
      model_type: 'qwen3_5', num_hidden_layers: 64, hidden_size: 5120, num_attention_heads: 24, num_key_value_heads: 4, head_dim: 256,
      intermediate_size: 17408, max_position_embeddings: 262144, linear_conv_kernel_dim: 4, linear_key_head_dim: 128, linear_num_key_heads: 16,
      linear_num_value_heads: 48, linear_value_head_dim: 128, full_attention_interval: 4, layer_types: layerTypes,
    };
    const a = architectureFromHfConfig(cfg);
    if (!a.ok) throw new Error(a.error.message);
    const r = llamaCppKvCache(a.value, { contextTokens: 32768 });
    expect(r.ok && r.value.bytes).toBe(kv(qwen35_27b, { contextTokens: 32768 }).bytes);
  });
});
