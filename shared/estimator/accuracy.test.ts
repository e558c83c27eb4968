/**
 * Regression table from `npm run bench:accuracy`: what the real llama.cpp (node-llama-cpp 3.21.1,
 * CPU) logged for tiny generated GGUF models, and the exact bytes Headroom predicts for them.
 * llama.cpp prints MiB with two decimals, so each row checks (a) the cell, stream and layer counts
 * exactly, (b) K, V and total bytes within the log's ±0.005 MiB, and (c) Headroom's exact byte figure.
 * Regenerate with `node --import tsx bench/accuracy.ts --rows`.
 */
import { describe, expect, it } from 'vitest';
import { architectureFromGgufMetadata } from './gguf-metadata';
import type { KvCacheType } from './ggml-types';
import { llamaCppKvCache } from './kv-cache';

const MODELS: Record<string, Record<string, unknown>> = {
  'llama-gqa4': {"general.architecture": "llama", "general.file_type": 0, "llama.context_length": 32768, "llama.embedding_length": 256, "llama.block_count": 4, "llama.feed_forward_length": 512, "llama.attention.head_count": 8, "llama.attention.head_count_kv": 2, "llama.attention.layer_norm_rms_epsilon": 1e-06, "llama.rope.freq_base": 10000},
  'llama-mha-hd64': {"general.architecture": "llama", "general.file_type": 0, "llama.context_length": 32768, "llama.embedding_length": 256, "llama.block_count": 3, "llama.feed_forward_length": 512, "llama.attention.head_count": 4, "llama.attention.head_count_kv": 4, "llama.attention.layer_norm_rms_epsilon": 1e-06, "llama.rope.freq_base": 10000},
  'llama-kv1-hd128': {"general.architecture": "llama", "general.file_type": 0, "llama.context_length": 32768, "llama.embedding_length": 256, "llama.block_count": 2, "llama.feed_forward_length": 512, "llama.attention.head_count": 4, "llama.attention.head_count_kv": 1, "llama.attention.layer_norm_rms_epsilon": 1e-06, "llama.rope.freq_base": 10000, "llama.attention.key_length": 128, "llama.attention.value_length": 128, "llama.rope.dimension_count": 128},
  'qwen2-gqa7': {"general.architecture": "qwen2", "general.file_type": 0, "qwen2.context_length": 32768, "qwen2.embedding_length": 224, "qwen2.block_count": 3, "qwen2.feed_forward_length": 448, "qwen2.attention.head_count": 7, "qwen2.attention.head_count_kv": 1, "qwen2.attention.layer_norm_rms_epsilon": 1e-06, "qwen2.rope.freq_base": 10000},
  'deci-per-layer-kv': {"general.architecture": "deci", "general.file_type": 0, "deci.context_length": 32768, "deci.embedding_length": 256, "deci.block_count": 4, "deci.feed_forward_length": [512, 512, 512, 512], "deci.attention.head_count": [8, 8, 8, 8], "deci.attention.head_count_kv": [2, 4, 0, 1], "deci.attention.layer_norm_rms_epsilon": 1e-06, "deci.rope.freq_base": 10000, "deci.attention.key_length": 32, "deci.attention.value_length": 32, "deci.rope.dimension_count": 32},
  'gemma3-swa512': {"general.architecture": "gemma3", "general.file_type": 0, "gemma3.context_length": 32768, "gemma3.embedding_length": 256, "gemma3.block_count": 7, "gemma3.feed_forward_length": 512, "gemma3.attention.head_count": 4, "gemma3.attention.head_count_kv": 2, "gemma3.attention.layer_norm_rms_epsilon": 1e-06, "gemma3.rope.freq_base": 10000, "gemma3.attention.key_length": 64, "gemma3.attention.value_length": 64, "gemma3.rope.dimension_count": 64, "gemma3.attention.sliding_window": 512},
  'gemma2-swa1024': {"general.architecture": "gemma2", "general.file_type": 0, "gemma2.context_length": 32768, "gemma2.embedding_length": 256, "gemma2.block_count": 4, "gemma2.feed_forward_length": 512, "gemma2.attention.head_count": 4, "gemma2.attention.head_count_kv": 2, "gemma2.attention.layer_norm_rms_epsilon": 1e-06, "gemma2.rope.freq_base": 10000, "gemma2.attention.key_length": 64, "gemma2.attention.value_length": 64, "gemma2.rope.dimension_count": 64, "gemma2.attention.sliding_window": 1024},
  'qwen3-hd80': {"general.architecture": "qwen3", "general.file_type": 0, "qwen3.context_length": 32768, "qwen3.embedding_length": 256, "qwen3.block_count": 2, "qwen3.feed_forward_length": 512, "qwen3.attention.head_count": 4, "qwen3.attention.head_count_kv": 2, "qwen3.attention.layer_norm_rms_epsilon": 1e-06, "qwen3.rope.freq_base": 10000, "qwen3.attention.key_length": 80, "qwen3.attention.value_length": 80, "qwen3.rope.dimension_count": 80},
  'qwen35-hybrid': {"general.architecture": "qwen35", "general.file_type": 0, "qwen35.context_length": 32768, "qwen35.embedding_length": 256, "qwen35.block_count": 8, "qwen35.feed_forward_length": 512, "qwen35.attention.head_count": 4, "qwen35.attention.head_count_kv": 2, "qwen35.attention.layer_norm_rms_epsilon": 1e-06, "qwen35.rope.freq_base": 10000, "qwen35.attention.key_length": 64, "qwen35.attention.value_length": 64, "qwen35.rope.dimension_count": 64, "qwen35.ssm.conv_kernel": 4, "qwen35.ssm.inner_size": 64, "qwen35.ssm.state_size": 16, "qwen35.ssm.time_step_rank": 4, "qwen35.ssm.group_count": 2, "qwen35.full_attention_interval": 4, "qwen35.rope.dimension_sections": [8, 8, 16, 0]},
  't5-enc-dec': {"general.architecture": "t5", "general.file_type": 0, "t5.context_length": 32768, "t5.embedding_length": 256, "t5.block_count": 3, "t5.feed_forward_length": 512, "t5.attention.head_count": 4, "t5.attention.head_count_kv": 4, "t5.attention.layer_norm_rms_epsilon": 1e-06, "t5.rope.freq_base": 10000, "t5.attention.key_length": 48, "t5.attention.value_length": 48, "t5.rope.dimension_count": 48, "t5.attention.relative_buckets_count": 32, "t5.decoder_start_token_id": 0},
  't5encoder-only': {"general.architecture": "t5encoder", "general.file_type": 0, "t5encoder.context_length": 32768, "t5encoder.embedding_length": 256, "t5encoder.block_count": 3, "t5encoder.feed_forward_length": 512, "t5encoder.attention.head_count": 4, "t5encoder.attention.head_count_kv": 4, "t5encoder.attention.layer_norm_rms_epsilon": 1e-06, "t5encoder.rope.freq_base": 10000, "t5encoder.attention.key_length": 48, "t5encoder.attention.value_length": 48, "t5encoder.rope.dimension_count": 48, "t5encoder.attention.relative_buckets_count": 32},
};

