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
  if (name === 'muse-glimmer') Object.assign(m, { [`${name}.attention.sliding_window`]: 128, [`${name}.attention.sliding_window_pattern`]: 4 });
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

// ── The architectures of node-llama-cpp 3.21.1's llama.cpp (80fb11a) ──
// Each block names the llama.cpp source that proves its rule. Where no published config.json of the model
// was available to this work, the test name says so and the config follows the source's hparams
// (the model-type table in load_arch_hparams gives layer counts and widths).
const meta = (arch: string, keys: Record<string, unknown>) => ({
  'general.architecture': arch, ...Object.fromEntries(Object.entries(keys).map(([k, v]) => [`${arch}.${k}`, v])),
});

describe('hybrids of llama.cpp 80fb11a', () => {
  // MiniMaxAI/MiniMax-Text-01 config.json: num_hidden_layers 80, hidden_size 6144, num_attention_heads 64,
  // num_key_value_heads 8, head_dim 128, attn_type_list: 7 lightning-attention layers then 1 softmax layer.
  // src/models/minimax-01.cpp: full_attention_interval default 8, n_embd_head_la = key_length; llama-hparams.cpp
  // n_embd_s = n_embd_head_la² × n_head ("128 * 128 * 64 = 1048576"), n_embd_r = 0 (no ssm keys read).
  const minimaxText01 = meta('minimax-01', {
    block_count: 80, embedding_length: 6144, 'attention.head_count': 64, 'attention.head_count_kv': 8, 'attention.key_length': 128,
    'attention.value_length': 128, context_length: 1048576,
  });
  it('MiniMax-Text-01 (minimax-01) at 32k: 10 softmax layers 1280 MiB + 70 lightning states of 128²×64 f32 (280 MiB)', () => {
    const r = kv(minimaxText01, { contextTokens: 32768 });
    expect(r.layers.filter((l) => l.kind === 'full').map((l) => l.index)).toEqual([7, 15, 23, 31, 39, 47, 55, 63, 71, 79]);
    expect(r.kBytes + r.vBytes).toBe(10 * 8 * 128 * 2 * 2 * 32768);
    expect(r.kBytes + r.vBytes).toBe(1280 * MiB);
    expect(r.recurrentBytes).toBe(70 * 128 * 128 * 64 * 4);
    expect(r.recurrentBytes).toBe(280 * MiB);
    expect(r.bytes).toBe(1560 * MiB);
    expect(kv(minimaxText01, { contextTokens: 32768, parallel: 2 }).recurrentBytes).toBe(560 * MiB);
  });
  it('minimax-01 follows attention.recurrent_layers when the GGUF has it', () => {
    const r = kv({ ...minimaxText01, 'minimax-01.block_count': 4, 'minimax-01.attention.recurrent_layers': [true, false, true, true] }, { contextTokens: 4096 });
    expect(r.layers.filter((l) => l.kind === 'full').map((l) => l.index)).toEqual([1]);
    expect(r.recurrentBytes).toBe(3 * 128 * 128 * 64 * 4);
  });

  // src/models/bailingmoe3.cpp, kimi-k3.cpp: is_recr = (n_head_kv(il) == 0); MLA (key_length_mla required) so
  // K only (kv_lora_rank + rope); KDA state per llama-hparams.cpp n_embd_r = 3·(d_conv−1)·n_head·kda_head_dim,
  // n_embd_s = kda_head_dim²·n_head. No published config.json was available here: the configs follow the source's
  // type table (bailingmoe3 24 layers × 1536 = 7.9B-A1.3B; kimi-k3 93 layers = Kimi-K3) with Kimi-Linear's 3:1 KDA:MLA rhythm.
  const kdaHybrid = (arch: string, layers: number, embd: number, heads: number) => meta(arch, {
    block_count: layers, embedding_length: embd, 'attention.head_count': heads,
    'attention.head_count_kv': Array.from({ length: layers }, (_, i) => ((i + 1) % 4 === 0 ? 1 : 0)),
    'attention.key_length': 576, 'attention.value_length': 512, 'attention.key_length_mla': 192, 'attention.value_length_mla': 128,
    'attention.kv_lora_rank': 512, 'ssm.conv_kernel': 4, 'kda.head_dim': 128,
  });
  it('bailingmoe3 (no public config here; 24 layers × 1536, 12 heads, per the source): 6 MLA layers × 576 K, 18 KDA states', () => {
    const r = kv(kdaHybrid('bailingmoe3', 24, 1536, 12), { contextTokens: 16384 });
    expect(r.vBytes).toBe(0);
    expect(r.kBytes).toBe(6 * 576 * 2 * 16384);
    expect(r.recurrentBytes).toBe(18 * (3 * 3 * 12 * 128 + 128 * 128 * 12) * 4);
    expect(r.bytes).toBe(r.kBytes + r.recurrentBytes);
  });
  it('kimi-k3 (no public config here; 93 layers, 64 heads of KDA dim 128): 23 MLA layers × 576 K, 70 KDA states', () => {
    const r = kv(kdaHybrid('kimi-k3', 93, 7168, 64), { contextTokens: 32768 });
    expect(r.kBytes).toBe(23 * 576 * 2 * 32768);
    expect(r.recurrentBytes).toBe(70 * (3 * 3 * 64 * 128 + 128 * 128 * 64) * 4);
  });

  // src/models/qwen4exp.cpp (interval 4, indexer keys required, one PLE layer on a linear layer, MTP filtered by
  // create_memory's il < n_layer()) + llama-memory-hybrid-idx.cpp (indexer llama_kv_cache: n_head_kv 1,
  // n_embd_head_k = indexer.key_length, V kept) + llama-memory-recurrent.cpp (cache_ple_r_l of
  // ple_conv_state() = (ple_conv_kernel − 1)·ple_ngram_size·hc_mult·n_embd). No published config.json was
  // available here: 48 layers (the source's A3B type) with Qwen3.5-35B-A3B's attention and gated-delta-net widths.
  const qwen4exp = meta('qwen4exp', {
    block_count: 49, nextn_predict_layers: 1, embedding_length: 2048, 'attention.head_count': 16, 'attention.head_count_kv': 2,
    'attention.key_length': 256, 'attention.value_length': 256, 'ssm.conv_kernel': 4, 'ssm.inner_size': 4096, 'ssm.state_size': 128,
    'ssm.group_count': 16, 'ssm.time_step_rank': 32, full_attention_interval: 4, 'attention.indexer.key_length': 128,
    'attention.indexer.head_count': 16, 'hyper_connection.count': 4, 'ple.layers': [0], 'ple.conv_kernel': 4, 'ple.ngram_size': 3,
  });
  it('qwen4exp (no public config here; 48 + 1 MTP layers) at 32k: 12 attention layers K/V + one-head indexer K/V, 36 delta-net states + the PLE row', () => {
    const r = kv(qwen4exp, { contextTokens: 32768 });
    expect(r.layers.filter((l) => l.kind === 'full')).toHaveLength(12);
    expect(r.kBytes).toBe(12 * (2 * 256 + 128) * 2 * 32768);
    expect(r.vBytes).toBe(12 * (2 * 256 + 256) * 2 * 32768);
    expect(r.recurrentBytes).toBe((36 * (3 * (4096 + 2 * 16 * 128) + 128 * 4096) + 3 * 3 * 4 * 2048) * 4);
    const noPle = kv({ ...qwen4exp, 'qwen4exp.ple.layers': undefined }, { contextTokens: 32768 });
    expect(r.recurrentBytes - noPle.recurrentBytes).toBe(3 * 3 * 4 * 2048 * 4);
    const bad = architectureFromGgufMetadata({ ...qwen4exp, 'qwen4exp.ple.layers': [3] });
    expect(!bad.ok && bad.error.message).toMatch(/not a linear-attention layer/);
  });
});

