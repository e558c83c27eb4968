/** The accuracy cases: tiny architectures × context settings. */
import type { KvCacheType } from '../../shared/estimator/ggml-types';
import type { TinySpec } from './tiny-models';

export interface ContextCase {
  /** Per-sequence context as node-llama-cpp takes it; llama.cpp gets n_ctx = contextSize × sequences. */
  contextSize: number;
  sequences: number;
  flashAttention?: boolean;
  typeK?: KvCacheType;
  typeV?: KvCacheType;
  swaFull?: boolean;
}

export const MODELS: TinySpec[] = [
  { name: 'llama-gqa4', arch: 'llama', layers: 4, embd: 256, heads: 8, kvHeads: 2 },
  { name: 'llama-mha-hd64', arch: 'llama', layers: 3, embd: 256, heads: 4, kvHeads: 4 },
  { name: 'llama-kv1-hd128', arch: 'llama', layers: 2, embd: 256, heads: 4, kvHeads: 1, headDim: 128 },
  { name: 'qwen2-gqa7', arch: 'qwen2', layers: 3, embd: 224, heads: 7, kvHeads: 1 },
  { name: 'deci-per-layer-kv', arch: 'deci', layers: 4, embd: 256, heads: [8, 8, 8, 8], kvHeads: [2, 4, 0, 1], headDim: 32, ff: [512, 512, 512, 512] },
  { name: 'gemma3-swa512', arch: 'gemma3', layers: 7, embd: 256, heads: 4, kvHeads: 2, headDim: 64, slidingWindow: 512 },
  { name: 'gemma2-swa1024', arch: 'gemma2', layers: 4, embd: 256, heads: 4, kvHeads: 2, headDim: 64, slidingWindow: 1024 },
  { name: 'qwen3-hd80', arch: 'qwen3', layers: 2, embd: 256, heads: 4, kvHeads: 2, headDim: 80 },
  { name: 'llama-ff5x', arch: 'llama', layers: 2, embd: 192, heads: 6, kvHeads: 2, ff: 960 },
  { name: 'llama-vocab8k', arch: 'llama', layers: 2, embd: 256, heads: 4, kvHeads: 2, vocab: 8192 },
  // Compute-buffer cases only: attention width n_head × head_dim ≠ E from the third layer on.
  { name: 'qwen3-hd80-l4', arch: 'qwen3', layers: 4, embd: 256, heads: 4, kvHeads: 2, headDim: 80 },
  { name: 'qwen3-hd48-l4', arch: 'qwen3', layers: 4, embd: 256, heads: 4, kvHeads: 2, headDim: 48 },
  { name: 'qwen3-hd48-ff4x-l4', arch: 'qwen3', layers: 4, embd: 256, heads: 4, kvHeads: 2, headDim: 48, ff: 1024 },
  { name: 'qwen3-e192-hd32-l4', arch: 'qwen3', layers: 4, embd: 192, heads: 4, kvHeads: 2, headDim: 32 },
  {
    name: 'qwen35-hybrid', arch: 'qwen35', layers: 8, embd: 256, heads: 4, kvHeads: 2, headDim: 64,
    ssm: { state: 16, groups: 2, valueHeads: 4, conv: 4, interval: 4 },
  },
  { name: 't5-enc-dec', arch: 't5', layers: 3, embd: 256, heads: 4, kvHeads: 4, headDim: 48, ff: 512 },
  { name: 't5encoder-only', arch: 't5encoder', layers: 3, embd: 256, heads: 4, kvHeads: 4, headDim: 48, ff: 512 },
  // llama.cpp 80fb11a architectures (node-llama-cpp 3.21.1), ordinary tensors:
  { name: 'nanbeige-loops3', arch: 'nanbeige', layers: 2, embd: 256, heads: 4, kvHeads: 2, headDim: 64, loops: 3 },
  { name: 'qwen3tts-talker', arch: 'qwen3tts', layers: 3, embd: 256, heads: 4, kvHeads: 2, headDim: 64 },
  { name: 'pockettts-mha', arch: 'pockettts', layers: 2, embd: 256, heads: 4, kvHeads: 4, ff: 512 },
  {
    name: 'granite-swa-pattern', arch: 'granite_swa', layers: 4, embd: 256, heads: 4, kvHeads: 2, headDim: 64, slidingWindow: 256,
    swaPattern: [true, true, true, false],
  },
  { name: 'graniteswitch-router', arch: 'graniteswitch', layers: 3, embd: 256, heads: 4, kvHeads: 2, headDim: 64 },
  {
    name: 'minimax01-hybrid', arch: 'minimax-01', layers: 8, embd: 256, heads: 4, kvHeads: 2, headDim: 64,
    ssm: { state: 0, groups: 0, valueHeads: 0, conv: 0, interval: 4 },
  },
  { name: 'minimax-m3-msa', arch: 'minimax-m3', layers: 3, embd: 256, heads: 4, kvHeads: 2, headDim: 64 },
  { name: 'dots3note-dsa-iswa', arch: 'dots3note', layers: 4, embd: 256, heads: 4, kvHeads: 1, slidingWindow: 256, swaPattern: [true, true, true, false] },
  {
    name: 'qwen4exp-idx', arch: 'qwen4exp', layers: 8, embd: 256, heads: 4, kvHeads: 2, headDim: 64,
    ssm: { state: 16, groups: 2, valueHeads: 4, conv: 4, interval: 4 },
  },
  { name: 'kimi-k3-kda', arch: 'kimi-k3', layers: 8, embd: 256, heads: 4, kvHeads: [0, 0, 0, 1, 0, 0, 0, 1] },
  // 8 trunk layers + 1 MTP block (head_count_kv 1) whose tensors the file leaves out: the main context still caches it.
  { name: 'bailingmoe3-kda-mtp', arch: 'bailingmoe3', layers: 8, embd: 256, heads: 4, kvHeads: [0, 0, 0, 1, 0, 0, 0, 1, 1], nextn: 1 },
  { name: 'glm-dsa-types', arch: 'glm-dsa', layers: 4, embd: 256, heads: 4, kvHeads: 1, indexerTypes: [true, false, false, true] },
  // context_length 1M: GLM-5.2, whose default indexer types mark layers 0, 1, 2, 6, … (here 0–2).
  { name: 'glm-dsa-52-default', arch: 'glm-dsa', layers: 4, embd: 256, heads: 4, kvHeads: 1, contextTrain: 1048576 },
  {
    name: 'qwen4exp-idx-ple', arch: 'qwen4exp', layers: 8, embd: 256, heads: 4, kvHeads: 2, headDim: 64, ple: true,
    ssm: { state: 16, groups: 2, valueHeads: 4, conv: 4, interval: 4 },
  },
  { name: 'muse-glimmer-swa', arch: 'muse-glimmer', layers: 5, embd: 256, heads: 4, kvHeads: 2, headDim: 64, slidingWindow: 512, swaPattern: 4 },
];