interface Logged { cells: number; layers: number; streams: number; kMiB: number; vMiB: number; totalMiB: number }
interface Row {
  name: string;
  model: string;
  options: { contextTokens: number; parallel: number; cacheTypeK: KvCacheType; cacheTypeV: KvCacheType; flashAttention: boolean; ubatch: number; swaFull: boolean };
  bytes?: number;
  logged?: Logged[];
  /** `llama_memory_recurrent: size = … MiB` (hybrids). */
  recurrentMiB?: number;
  refused?: true;
}

const ROWS: Row[] = [
  { name: 'llama-gqa4 c=1000×1', model: 'llama-gqa4', options: { contextTokens: 1000, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 1048576, logged: [{ cells: 1024, layers: 4, streams: 1, kMiB: 0.5, vMiB: 0.5, totalMiB: 1 }] },
  { name: 'llama-gqa4 c=4096×1 K=q8_0 V=q8_0', model: 'llama-gqa4', options: { contextTokens: 4096, parallel: 1, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 2228224, logged: [{ cells: 4096, layers: 4, streams: 1, kMiB: 1.06, vMiB: 1.06, totalMiB: 2.12 }] },
  { name: 'llama-gqa4 c=2731×3', model: 'llama-gqa4', options: { contextTokens: 8193, parallel: 3, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 8650752, logged: [{ cells: 2816, layers: 4, streams: 3, kMiB: 4.12, vMiB: 4.12, totalMiB: 8.25 }] },
  { name: 'llama-gqa4 c=2500×2 K=q4_0 V=q4_0', model: 'llama-gqa4', options: { contextTokens: 5000, parallel: 2, cacheTypeK: 'q4_0', cacheTypeV: 'q4_0', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 1474560, logged: [{ cells: 2560, layers: 4, streams: 2, kMiB: 0.7, vMiB: 0.7, totalMiB: 1.41 }] },
  { name: 'llama-gqa4 c=3000×4 K=q5_1 V=iq4_nl', model: 'llama-gqa4', options: { contextTokens: 12000, parallel: 4, cacheTypeK: 'q5_1', cacheTypeV: 'iq4_nl', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 4128768, logged: [{ cells: 3072, layers: 4, streams: 4, kMiB: 2.25, vMiB: 1.69, totalMiB: 3.94 }] },
  { name: 'llama-gqa4 c=2048×1 noFA', model: 'llama-gqa4', options: { contextTokens: 2048, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: false, ubatch: 512, swaFull: false }, bytes: 2097152, logged: [{ cells: 2048, layers: 4, streams: 1, kMiB: 1, vMiB: 1, totalMiB: 2 }] },
  { name: 'llama-gqa4 c=2048×1 K=q8_0 V=q8_0 noFA', model: 'llama-gqa4', options: { contextTokens: 2048, parallel: 1, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0', flashAttention: false, ubatch: 512, swaFull: false }, refused: true },
  { name: 'llama-gqa4 c=2048×1 K=q8_0 V=f16 noFA', model: 'llama-gqa4', options: { contextTokens: 2048, parallel: 1, cacheTypeK: 'q8_0', cacheTypeV: 'f16', flashAttention: false, ubatch: 512, swaFull: false }, bytes: 1605632, logged: [{ cells: 2048, layers: 4, streams: 1, kMiB: 0.53, vMiB: 1, totalMiB: 1.53 }] },
  { name: 'llama-gqa4 c=8192×1 K=f32 V=bf16', model: 'llama-gqa4', options: { contextTokens: 8192, parallel: 1, cacheTypeK: 'f32', cacheTypeV: 'bf16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 12582912, logged: [{ cells: 8192, layers: 4, streams: 1, kMiB: 8, vMiB: 4, totalMiB: 12 }] },
  { name: 'llama-mha-hd64 c=777×1', model: 'llama-mha-hd64', options: { contextTokens: 777, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 3145728, logged: [{ cells: 1024, layers: 3, streams: 1, kMiB: 1.5, vMiB: 1.5, totalMiB: 3 }] },
  { name: 'llama-mha-hd64 c=4096×2 K=q4_1 V=q5_0', model: 'llama-mha-hd64', options: { contextTokens: 8192, parallel: 2, cacheTypeK: 'q4_1', cacheTypeV: 'q5_0', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 8257536, logged: [{ cells: 4096, layers: 3, streams: 2, kMiB: 3.75, vMiB: 4.12, totalMiB: 7.88 }] },
  { name: 'llama-kv1-hd128 c=16384×1', model: 'llama-kv1-hd128', options: { contextTokens: 16384, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 16777216, logged: [{ cells: 16384, layers: 2, streams: 1, kMiB: 8, vMiB: 8, totalMiB: 16 }] },
  { name: 'llama-kv1-hd128 c=5000×5 K=q8_0 V=q4_0', model: 'llama-kv1-hd128', options: { contextTokens: 25000, parallel: 5, cacheTypeK: 'q8_0', cacheTypeV: 'q4_0', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 10649600, logged: [{ cells: 5120, layers: 2, streams: 5, kMiB: 6.64, vMiB: 3.52, totalMiB: 10.16 }] },
  { name: 'qwen2-gqa7 c=3333×1', model: 'qwen2-gqa7', options: { contextTokens: 3333, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 1376256, logged: [{ cells: 3584, layers: 3, streams: 1, kMiB: 0.66, vMiB: 0.66, totalMiB: 1.31 }] },
  { name: 'qwen2-gqa7 c=1024×8 K=q8_0 V=q8_0', model: 'qwen2-gqa7', options: { contextTokens: 8192, parallel: 8, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 1671168, logged: [{ cells: 1024, layers: 3, streams: 8, kMiB: 0.8, vMiB: 0.8, totalMiB: 1.59 }] },
  { name: 'deci-per-layer-kv c=4096×1', model: 'deci-per-layer-kv', options: { contextTokens: 4096, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 3670016, logged: [{ cells: 4096, layers: 4, streams: 1, kMiB: 1.75, vMiB: 1.75, totalMiB: 3.5 }] },
  { name: 'deci-per-layer-kv c=4096×2 K=q8_0 V=q8_0', model: 'deci-per-layer-kv', options: { contextTokens: 8192, parallel: 2, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 3899392, logged: [{ cells: 4096, layers: 4, streams: 2, kMiB: 1.86, vMiB: 1.86, totalMiB: 3.72 }] },
  { name: 'deci-per-layer-kv c=4096×1 noFA', model: 'deci-per-layer-kv', options: { contextTokens: 4096, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: false, ubatch: 512, swaFull: false }, bytes: 6029312, logged: [{ cells: 4096, layers: 4, streams: 1, kMiB: 1.75, vMiB: 4, totalMiB: 5.75 }] },
  { name: 'gemma3-swa512 c=8192×1', model: 'gemma3-swa512', options: { contextTokens: 8192, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 513, swaFull: false }, bytes: 8126464, logged: [{ cells: 8192, layers: 1, streams: 1, kMiB: 2, vMiB: 2, totalMiB: 4 }, { cells: 1280, layers: 6, streams: 1, kMiB: 1.88, vMiB: 1.88, totalMiB: 3.75 }] },
  { name: 'gemma3-swa512 c=600×1', model: 'gemma3-swa512', options: { contextTokens: 600, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 513, swaFull: false }, bytes: 2752512, logged: [{ cells: 768, layers: 1, streams: 1, kMiB: 0.19, vMiB: 0.19, totalMiB: 0.38 }, { cells: 768, layers: 6, streams: 1, kMiB: 1.12, vMiB: 1.12, totalMiB: 2.25 }] },
  { name: 'gemma3-swa512 c=4096×3', model: 'gemma3-swa512', options: { contextTokens: 12288, parallel: 3, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 513, swaFull: false }, bytes: 18087936, logged: [{ cells: 4096, layers: 1, streams: 3, kMiB: 3, vMiB: 3, totalMiB: 6 }, { cells: 1280, layers: 6, streams: 3, kMiB: 5.62, vMiB: 5.62, totalMiB: 11.25 }] },
  { name: 'gemma3-swa512 c=8192×1 K=q8_0 V=q8_0', model: 'gemma3-swa512', options: { contextTokens: 8192, parallel: 1, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0', flashAttention: true, ubatch: 513, swaFull: false }, bytes: 4317184, logged: [{ cells: 8192, layers: 1, streams: 1, kMiB: 1.06, vMiB: 1.06, totalMiB: 2.12 }, { cells: 1280, layers: 6, streams: 1, kMiB: 1, vMiB: 1, totalMiB: 1.99 }] },
  { name: 'gemma3-swa512 c=8192×1 swa-full', model: 'gemma3-swa512', options: { contextTokens: 8192, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: true }, bytes: 29360128, logged: [{ cells: 8192, layers: 1, streams: 1, kMiB: 2, vMiB: 2, totalMiB: 4 }, { cells: 8192, layers: 6, streams: 1, kMiB: 12, vMiB: 12, totalMiB: 24 }] },
  { name: 'gemma2-swa1024 c=16384×1', model: 'gemma2-swa1024', options: { contextTokens: 16384, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 513, swaFull: false }, bytes: 18612224, logged: [{ cells: 16384, layers: 2, streams: 1, kMiB: 8, vMiB: 8, totalMiB: 16 }, { cells: 1792, layers: 2, streams: 1, kMiB: 0.88, vMiB: 0.88, totalMiB: 1.75 }] },
  { name: 'gemma2-swa1024 c=8192×2 K=q4_0 V=q4_0', model: 'gemma2-swa1024', options: { contextTokens: 16384, parallel: 2, cacheTypeK: 'q4_0', cacheTypeV: 'q4_0', flashAttention: true, ubatch: 513, swaFull: false }, bytes: 5750784, logged: [{ cells: 8192, layers: 2, streams: 2, kMiB: 2.25, vMiB: 2.25, totalMiB: 4.5 }, { cells: 1792, layers: 2, streams: 2, kMiB: 0.49, vMiB: 0.49, totalMiB: 0.98 }] },
  { name: 'qwen3-hd80 c=4096×1', model: 'qwen3-hd80', options: { contextTokens: 4096, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 5242880, logged: [{ cells: 4096, layers: 2, streams: 1, kMiB: 2.5, vMiB: 2.5, totalMiB: 5 }] },
  { name: 'qwen35-hybrid c=4096×1', model: 'qwen35-hybrid', options: { contextTokens: 4096, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 4228096, logged: [{ cells: 4096, layers: 2, streams: 1, kMiB: 2, vMiB: 2, totalMiB: 4 }], recurrentMiB: 0.03 },
  { name: 'qwen35-hybrid c=2048×3', model: 'qwen35-hybrid', options: { contextTokens: 6144, parallel: 3, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 6392832, logged: [{ cells: 2048, layers: 2, streams: 3, kMiB: 3, vMiB: 3, totalMiB: 6 }], recurrentMiB: 0.1 },
  { name: 'qwen35-hybrid c=4096×2 K=q8_0 V=q8_0', model: 'qwen35-hybrid', options: { contextTokens: 8192, parallel: 2, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 4524032, logged: [{ cells: 4096, layers: 2, streams: 2, kMiB: 2.12, vMiB: 2.12, totalMiB: 4.25 }], recurrentMiB: 0.06 },
  { name: 'qwen3-hd80 c=4096×1 K=q8_0 V=f16', model: 'qwen3-hd80', options: { contextTokens: 4096, parallel: 1, cacheTypeK: 'q8_0', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, refused: true },
  { name: 't5-enc-dec c=2048×1', model: 't5-enc-dec', options: { contextTokens: 2048, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 4718592, logged: [{ cells: 2048, layers: 3, streams: 1, kMiB: 2.25, vMiB: 2.25, totalMiB: 4.5 }] },
  { name: 't5-enc-dec c=1024×1 K=q8_0 V=q8_0', model: 't5-enc-dec', options: { contextTokens: 1024, parallel: 1, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0', flashAttention: true, ubatch: 512, swaFull: false }, refused: true },
  { name: 't5encoder-only c=2048×1', model: 't5encoder-only', options: { contextTokens: 2048, parallel: 1, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: 512, swaFull: false }, bytes: 4718592, logged: [{ cells: 2048, layers: 3, streams: 1, kMiB: 2.25, vMiB: 2.25, totalMiB: 4.5 }] },
];

const MiB = 1048576;
const within = (bytes: number, mib: number) => Math.abs(bytes / MiB - mib) <= 0.005 + 1e-9;

describe('KV cache vs llama.cpp (measured)', () => {
  it.each(ROWS)('$name', (row) => {
    const arch = architectureFromGgufMetadata(MODELS[row.model] ?? {});
    if (!arch.ok) throw new Error(arch.error.message);
    const got = llamaCppKvCache(arch.value, { ...row.options, kvUnified: false });
    if (row.refused) {
      expect(got.ok).toBe(false);
      return;
    }
    if (!got.ok) throw new Error(got.error.message);
    const kv = got.value;
    expect(kv.bytes).toBe(row.bytes);
    // Layers llama.cpp keeps in the attention cache: a hybrid's recurrent layers are filtered out.
    const inCache = (i: number) => arch.value.layers[i]?.inKvCache === true;
    const groups = [kv.layers.filter((l) => l.kind !== 'swa' && inCache(l.index)), kv.layers.filter((l) => l.kind === 'swa')].filter((g) => g.length > 0);
    if (row.recurrentMiB !== undefined) expect(within(kv.recurrentBytes, row.recurrentMiB), `recurrent ${kv.recurrentBytes} B vs ${row.recurrentMiB} MiB`).toBe(true);
    const cells = [kv.cellsPerStream, kv.swaCellsPerStream];
    expect(groups.length).toBe(row.logged?.length);
    groups.forEach((g, i) => {
      const logged = row.logged?.[i] as Logged;
      const k = g.reduce((a, l) => a + l.kBytes, 0);
      const v = g.reduce((a, l) => a + l.vBytes, 0);
      expect({ cells: cells[i], streams: kv.streams, layers: g.length }).toEqual({ cells: logged.cells, streams: logged.streams, layers: logged.layers });
      expect(within(k, logged.kMiB), `K ${k} B vs ${logged.kMiB} MiB`).toBe(true);
      expect(within(v, logged.vMiB), `V ${v} B vs ${logged.vMiB} MiB`).toBe(true);
      expect(within(k + v, logged.totalMiB), `total ${k + v} B vs ${logged.totalMiB} MiB`).toBe(true);
    });
  });
});