describe('own cache classes of llama.cpp 80fb11a', () => {
  // create_memory LLM_ARCH_MINIMAX_M3 → llama_kv_cache_msa (llama-kv-cache-msa.cpp): kv_base on every layer,
  // kv_idx on hparams with n_head_kv 1 and n_embd_head_k = indexer_head_size (V stays value_length: not MLA),
  // filter_idx = il >= n_layer_dense_lead. No published config.json was available here: 60 layers (the source's
  // 428B-A23B type), 8 KV heads × 128, indexer key 128, 3 leading dense layers.
  const m3 = meta('minimax-m3', {
    block_count: 60, embedding_length: 6144, 'attention.head_count': 48, 'attention.head_count_kv': 8, 'attention.key_length': 128,
    'attention.value_length': 128, 'attention.indexer.key_length': 128, 'attention.indexer.head_count': 32, leading_dense_block_count: 3,
  });
  it('minimax-m3 (no public config here; 60 layers) at 32k: 60 × 8 heads K/V + 57 indexer layers of one K and one V head', () => {
    const r = kv(m3, { contextTokens: 32768 });
    expect(r.kBytes).toBe((60 * 8 * 128 + 57 * 128) * 2 * 32768);
    expect(r.vBytes).toBe((60 * 8 * 128 + 57 * 128) * 2 * 32768);
    expect(r.bytesPerToken).toBe((60 * 8 * 128 + 57 * 128) * 2 * 2);
  });

  // create_memory LLM_ARCH_DOTS3NOTE → llama_kv_cache_dsa_iswa (llama-kv-cache-dsa-iswa.cpp): a DSA cache
  // (MLA K + indexer K on is_indexer_full layers, filter_lid) of n_ctx_seq cells for the non-SWA layers, an MLA
  // cache of ceil_256(min(n_ctx, n_swa + n_ubatch)) cells for the SWA layers; MTP filtered (il < n_layer()).
  // No published config.json was available here: 46 layers (the source's 288B-A19B type), 1 full layer in 4.
  const dots = meta('dots3note', {
    block_count: 47, nextn_predict_layers: 1, embedding_length: 4096, 'attention.head_count': 64, 'attention.head_count_kv': 1,
    'attention.key_length': 576, 'attention.value_length': 512, 'attention.key_length_mla': 192, 'attention.value_length_mla': 128,
    'attention.kv_lora_rank': 512, 'attention.key_length_swa': 576, 'attention.sliding_window': 4096,
    'attention.sliding_window_pattern': Array.from({ length: 46 }, (_, i) => (i + 1) % 4 !== 0),
    'attention.indexer.key_length': 128, 'attention.indexer.head_count': 32, 'attention.indexer.types': Array.from({ length: 46 }, (_, i) => (i + 1) % 4 === 0),
  });
  it('dots3note (no public config here; 46 + 1 MTP layers) at 64k: 11 full layers × (576 + 128 indexer) K, 35 SWA layers × 576 K over 4608 cells', () => {
    const r = kv(dots, { contextTokens: 65536 });
    expect(r.swaCellsPerStream).toBe(4608);
    expect(r.vBytes).toBe(0);
    expect(r.kBytes).toBe(11 * (576 + 128) * 2 * 65536 + 35 * 576 * 2 * 4608);
    expect(r.layers[46]?.kind).toBe('none');
    const missingTypes = architectureFromGgufMetadata({ ...dots, 'dots3note.attention.indexer.types': undefined });
    expect(!missingTypes.ok && missingTypes.error.message).toMatch(/indexer\.types/);
  });

  // GLM-5 (zai-org, 78 layers per glm-dsa.cpp's type table, kv_lora_rank 512 + qk_rope_head_dim 64, index_head_dim
  // 128, max_position_embeddings 202752). src/models/glm-dsa.cpp: context_length < 1048576 → every layer keeps the
  // indexer; GLM-5.2 (1M context) defaults to GLM_5_2_DEFAULT_INDEXER_TYPES (layers 0, 1, 2, 6, …, 74: 21 layers).
  const glm5 = meta('glm-dsa', {
    block_count: 78, embedding_length: 6144, context_length: 202752, 'attention.head_count': 64, 'attention.head_count_kv': 1,
    'attention.key_length': 576, 'attention.value_length': 512, 'attention.key_length_mla': 256, 'attention.value_length_mla': 256,
    'attention.kv_lora_rank': 512, 'attention.indexer.key_length': 128, 'attention.indexer.head_count': 32,
  });
  it('GLM-5 (glm-dsa) at 32k: 78 × (576 + 128) K; GLM-5.2 defaults: only 21 layers keep the indexer', () => {
    expect(kv(glm5, { contextTokens: 32768 }).kBytes).toBe(78 * (576 + 128) * 2 * 32768);
    const glm52 = kv({ ...glm5, 'glm-dsa.context_length': 1048576 }, { contextTokens: 32768 });
    expect(glm52.kBytes).toBe((78 * 576 + 21 * 128) * 2 * 32768);
    const typed = kv({ ...glm5, 'glm-dsa.attention.indexer.types': Array.from({ length: 78 }, (_, i) => i < 10) }, { contextTokens: 32768 });
    expect(typed.kBytes).toBe((78 * 576 + 10 * 128) * 2 * 32768);
  });
});