export const CONTEXTS: Record<string, ContextCase[]> = {
  'llama-gqa4': [
    { contextSize: 1000, sequences: 1 },
    { contextSize: 4096, sequences: 1, typeK: 'q8_0', typeV: 'q8_0' },
    { contextSize: 2731, sequences: 3 },
    { contextSize: 2500, sequences: 2, typeK: 'q4_0', typeV: 'q4_0' },
    { contextSize: 3000, sequences: 4, typeK: 'q5_1', typeV: 'iq4_nl' },
    { contextSize: 2048, sequences: 1, flashAttention: false },
    { contextSize: 2048, sequences: 1, flashAttention: false, typeK: 'q8_0', typeV: 'q8_0' },
    { contextSize: 2048, sequences: 1, flashAttention: false, typeK: 'q8_0', typeV: 'f16' },
    { contextSize: 8192, sequences: 1, typeK: 'f32', typeV: 'bf16' },
  ],
  'llama-mha-hd64': [
    { contextSize: 777, sequences: 1 },
    { contextSize: 4096, sequences: 2, typeK: 'q4_1', typeV: 'q5_0' },
  ],
  'llama-kv1-hd128': [
    { contextSize: 16384, sequences: 1 },
    { contextSize: 5000, sequences: 5, typeK: 'q8_0', typeV: 'q4_0' },
  ],
  'qwen2-gqa7': [
    { contextSize: 3333, sequences: 1 },
    { contextSize: 1024, sequences: 8, typeK: 'q8_0', typeV: 'q8_0' },
  ],
  'deci-per-layer-kv': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 4096, sequences: 2, typeK: 'q8_0', typeV: 'q8_0' },
    { contextSize: 4096, sequences: 1, flashAttention: false },
  ],
  'gemma3-swa512': [
    { contextSize: 8192, sequences: 1 },
    { contextSize: 600, sequences: 1 },
    { contextSize: 4096, sequences: 3 },
    { contextSize: 8192, sequences: 1, typeK: 'q8_0', typeV: 'q8_0' },
    { contextSize: 8192, sequences: 1, swaFull: true },
  ],
  'gemma2-swa1024': [
    { contextSize: 16384, sequences: 1 },
    { contextSize: 8192, sequences: 2, typeK: 'q4_0', typeV: 'q4_0' },
  ],
  'qwen35-hybrid': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 2048, sequences: 3 },
    { contextSize: 4096, sequences: 2, typeK: 'q8_0', typeV: 'q8_0' },
  ],
  'llama-ff5x': [{ contextSize: 3000, sequences: 2 }],
  't5-enc-dec': [
    { contextSize: 2048, sequences: 1 },
    // Two sequences abort llama.cpp's T5 graph (GGML_ASSERT(ggml_can_repeat(b, a)) in ggml.c), so none here.
    // head dim 48 is not a whole number of q8_0 blocks: llama.cpp and Headroom both refuse.
    { contextSize: 1024, sequences: 1, typeK: 'q8_0', typeV: 'q8_0' },
  ],
  't5encoder-only': [{ contextSize: 2048, sequences: 1 }],
  'llama-vocab8k': [{ contextSize: 2048, sequences: 1 }],
  'nanbeige-loops3': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 2048, sequences: 2, typeK: 'q8_0', typeV: 'q8_0' },
  ],
  'qwen3tts-talker': [{ contextSize: 4096, sequences: 1 }],
  'graniteswitch-router': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 2048, sequences: 1, flashAttention: false },
  ],
  'minimax-m3-msa': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 2048, sequences: 2, typeK: 'q8_0', typeV: 'q8_0' },
    { contextSize: 2048, sequences: 1, flashAttention: false },
  ],
  'dots3note-dsa-iswa': [
    { contextSize: 8192, sequences: 1 },
    // node-llama-cpp turns flash attention off for this model (K 128 ≠ V 112 wide), and llama.cpp refuses a quantized
    // V cache without it, so the multi-sequence case stays f16.
    { contextSize: 4096, sequences: 2 },
    { contextSize: 8192, sequences: 1, swaFull: true },
  ],
  'qwen4exp-idx': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 2048, sequences: 2, typeK: 'q8_0', typeV: 'q8_0' },
  ],
  'kimi-k3-kda': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 2048, sequences: 2 },
  ],
  'bailingmoe3-kda-mtp': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 2048, sequences: 2 },
  ],
  'glm-dsa-types': [{ contextSize: 4096, sequences: 1 }, { contextSize: 2048, sequences: 2 }],
  'glm-dsa-52-default': [{ contextSize: 4096, sequences: 1 }],
  'qwen4exp-idx-ple': [{ contextSize: 4096, sequences: 1 }, { contextSize: 2048, sequences: 2 }],
  'minimax01-hybrid': [
    { contextSize: 4096, sequences: 1 },
    // Three sequences abort llama.cpp's lightning-attention graph (GGML_ASSERT(ggml_can_repeat(b, a)) in ggml.c), so two.
    { contextSize: 2048, sequences: 2, typeK: 'q8_0', typeV: 'q8_0' },
  ],
  'pockettts-mha': [{ contextSize: 2048, sequences: 1 }, { contextSize: 2048, sequences: 1, flashAttention: false }],
  'granite-swa-pattern': [
    { contextSize: 8192, sequences: 1 },
    { contextSize: 4096, sequences: 2, typeK: 'q8_0', typeV: 'q8_0' },
  ],
  'muse-glimmer-swa': [
    { contextSize: 8192, sequences: 1 },
    { contextSize: 8192, sequences: 1, swaFull: true },
  ],
  'qwen3-hd80': [
    { contextSize: 4096, sequences: 1 },
    { contextSize: 4096, sequences: 1, typeK: 'q8_0', typeV: 'f16' },
  ],
};