describe('ordinary caches of llama.cpp 80fb11a', () => {
  // Qwen3-TTS-12Hz-1.7B talker_config (Qwen/Qwen3-TTS; the talker table of ivan-digital/qwen3-asr-swift
  // docs/tts-model.md): 28 layers, hidden 2048, 16 heads, 8 KV heads, head_dim 128. src/models/qwen3tts.cpp:
  // llama_model_qwen3tts reuses llama_model_qwen3vl; create_memory default → plain llama_kv_cache.
  it('Qwen3-TTS-12Hz-1.7B talker (qwen3tts) at 4096: 28 × 8 × 128 × (K+V) × 2 B = 448 MiB', () => {
    const r = kv(meta('qwen3tts', {
      block_count: 28, embedding_length: 2048, 'attention.head_count': 16, 'attention.head_count_kv': 8, 'attention.key_length': 128,
      'attention.value_length': 128, context_length: 32768,
    }), { contextTokens: 4096 });
    expect(r.bytes).toBe(448 * MiB);
  });
  // granite-3.3-8b-instruct config.json (ibm-granite): 40 layers, hidden 4096, 32 heads, 8 KV heads (head 128), the
  // 8B base graniteswitch's type table names (40 layers, n_embd 4096). src/models/granite-switch.cpp: router_layer =
  // n_real, n_layer_all = n_real + 1, n_head_kv_arr[n_real] = 1 → one more 1-head K/V layer.
  it('Granite Switch on granite-3.3-8b (graniteswitch) at 8k: 40 × 8 × 128 K/V (1280 MiB) + the router layer, 1 × 128 (4 MiB)', () => {
    const r = kv(meta('graniteswitch', {
      block_count: 40, embedding_length: 4096, 'attention.head_count': 32, 'attention.head_count_kv': 8, context_length: 131072,
      'adapters.count': 2,
    }), { contextTokens: 8192 });
    expect(r.layers).toHaveLength(41);
    expect(r.layers[40]).toMatchObject({ index: 40, kind: 'full', kBytes: 2 * MiB, vBytes: 2 * MiB });
    expect(r.bytes).toBe(1284 * MiB);
  });
  // src/models/nanbeige.cpp: n_layer_all = block_count × num_loops before the KV cache is made. No published
  // config.json with num_loops was available here: a 32-layer stack run twice (3B-class widths).
  it('nanbeige (no public config here; 32 layers × num_loops 2) at 8k: 64 cache layers of 4 × 128 K/V', () => {
    const m = meta('nanbeige', {
      block_count: 32, num_loops: 2, embedding_length: 2560, 'attention.head_count': 20, 'attention.head_count_kv': 4,
      'attention.key_length': 128, 'attention.value_length': 128,
    });
    const r = kv(m, { contextTokens: 8192 });
    expect(r.layers).toHaveLength(64);
    expect(r.bytes).toBe(64 * 4 * 128 * 2 * 2 * 8192);
    expect(kv({ ...m, 'nanbeige.num_loops': undefined }, { contextTokens: 8192 }).bytes).toBe(r.bytes / 2);
    const zero = architectureFromGgufMetadata({ ...m, 'nanbeige.num_loops': 0 });
    expect(!zero.ok && zero.error.message).toMatch(/n_loops >= 1/);
  });
  // src/models/pockettts.cpp: plain llama_kv_cache (build_attn_inp_kv). No published config.json was
  // available here: 6 layers (the source's 109M type), 1024 wide, 16 heads.
  it('pockettts (no public config here; 6 layers × 16 heads × 64) at 4096: 6 × 1024 × (K+V) × 2 B × 4096 = 96 MiB', () => {
    const r = kv(meta('pockettts', { block_count: 6, embedding_length: 1024, 'attention.head_count': 16 }), { contextTokens: 4096 });
    expect(r.bytes).toBe(96 * MiB);
  });
  // src/models/granite-swa.cpp: get_arr(sliding_window_pattern) and get_key(sliding_window), both required.
  // No published config.json was available here: 40 layers (the source's 3B type), 1 global layer in 4, window 4096.
  it('granite_swa (no public config here; 40 layers, 8 KV heads × 64, window 4096) at 32k: 10 global layers + 30 SWA layers of 4608 cells', () => {
    const m = meta('granite_swa', {
      block_count: 40, embedding_length: 2048, 'attention.head_count': 32, 'attention.head_count_kv': 8, 'attention.sliding_window': 4096,
      'attention.sliding_window_pattern': Array.from({ length: 40 }, (_, i) => (i + 1) % 4 !== 0),
    });
    const r = kv(m, { contextTokens: 32768 });
    expect(r.bytes).toBe(10 * 8 * 64 * 2 * 2 * 32768 + 30 * 8 * 64 * 2 * 2 * 4608);
    const noWindow = architectureFromGgufMetadata({ ...m, 'granite_swa.attention.sliding_window': undefined });
    expect(!noWindow.ok && noWindow.error.message).toMatch(/requires it for granite_swa/);
  });
  // src/models/muse-glimmer.cpp: sliding_window required; pattern = a scalar period (set_swa_pattern: il % p < p − 1
  // slides) or else a per-layer array, one of them required (a tiny GGUF without it fails to load: "key not found in
  // model: muse-glimmer.attention.sliding_window_pattern"). No published config.json was available here: 52 layers
  // (the source's 30B type), period 4.
  it('muse-glimmer (no public config here; 52 layers, window 4096, period 4) at 32k: 13 global + 39 SWA layers; period 2 halves them', () => {
    const m = meta('muse-glimmer', {
      block_count: 52, embedding_length: 4096, 'attention.head_count': 32, 'attention.head_count_kv': 8, 'attention.key_length': 128,
      'attention.value_length': 128, 'attention.sliding_window': 4096, 'attention.sliding_window_pattern': 4,
    });
    const row = 8 * 128 * 2 * 2;
    expect(kv(m, { contextTokens: 32768 }).bytes).toBe(13 * row * 32768 + 39 * row * 4608);
    expect(kv({ ...m, 'muse-glimmer.attention.sliding_window_pattern': 2 }, { contextTokens: 32768 }).bytes).toBe(26 * row * 32768 + 26 * row * 4608);
    const layered = kv({ ...m, 'muse-glimmer.attention.sliding_window_pattern': Array.from({ length: 52 }, (_, i) => i >= 26) }, { contextTokens: 32768 });
    expect(layered.bytes).toBe(26 * row * 32768 + 26 * row * 4608);
    const none = architectureFromGgufMetadata({ ...m, 'muse-glimmer.attention.sliding_window_pattern': undefined });
    expect(!none.ok && none.error.message).toMatch(/requires it for muse-glimmer/);
  });
});
