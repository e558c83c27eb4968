/**
 * Tiny model definitions for the accuracy bench: GGUF metadata plus the tensor list llama.cpp's
 * loader expects for each architecture (src/llama-model.cpp, load_tensors). Weights are zeros.
 */
import type { GgufTensorSpec, GgufValue } from './gguf-writer';

export interface TinyModel {
  name: string;
  metadata: Record<string, GgufValue>;
  tensors: GgufTensorSpec[];
}

export interface TinySpec {
  name: string;
  arch: 'llama' | 'qwen2' | 'qwen3' | 'gemma2' | 'gemma3' | 'deci' | 'qwen35' | 't5' | 't5encoder'
    // llama.cpp 80fb11a (node-llama-cpp 3.21.1) architectures with ordinary tensors
    | 'nanbeige' | 'qwen3tts' | 'pockettts' | 'granite_swa' | 'muse-glimmer' | 'graniteswitch' | 'minimax-01' | 'minimax-m3' | 'dots3note' | 'qwen4exp' | 'kimi-k3' | 'bailingmoe3' | 'glm-dsa';
  /** qwen4exp: a PLE n-gram embedding on layer 0 (n-gram 2, one head of embedding_length, conv kernel 4). */
  ple?: boolean;
  /** glm-dsa: `attention.indexer.types` (absent: llama.cpp's default by context length). */
  indexerTypes?: boolean[];
  /** MTP blocks after the stack (`nextn_predict_layers`), written without their tensors (a trunk-only GGUF). */
  nextn?: number;
  layers: number;
  embd: number;
  heads: number | number[];
  kvHeads: number | number[];
  headDim?: number;
  ff?: number | number[];
  slidingWindow?: number;
  contextTrain?: number;
  /** Vocabulary size (default 264: byte tokens plus a few). */
  vocab?: number;
  /** nanbeige: `num_loops` (the stack runs this many times, each pass with its own KV layers). */
  loops?: number;
  /** `attention.sliding_window_pattern`: a per-layer array (granite_swa) or a period (muse-glimmer). */
  swaPattern?: boolean[] | number;
  /** Gated delta net (qwen35): state size (head dim), key-head groups, value heads, conv kernel. */
  ssm?: { state: number; groups: number; valueHeads: number; conv: number; interval: number };
}

const BYTE_TOKENS = Array.from({ length: 256 }, (_, i) => `<0x${i.toString(16).toUpperCase().padStart(2, '0')}>`);
const VOCAB = 3 + BYTE_TOKENS.length + 5;

function tokenizer(vocab = VOCAB): Record<string, GgufValue> {
  const tokens = ['<unk>', '<s>', '</s>', ...BYTE_TOKENS, ...Array.from({ length: vocab - 3 - BYTE_TOKENS.length }, (_, i) => `\u2581t${i}`)];
  return {
    'tokenizer.ggml.model': { t: 'str', v: 'llama' },
    'tokenizer.ggml.tokens': { t: 'arr-str', v: tokens },
    'tokenizer.ggml.scores': { t: 'arr-f32', v: tokens.map(() => 0) },
    'tokenizer.ggml.token_type': { t: 'arr-i32', v: tokens.map((_, i) => (i === 0 ? 2 : i < 3 ? 3 : i < 3 + BYTE_TOKENS.length ? 6 : 1)) },
    'tokenizer.ggml.bos_token_id': { t: 'u32', v: 1 },
    'tokenizer.ggml.eos_token_id': { t: 'u32', v: 2 },
    'tokenizer.ggml.unknown_token_id': { t: 'u32', v: 0 },
  };
}

const at = (x: number | number[], i: number): number => (Array.isArray(x) ? (x[i] ?? 0) : x);
/** token_embd, output_norm and output: the trunk most decoders here start from. */
const trunk = (E: number, vocab: number): GgufTensorSpec[] => [
  { name: 'token_embd.weight', dims: [E, vocab] },
  { name: 'output_norm.weight', dims: [E] },
  { name: 'output.weight', dims: [E, vocab] },
];
/** A dense gated FFN's three weights on block `b`. */
const denseFfn = (b: string, E: number, ff: number): GgufTensorSpec[] => [
  { name: `${b}.ffn_gate.weight`, dims: [E, ff] },
  { name: `${b}.ffn_down.weight`, dims: [ff, E] },
  { name: `${b}.ffn_up.weight`, dims: [E, ff] },
];
const val = (x: number | number[]): GgufValue => (Array.isArray(x) ? { t: 'arr-i32', v: x } : { t: 'u32', v: x });

/** Builds the GGUF metadata and tensor list for a tiny model. */
export function buildTinyModel(s: TinySpec): TinyModel {
  const a = s.arch;
  const maxHeads = Math.max(...(Array.isArray(s.heads) ? s.heads : [s.heads]));
  const headDim = s.headDim ?? s.embd / maxHeads;
  const ff = s.ff ?? s.embd * 2;
  const md: Record<string, GgufValue> = {
    'general.architecture': { t: 'str', v: a },
    'general.name': { t: 'str', v: s.name },
    'general.alignment': { t: 'u32', v: 32 },
    'general.file_type': { t: 'u32', v: 0 },
    [`${a}.context_length`]: { t: 'u32', v: s.contextTrain ?? 32768 },
    [`${a}.embedding_length`]: { t: 'u32', v: s.embd },
    [`${a}.block_count`]: { t: 'u32', v: s.layers },
    [`${a}.feed_forward_length`]: val(ff),
    [`${a}.attention.head_count`]: val(s.heads),
    [`${a}.attention.head_count_kv`]: val(s.kvHeads),
    [`${a}.attention.layer_norm_rms_epsilon`]: { t: 'f32', v: 1e-6 },
    [`${a}.rope.freq_base`]: { t: 'f32', v: 10000 },
    ...tokenizer(s.vocab),
  };
  if (s.headDim !== undefined) {
    md[`${a}.attention.key_length`] = { t: 'u32', v: s.headDim };
    md[`${a}.attention.value_length`] = { t: 'u32', v: s.headDim };
    md[`${a}.rope.dimension_count`] = { t: 'u32', v: s.headDim };
  }
  if (s.slidingWindow !== undefined) md[`${a}.attention.sliding_window`] = { t: 'u32', v: s.slidingWindow };
  if (s.swaPattern !== undefined) {
    md[`${a}.attention.sliding_window_pattern`] = Array.isArray(s.swaPattern) ? { t: 'arr-bool', v: s.swaPattern } : { t: 'u32', v: s.swaPattern };
  }
  if (a === 'nanbeige' && s.loops !== undefined) md[`${a}.num_loops`] = { t: 'u32', v: s.loops };
  // granite_swa / muse-glimmer read logit_scale as a required key (load_arch_hparams).
  if (a === 'granite_swa' || a === 'muse-glimmer') md[`${a}.logit_scale`] = { t: 'f32', v: 1 };
  if (a === 'pockettts') md[`${a}.attention.layer_norm_epsilon`] = { t: 'f32', v: 1e-5 };
  if (a === 'qwen3tts') md[`${a}.rope.dimension_sections`] = { t: 'arr-i32', v: [headDim / 8, headDim / 8, headDim / 4, 0] };
  if (a === 'qwen35') return buildQwen35(s, md, headDim);
  if (a === 'graniteswitch') return buildGraniteSwitch(s, md, headDim);
  if (a === 'minimax-01') return buildMinimax01(s, md, headDim);
  if (a === 'minimax-m3') return buildMinimaxM3(s, md, headDim);
  if (a === 'dots3note') return buildDots3Note(s, md);
  if (a === 'qwen4exp') return buildQwen4Exp(s, md, headDim);
  if (a === 'kimi-k3' || a === 'bailingmoe3') return buildKimiK3(s, md);
  if (a === 'glm-dsa') return buildGlmDsa(s, md);
  if (a === 't5' || a === 't5encoder') return buildT5(s, md, headDim);

  const E = s.embd;
  const tensors: GgufTensorSpec[] = [
    { name: 'token_embd.weight', dims: [E, s.vocab ?? VOCAB] },
    { name: 'output_norm.weight', dims: [E] },
  ];
  // gemma ties the output to token_embd; qwen3tts wants a 3072-entry codec head or none (then token_embd);
  // pockettts has no head (token_embd duplicated) but a biased output norm.
  if (a !== 'gemma2' && a !== 'gemma3' && a !== 'qwen3tts' && a !== 'pockettts') tensors.push({ name: 'output.weight', dims: [E, s.vocab ?? VOCAB] });
  if (a === 'pockettts') tensors.push({ name: 'output_norm.bias', dims: [E] });
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    const nh = at(s.heads, i);
    const nkv = at(s.kvHeads, i);
    const nff = at(ff, i);
    const hasAttn = nkv > 0;
    if (hasAttn) {
      tensors.push(
        { name: `${b}.attn_norm.weight`, dims: [E] },
        { name: `${b}.attn_q.weight`, dims: [E, headDim * nh] },
        { name: `${b}.attn_k.weight`, dims: [E, headDim * nkv] },
        { name: `${b}.attn_v.weight`, dims: [E, headDim * nkv] },
        { name: `${b}.attn_output.weight`, dims: [headDim * nh, E] },
      );
    } else if (a === 'deci' && nh > 0) {
      tensors.push({ name: `${b}.attn_norm.weight`, dims: [E] }, { name: `${b}.attn_output.weight`, dims: [E, E] });
    }
    if (a === 'qwen2' && hasAttn) {
      tensors.push(
        { name: `${b}.attn_q.bias`, dims: [headDim * nh] },
        { name: `${b}.attn_k.bias`, dims: [headDim * nkv] },
        { name: `${b}.attn_v.bias`, dims: [headDim * nkv] },
      );
    }
    if (a === 'pockettts') tensors.push({ name: `${b}.attn_norm.bias`, dims: [E] }, { name: `${b}.ffn_norm.bias`, dims: [E] });
    if (a === 'granite_swa') tensors.push({ name: `${b}.attn_sinks.weight`, dims: [nh] });
    if (a === 'muse-glimmer') {
      tensors.push(
        { name: `${b}.post_attention_norm.weight`, dims: [E] }, { name: `${b}.attn_gate.weight`, dims: [E, headDim * nh] },
        { name: `${b}.post_ffw_norm.weight`, dims: [E] },
      );
    }
    if ((a === 'qwen3' || a === 'gemma3' || a === 'qwen3tts' || a === 'muse-glimmer') && hasAttn) {
      tensors.push({ name: `${b}.attn_q_norm.weight`, dims: [headDim] }, { name: `${b}.attn_k_norm.weight`, dims: [headDim] });
    }
    if (a === 'gemma2' || a === 'gemma3') tensors.push({ name: `${b}.post_attention_norm.weight`, dims: [E] });
    if (nff > 0 && a === 'pockettts') {
      tensors.push({ name: `${b}.ffn_norm.weight`, dims: [E] }, { name: `${b}.ffn_down.weight`, dims: [nff, E] }, { name: `${b}.ffn_up.weight`, dims: [E, nff] });
    } else if (nff > 0) {
      tensors.push(
        { name: `${b}.ffn_norm.weight`, dims: [E] },
        ...denseFfn(b, E, nff),
      );
    }
    if (a === 'gemma2' || a === 'gemma3') tensors.push({ name: `${b}.post_ffw_norm.weight`, dims: [E] });
  }
  return { name: s.name, metadata: md, tensors };
}

/** The metadata as plain key/values, the shape Headroom's estimator reads (like Ollama's model_info). */
export function plainMetadata(model: TinyModel): Record<string, unknown> {
  return Object.fromEntries(Object.entries(model.metadata).map(([k, v]) => [k, v.v]));
}

/** Qwen3.5 (src/models/qwen35.cpp load_arch_tensors): gated-delta-net layers and gated full attention. */
function buildQwen35(s: TinySpec, md: Record<string, GgufValue>, headDim: number): TinyModel {
  const a = s.arch;
  const ssm = s.ssm!;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const kvHeads = at(s.kvHeads, 0);
  const ff = at(s.ff ?? E * 2, 0);
  const keyDim = ssm.state * ssm.groups;
  const valueDim = ssm.state * ssm.valueHeads;
  Object.assign(md, {
    [`${a}.ssm.conv_kernel`]: { t: 'u32', v: ssm.conv },
    [`${a}.ssm.inner_size`]: { t: 'u32', v: valueDim },
    [`${a}.ssm.state_size`]: { t: 'u32', v: ssm.state },
    [`${a}.ssm.time_step_rank`]: { t: 'u32', v: ssm.valueHeads },
    [`${a}.ssm.group_count`]: { t: 'u32', v: ssm.groups },
    [`${a}.full_attention_interval`]: { t: 'u32', v: ssm.interval },
    [`${a}.rope.dimension_sections`]: { t: 'arr-i32', v: [headDim / 8, headDim / 8, headDim / 4, 0] },
    [`${a}.rope.dimension_count`]: { t: 'u32', v: headDim },
  });
  const tensors: GgufTensorSpec[] = trunk(E, s.vocab ?? VOCAB);
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    tensors.push({ name: `${b}.attn_norm.weight`, dims: [E] }, { name: `${b}.post_attention_norm.weight`, dims: [E] });
    if ((i + 1) % ssm.interval === 0) {
      tensors.push(
        { name: `${b}.attn_q.weight`, dims: [E, headDim * heads * 2] },
        { name: `${b}.attn_k.weight`, dims: [E, headDim * kvHeads] },
        { name: `${b}.attn_v.weight`, dims: [E, headDim * kvHeads] },
        { name: `${b}.attn_output.weight`, dims: [headDim * heads, E] },
        { name: `${b}.attn_q_norm.weight`, dims: [headDim] },
        { name: `${b}.attn_k_norm.weight`, dims: [headDim] },
      );
    } else {
      tensors.push(
        { name: `${b}.attn_qkv.weight`, dims: [E, keyDim * 2 + valueDim] },
        { name: `${b}.attn_gate.weight`, dims: [E, valueDim] },
        { name: `${b}.ssm_conv1d.weight`, dims: [ssm.conv, keyDim * 2 + valueDim] },
        { name: `${b}.ssm_dt.bias`, dims: [ssm.valueHeads] },
        { name: `${b}.ssm_a`, dims: [ssm.valueHeads] },
        { name: `${b}.ssm_beta.weight`, dims: [E, ssm.valueHeads] },
        { name: `${b}.ssm_alpha.weight`, dims: [E, ssm.valueHeads] },
        { name: `${b}.ssm_norm.weight`, dims: [ssm.state] },
        { name: `${b}.ssm_out.weight`, dims: [valueDim, E] },
      );
    }
    tensors.push(
      ...denseFfn(b, E, ff),
    );
  }
  return { name: s.name, metadata: md, tensors };
}

/**
 * T5 (src/models/t5.cpp, t5encoder.cpp load_arch_tensors): `enc.blk.*` encoder layers, and for t5
 * `dec.blk.*` decoder layers with self- and cross-attention; relative position buckets, no RoPE.
 */
function buildT5(s: TinySpec, md: Record<string, GgufValue>, headDim: number): TinyModel {
  const a = s.arch;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const kvHeads = at(s.kvHeads, 0);
  const ff = at(s.ff ?? E * 2, 0);
  md[`${a}.attention.relative_buckets_count`] = { t: 'u32', v: 32 };
  md[`${a}.attention.key_length`] = { t: 'u32', v: headDim };
  md[`${a}.attention.value_length`] = { t: 'u32', v: headDim };
  if (a === 't5') md[`${a}.decoder_start_token_id`] = { t: 'u32', v: 0 };
  const vocab = s.vocab ?? VOCAB;
  const tensors: GgufTensorSpec[] = [
    { name: 'token_embd.weight', dims: [E, vocab] },
    { name: 'enc.output_norm.weight', dims: [E] },
    { name: 'output.weight', dims: [E, vocab] },
  ];
  if (a === 't5') tensors.push({ name: 'dec.output_norm.weight', dims: [E] });
  const attn = (b: string, p: string): GgufTensorSpec[] => [
    { name: `${b}.${p}_q.weight`, dims: [E, headDim * heads] },
    { name: `${b}.${p}_k.weight`, dims: [E, headDim * kvHeads] },
    { name: `${b}.${p}_v.weight`, dims: [E, headDim * kvHeads] },
    { name: `${b}.${p}_o.weight`, dims: [headDim * kvHeads, E] },
  ];
  const ffn = (b: string): GgufTensorSpec[] => [
    { name: `${b}.ffn_norm.weight`, dims: [E] },
    { name: `${b}.ffn_down.weight`, dims: [ff, E] },
    { name: `${b}.ffn_up.weight`, dims: [E, ff] },
  ];
  for (let i = 0; i < s.layers; i++) {
    const b = `enc.blk.${i}`;
    tensors.push({ name: `${b}.attn_norm.weight`, dims: [E] }, { name: `${b}.attn_rel_b.weight`, dims: [heads, 32] }, ...attn(b, 'attn'), ...ffn(b));
  }
  if (a === 't5') {
    for (let i = 0; i < s.layers; i++) {
      const b = `dec.blk.${i}`;
      tensors.push(
        { name: `${b}.attn_norm.weight`, dims: [E] }, { name: `${b}.attn_rel_b.weight`, dims: [heads, 32] }, ...attn(b, 'attn'),
        { name: `${b}.cross_attn_norm.weight`, dims: [E] }, ...attn(b, 'cross_attn'), ...ffn(b),
      );
    }
  }
  return { name: s.name, metadata: md, tensors };
}

/**
 * Granite Switch (src/models/granite-switch.cpp): fused QKV, dense FFN, and per-layer stacked LoRA deltas
 * (`*.lora_a` / `*.lora_b`, one slot per adapter plus the base); one adapter of rank 4 here. llama.cpp adds
 * the router's single-head attention layer after the stack on its own (no tensors in the file).
 */
function buildGraniteSwitch(s: TinySpec, md: Record<string, GgufValue>, headDim: number): TinyModel {
  const a = s.arch;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const kvHeads = at(s.kvHeads, 0);
  const ff = at(s.ff ?? E * 2, 0);
  const vocab = s.vocab ?? VOCAB;
  const rank = 4;
  const slots = 2;
  Object.assign(md, {
    [`${a}.logit_scale`]: { t: 'f32', v: 1 },
    [`${a}.adapters.count`]: { t: 'u32', v: 1 },
    [`${a}.adapters.lora_rank`]: { t: 'u32', v: rank },
    [`${a}.adapters.token_ids_activate`]: { t: 'arr-i32', v: [vocab - 1] },
    [`${a}.adapters.token_ids_substitute`]: { t: 'arr-i32', v: [1] },
  });
  const q = headDim * heads;
  const kvw = headDim * kvHeads;
  const tensors: GgufTensorSpec[] = trunk(E, vocab);
  const lora = (b: string, t: string, inW: number, outW: number): GgufTensorSpec[] => [
    { name: `${b}.${t}.lora_a`, dims: [inW, rank, slots] },
    { name: `${b}.${t}.lora_b`, dims: [rank, outW, slots] },
  ];
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [E] },
      { name: `${b}.attn_qkv.weight`, dims: [E, q + 2 * kvw] },
      { name: `${b}.attn_output.weight`, dims: [q, E] },
      { name: `${b}.ffn_norm.weight`, dims: [E] },
      ...denseFfn(b, E, ff),
      ...lora(b, 'attn_q', E, q), ...lora(b, 'attn_k', E, kvw), ...lora(b, 'attn_v', E, kvw), ...lora(b, 'attn_output', q, E),
      ...lora(b, 'ffn_gate', E, ff), ...lora(b, 'ffn_up', E, ff), ...lora(b, 'ffn_down', ff, E),
    );
  }
  return { name: s.name, metadata: md, tensors };
}

/**
 * MiniMax-Text-01 (src/models/minimax-01.cpp): softmax attention on every `full_attention_interval`-th
 * layer, lightning attention (fused QKV, gate, norm) on the rest; MoE feed-forward (2 experts, 1 used).
 */
function buildMinimax01(s: TinySpec, md: Record<string, GgufValue>, headDim: number): TinyModel {
  const a = s.arch;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const kvHeads = at(s.kvHeads, 0);
  const ff = at(s.ff ?? E * 2, 0);
  const vocab = s.vocab ?? VOCAB;
  const interval = s.ssm?.interval ?? 8;
  const experts = 2;
  Object.assign(md, {
    [`${a}.residual_scale`]: { t: 'f32', v: 1 },
    [`${a}.full_attention_interval`]: { t: 'u32', v: interval },
    [`${a}.expert_count`]: { t: 'u32', v: experts },
    [`${a}.expert_used_count`]: { t: 'u32', v: 1 },
  });
  const q = headDim * heads;
  const tensors: GgufTensorSpec[] = trunk(E, vocab);
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    tensors.push({ name: `${b}.attn_norm.weight`, dims: [E] });
    if ((i + 1) % interval === 0) {
      tensors.push(
        { name: `${b}.attn_q.weight`, dims: [E, q] },
        { name: `${b}.attn_k.weight`, dims: [E, headDim * kvHeads] },
        { name: `${b}.attn_v.weight`, dims: [E, headDim * kvHeads] },
      );
    } else {
      tensors.push(
        { name: `${b}.attn_norm_2.weight`, dims: [q] },
        { name: `${b}.attn_qkv.weight`, dims: [E, 3 * q] },
        { name: `${b}.attn_gate.weight`, dims: [E, q] },
      );
    }
    tensors.push(
      { name: `${b}.attn_output.weight`, dims: [q, E] },
      { name: `${b}.ffn_norm.weight`, dims: [E] },
      { name: `${b}.ffn_gate_inp.weight`, dims: [E, experts] },
      { name: `${b}.ffn_gate_exps.weight`, dims: [E, ff, experts] },
      { name: `${b}.ffn_down_exps.weight`, dims: [ff, E, experts] },
      { name: `${b}.ffn_up_exps.weight`, dims: [E, ff, experts] },
    );
  }
  return { name: s.name, metadata: md, tensors };
}

/**
 * MiniMax-M3 (src/models/minimax-m3.cpp): QK-normed attention on every layer; one leading dense layer,
 * then MoE layers (2 experts, 1 used, a shared expert) that also carry the MSA indexer projections
 * (indexer head 32, 2 indexer heads).
 */
function buildMinimaxM3(s: TinySpec, md: Record<string, GgufValue>, headDim: number): TinyModel {
  const a = s.arch;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const kvHeads = at(s.kvHeads, 0);
  const ff = at(s.ff ?? E * 2, 0);
  const vocab = s.vocab ?? VOCAB;
  const experts = 2;
  const ffExp = E;
  const ik = 32;
  const ih = 2;
  Object.assign(md, {
    [`${a}.leading_dense_block_count`]: { t: 'u32', v: 1 },
    [`${a}.expert_count`]: { t: 'u32', v: experts },
    [`${a}.expert_used_count`]: { t: 'u32', v: 1 },
    [`${a}.expert_feed_forward_length`]: { t: 'u32', v: ffExp },
    [`${a}.expert_shared_count`]: { t: 'u32', v: 1 },
    [`${a}.expert_gating_func`]: { t: 'u32', v: 2 },
    [`${a}.attention.indexer.head_count`]: { t: 'u32', v: ih },
    [`${a}.attention.indexer.key_length`]: { t: 'u32', v: ik },
    [`${a}.attention.indexer.top_k`]: { t: 'u32', v: 4 },
    [`${a}.attention.indexer.block_size`]: { t: 'u32', v: 64 },
    [`${a}.attention.indexer.local_blocks`]: { t: 'u32', v: 1 },
  });
  const q = headDim * heads;
  const kvw = headDim * kvHeads;
  const tensors: GgufTensorSpec[] = trunk(E, vocab);
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_q.weight`, dims: [E, q] },
      { name: `${b}.attn_k.weight`, dims: [E, kvw] },
      { name: `${b}.attn_v.weight`, dims: [E, kvw] },
      { name: `${b}.attn_output.weight`, dims: [q, E] },
      { name: `${b}.attn_norm.weight`, dims: [E] },
      { name: `${b}.attn_q_norm.weight`, dims: [headDim] },
      { name: `${b}.attn_k_norm.weight`, dims: [headDim] },
      { name: `${b}.ffn_norm.weight`, dims: [E] },
    );
    if (i < 1) {
      tensors.push(...denseFfn(b, E, ff));
    } else {
      tensors.push(
        { name: `${b}.ffn_gate_inp.weight`, dims: [E, experts] },
        { name: `${b}.exp_probs_b.bias`, dims: [experts] },
        { name: `${b}.ffn_gate_exps.weight`, dims: [E, ffExp, experts] },
        { name: `${b}.ffn_down_exps.weight`, dims: [ffExp, E, experts] },
        { name: `${b}.ffn_up_exps.weight`, dims: [E, ffExp, experts] },
        { name: `${b}.ffn_gate_shexp.weight`, dims: [E, ffExp] },
        { name: `${b}.ffn_down_shexp.weight`, dims: [ffExp, E] },
        { name: `${b}.ffn_up_shexp.weight`, dims: [E, ffExp] },
        { name: `${b}.indexer.q_proj.weight`, dims: [E, ih * ik] },
        { name: `${b}.indexer.k_proj.weight`, dims: [E, ik] },
        { name: `${b}.indexer.q_norm.weight`, dims: [ik] },
        { name: `${b}.indexer.k_norm.weight`, dims: [ik] },
      );
    }
  }
  return { name: s.name, metadata: md, tensors };
}

/**
 * dots3 note (src/models/dots3note.cpp): MLA attention with a head-wise output gate on every layer
 * (kv_lora_rank 112 + rope 16 → key_length 128, one KV head; widths are multiples of 64 because the
 * indexer's Hadamard rotation is at least 64 wide), the SWA layers from the
 * `sliding_window_pattern` array, a DSA lightning indexer (key 64, 2 heads) on the layers
 * `attention.indexer.types` marks; every layer a leading dense FFN (no MoE tensors needed).
 */
function buildDots3Note(s: TinySpec, md: Record<string, GgufValue>): TinyModel {
  const a = s.arch;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const ff = at(s.ff ?? E * 2, 0);
  const vocab = s.vocab ?? VOCAB;
  const kvLora = 112;
  const rope = 16;
  const kMla = 32;
  const vMla = 32;
  const qLora = 64;
  const ik = 64;
  const ih = 2;
  const pattern = Array.isArray(s.swaPattern) ? s.swaPattern : Array.from({ length: s.layers }, (_, i) => (i + 1) % 4 !== 0);
  const types = pattern.map((p) => !p);
  Object.assign(md, {
    [`${a}.attention.head_count_kv`]: { t: 'u32', v: 1 },
    [`${a}.attention.key_length`]: { t: 'u32', v: kvLora + rope },
    [`${a}.attention.value_length`]: { t: 'u32', v: kvLora },
    [`${a}.rope.dimension_count`]: { t: 'u32', v: rope },
    [`${a}.attention.q_lora_rank`]: { t: 'u32', v: qLora },
    [`${a}.attention.kv_lora_rank`]: { t: 'u32', v: kvLora },
    [`${a}.attention.key_length_mla`]: { t: 'u32', v: kMla },
    [`${a}.attention.value_length_mla`]: { t: 'u32', v: vMla },
    [`${a}.attention.kv_lora_rank_swa`]: { t: 'u32', v: kvLora },
    [`${a}.attention.key_length_mla_swa`]: { t: 'u32', v: kMla },
    [`${a}.attention.value_length_mla_swa`]: { t: 'u32', v: vMla },
    [`${a}.attention.sliding_window_pattern`]: { t: 'arr-bool', v: pattern },
    [`${a}.rope.freq_base_swa`]: { t: 'f32', v: 10000 },
    [`${a}.attention.indexer.head_count`]: { t: 'u32', v: ih },
    [`${a}.attention.indexer.key_length`]: { t: 'u32', v: ik },
    [`${a}.attention.indexer.top_k`]: { t: 'u32', v: 4 },
    [`${a}.attention.indexer.types`]: { t: 'arr-bool', v: types },
    [`${a}.leading_dense_block_count`]: { t: 'u32', v: s.layers },
    [`${a}.expert_shared_count`]: { t: 'u32', v: 0 },
    [`${a}.expert_feed_forward_length`]: { t: 'u32', v: 0 },
    [`${a}.expert_gating_func`]: { t: 'u32', v: 2 },
  });
  const tensors: GgufTensorSpec[] = trunk(E, vocab);
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [E] },
      { name: `${b}.attn_q_a_norm.weight`, dims: [qLora] },
      { name: `${b}.attn_kv_a_norm.weight`, dims: [kvLora] },
      { name: `${b}.attn_k_norm.weight`, dims: [rope] },
      { name: `${b}.attn_q_a.weight`, dims: [E, qLora] },
      { name: `${b}.attn_q_b.weight`, dims: [qLora, heads * kMla] },
      { name: `${b}.attn_kv_a_mqa.weight`, dims: [E, kvLora + rope] },
      { name: `${b}.attn_k_b.weight`, dims: [kMla - rope, kvLora, heads] },
      { name: `${b}.attn_v_b.weight`, dims: [kvLora, vMla, heads] },
      { name: `${b}.attn_output.weight`, dims: [heads * vMla, E] },
      { name: `${b}.attn_gate.weight`, dims: [E, heads] },
      { name: `${b}.ffn_norm.weight`, dims: [E] },
      ...denseFfn(b, E, ff),
    );
    if (types[i]) {
      tensors.push(
        { name: `${b}.indexer.k_norm.weight`, dims: [ik] },
        { name: `${b}.indexer.k_norm.bias`, dims: [ik] },
        { name: `${b}.indexer.proj.weight`, dims: [E, ih] },
        { name: `${b}.indexer.attn_k.weight`, dims: [E, ik] },
        { name: `${b}.indexer.attn_q_b.weight`, dims: [qLora, ih * ik] },
      );
    }
  }
  return { name: s.name, metadata: md, tensors };
}

/**
 * qwen4exp (src/models/qwen4exp.cpp): hyper-connections (count 2, low rank 8) around every token mixer and
 * MoE block, gated full attention with a lightning indexer (key 64, 2 heads) on every
 * `full_attention_interval`-th layer, gated delta nets elsewhere, MoE (2 experts, 1 used) with a gated
 * shared expert; no PLE layer.
 */
function buildQwen4Exp(s: TinySpec, md: Record<string, GgufValue>, headDim: number): TinyModel {
  const a = s.arch;
  const ssm = s.ssm!;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const kvHeads = at(s.kvHeads, 0);
  const vocab = s.vocab ?? VOCAB;
  const hc = 2;
  const lr = 8;
  const hcDim = hc * E;
  const experts = 2;
  const ffExp = E;
  const ik = 64;
  const ih = 2;
  const keyDim = ssm.state * ssm.groups;
  const valueDim = ssm.state * ssm.valueHeads;
  Object.assign(md, {
    [`${a}.ssm.conv_kernel`]: { t: 'u32', v: ssm.conv },
    [`${a}.ssm.inner_size`]: { t: 'u32', v: valueDim },
    [`${a}.ssm.state_size`]: { t: 'u32', v: ssm.state },
    [`${a}.ssm.time_step_rank`]: { t: 'u32', v: ssm.valueHeads },
    [`${a}.ssm.group_count`]: { t: 'u32', v: ssm.groups },
    [`${a}.full_attention_interval`]: { t: 'u32', v: ssm.interval },
    [`${a}.rope.dimension_sections`]: { t: 'arr-i32', v: [headDim / 8, headDim / 8, headDim / 4, 0] },
    [`${a}.rope.dimension_count`]: { t: 'u32', v: headDim },
    [`${a}.hyper_connection.count`]: { t: 'u32', v: hc },
    [`${a}.hyper_connection.low_rank`]: { t: 'u32', v: lr },
    [`${a}.attention.indexer.head_count`]: { t: 'u32', v: ih },
    [`${a}.attention.indexer.key_length`]: { t: 'u32', v: ik },
    [`${a}.attention.indexer.top_k`]: { t: 'u32', v: 4 },
    [`${a}.expert_count`]: { t: 'u32', v: experts },
    [`${a}.expert_used_count`]: { t: 'u32', v: 1 },
    [`${a}.expert_feed_forward_length`]: { t: 'u32', v: ffExp },
    [`${a}.expert_shared_feed_forward_length`]: { t: 'u32', v: ffExp },
  });
  const pleDim = E;
  const pleRows = 64;
  if (s.ple) {
    Object.assign(md, {
      [`${a}.ple.layers`]: { t: 'arr-u32', v: [0] },
      [`${a}.ple.ngram_size`]: { t: 'u32', v: 2 },
      [`${a}.ple.heads_per_ngram`]: { t: 'u32', v: 1 },
      [`${a}.ple.conv_kernel`]: { t: 'u32', v: 4 },
      [`${a}.ple.eos_token_id`]: { t: 'u32', v: 2 },
      [`${a}.embedding_length_per_layer_input`]: { t: 'u32', v: pleDim },
      [`${a}.ple.layer_multipliers`]: { t: 'arr-u64', v: [1, 3] },
      [`${a}.ple.head_offsets`]: { t: 'arr-u64', v: [0] },
      [`${a}.ple.head_vocab_sizes`]: { t: 'arr-u64', v: [pleRows] },
    });
  }
  const tensors: GgufTensorSpec[] = [
    { name: 'token_embd.weight', dims: [E, vocab] },
    { name: 'output_hc_norm.weight', dims: [hcDim] },
    { name: 'output_hc_down.weight', dims: [hcDim, lr] },
    { name: 'output_hc_up.weight', dims: [lr, hcDim] },
    { name: 'output.weight', dims: [E, vocab] },
  ];
  if (s.ple) tensors.push({ name: 'per_layer_token_embd.weight', dims: [pleDim, pleRows] });
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    if (s.ple && i === 0) {
      tensors.push(
        { name: `${b}.ple_key.weight`, dims: [E, hcDim] },
        { name: `${b}.ple_value.weight`, dims: [E, E] },
        { name: `${b}.ple_norm_key.weight`, dims: [hcDim] },
        { name: `${b}.ple_norm_query.weight`, dims: [hcDim] },
        { name: `${b}.ple_norm_conv.weight`, dims: [hcDim] },
        { name: `${b}.ple_conv1d.weight`, dims: [4, hcDim] },
      );
    }
    for (const m of ['attn', 'ffn']) {
      tensors.push(
        { name: `${b}.hc_${m}_norm.weight`, dims: [hcDim] },
        { name: `${b}.hc_${m}_down.weight`, dims: [hcDim, lr] },
        { name: `${b}.hc_${m}_up.weight`, dims: [lr, hcDim] },
        { name: `${b}.hc_${m}_inject.weight`, dims: [hcDim, hc] },
      );
    }
    if ((i + 1) % ssm.interval === 0) {
      tensors.push(
        { name: `${b}.attn_q.weight`, dims: [E, headDim * heads * 2] },
        { name: `${b}.attn_k.weight`, dims: [E, headDim * kvHeads] },
        { name: `${b}.attn_v.weight`, dims: [E, headDim * kvHeads] },
        { name: `${b}.attn_output.weight`, dims: [headDim * heads, E] },
        { name: `${b}.attn_q_norm.weight`, dims: [headDim] },
        { name: `${b}.attn_k_norm.weight`, dims: [headDim] },
        { name: `${b}.indexer.q_proj.weight`, dims: [E, ih * ik] },
        { name: `${b}.indexer.k_proj.weight`, dims: [E, ik] },
        { name: `${b}.indexer.q_norm.weight`, dims: [ik] },
        { name: `${b}.indexer.k_norm.weight`, dims: [ik] },
      );
    } else {
      tensors.push(
        { name: `${b}.attn_qkv.weight`, dims: [E, keyDim * 2 + valueDim] },
        { name: `${b}.attn_gate.weight`, dims: [E, valueDim] },
        { name: `${b}.ssm_conv1d.weight`, dims: [ssm.conv, keyDim * 2 + valueDim] },
        { name: `${b}.ssm_dt.bias`, dims: [ssm.valueHeads] },
        { name: `${b}.ssm_a`, dims: [ssm.valueHeads] },
        { name: `${b}.ssm_beta.weight`, dims: [E, ssm.valueHeads] },
        { name: `${b}.ssm_alpha.weight`, dims: [E, ssm.valueHeads] },
        { name: `${b}.ssm_norm.weight`, dims: [ssm.state] },
        { name: `${b}.ssm_out.weight`, dims: [valueDim, E] },
      );
    }
    tensors.push(
      { name: `${b}.ffn_gate_inp.weight`, dims: [E, experts] },
      { name: `${b}.ffn_down_exps.weight`, dims: [ffExp, E, experts] },
      { name: `${b}.ffn_gate_exps.weight`, dims: [E, ffExp, experts] },
      { name: `${b}.ffn_up_exps.weight`, dims: [E, ffExp, experts] },
      { name: `${b}.ffn_gate_inp_shexp.weight`, dims: [E] },
      { name: `${b}.ffn_gate_shexp.weight`, dims: [E, ffExp] },
      { name: `${b}.ffn_up_shexp.weight`, dims: [E, ffExp] },
      { name: `${b}.ffn_down_shexp.weight`, dims: [ffExp, E] },
    );
  }
  return { name: s.name, metadata: md, tensors };
}

/**
 * Kimi-K3 (src/models/kimi-k3.cpp) and Bailing MoE 3 (src/models/bailingmoe3.cpp, its own KDA tensor names:
 * f_a to d_inner, g_a, a [1, n_head]; a head-wise attention gate; trunk-only MTP blocks): KDA layers (head_count_kv 0: q/k/v short convolutions, a full-rank
 * gate, head dim 32) and MLA layers (kv_lora_rank 112 + rope 16, K only in the cache) on the others; every
 * layer a leading dense FFN, no attention residuals (attn_res.block_size 0).
 */
function buildKimiK3(s: TinySpec, md: Record<string, GgufValue>): TinyModel {
  const a = s.arch;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const ff = at(s.ff ?? E * 2, 0);
  const vocab = s.vocab ?? VOCAB;
  const kda = 32;
  const conv = 4;
  const kvLora = 112;
  const rope = 16;
  const kMla = 32;
  const vMla = 32;
  const dInner = kda * heads;
  const nextn = s.nextn ?? 0;
  const all = s.layers + nextn;
  const kvHeads = Array.isArray(s.kvHeads) ? s.kvHeads : Array.from({ length: all }, (_, i) => ((i + 1) % 4 === 0 ? 1 : 0));
  const bailing = a === 'bailingmoe3';
  md[`${a}.block_count`] = { t: 'u32', v: all };
  if (nextn > 0) md[`${a}.nextn_predict_layers`] = { t: 'u32', v: nextn };
  if (bailing) md[`${a}.feed_forward_length`] = { t: 'u32', v: ff };
  Object.assign(md, {
    [`${a}.attention.head_count_kv`]: { t: 'arr-i32', v: kvHeads },
    [`${a}.attention.key_length`]: { t: 'u32', v: kvLora + rope },
    [`${a}.attention.value_length`]: { t: 'u32', v: kvLora },
    [`${a}.attention.key_length_mla`]: { t: 'u32', v: kMla },
    [`${a}.attention.value_length_mla`]: { t: 'u32', v: vMla },
    [`${a}.attention.kv_lora_rank`]: { t: 'u32', v: kvLora },
    [`${a}.rope.dimension_count`]: { t: 'u32', v: rope },
    [`${a}.ssm.conv_kernel`]: { t: 'u32', v: conv },
    [`${a}.kda.head_dim`]: { t: 'u32', v: kda },
    [`${a}.kda.gate_lower_bound`]: { t: 'f32', v: -5 },
    [`${a}.expert_feed_forward_length`]: { t: 'u32', v: 0 },
    [`${a}.expert_shared_count`]: { t: 'u32', v: 0 },
    [`${a}.leading_dense_block_count`]: { t: 'u32', v: s.layers },
    [`${a}.expert_gating_func`]: { t: 'u32', v: 2 },
    ...(bailing ? {} : {
      [`${a}.attn_res.block_size`]: { t: 'u32', v: 0 } as GgufValue,
      [`${a}.activation.situ_beta`]: { t: 'f32', v: 1 } as GgufValue,
      [`${a}.activation.situ_linear_beta`]: { t: 'f32', v: 1 } as GgufValue,
    }),
  });
  const tensors: GgufTensorSpec[] = trunk(E, vocab);
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    tensors.push({ name: `${b}.attn_norm.weight`, dims: [E] }, { name: `${b}.ffn_norm.weight`, dims: [E] });
    if ((kvHeads[i] ?? 0) === 0) {
      tensors.push(
        { name: `${b}.ssm_conv1d_q.weight`, dims: [conv, 1, dInner, 1] },
        { name: `${b}.ssm_conv1d_k.weight`, dims: [conv, 1, dInner, 1] },
        { name: `${b}.ssm_conv1d_v.weight`, dims: [conv, 1, dInner, 1] },
        { name: `${b}.attn_q.weight`, dims: [E, dInner] },
        { name: `${b}.attn_k.weight`, dims: [E, dInner] },
        { name: `${b}.attn_v.weight`, dims: [E, dInner] },
        { name: `${b}.ssm_beta.weight`, dims: [E, heads] },
        { name: `${b}.ssm_dt.bias`, dims: [dInner] },
        { name: `${b}.ssm_norm.weight`, dims: [kda] },
        { name: `${b}.attn_output.weight`, dims: [dInner, E] },
      );
      if (bailing) {
        tensors.push({ name: `${b}.ssm_f_a.weight`, dims: [E, dInner] }, { name: `${b}.ssm_a`, dims: [1, heads] }, { name: `${b}.ssm_g_a.weight`, dims: [E, dInner] });
      } else {
        tensors.push(
          { name: `${b}.ssm_f_a.weight`, dims: [E, kda] }, { name: `${b}.ssm_f_b.weight`, dims: [kda, dInner] }, { name: `${b}.ssm_a`, dims: [heads] },
          { name: `${b}.ssm_g.weight`, dims: [E, dInner] },
        );
      }
    } else {
      tensors.push(
        { name: `${b}.attn_kv_a_norm.weight`, dims: [kvLora] },
        { name: `${b}.attn_q.weight`, dims: [E, heads * kMla] },
        { name: `${b}.attn_kv_a_mqa.weight`, dims: [E, kvLora + rope] },
        { name: `${b}.attn_k_b.weight`, dims: [kMla - rope, kvLora, heads] },
        { name: `${b}.attn_v_b.weight`, dims: [kvLora, vMla, heads] },
        { name: `${b}.attn_output.weight`, dims: [heads * vMla, E] },
      );
      if (bailing) tensors.push({ name: `${b}.attn_gate.weight`, dims: [E, heads] });
    }
    tensors.push(...denseFfn(b, E, ff));
  }
  return { name: s.name, metadata: md, tensors };
}

/**
 * GLM-5 sparse attention (src/models/glm-dsa.cpp): DeepSeek-style MLA (q_lora 64, kv_lora_rank 112 + rope 16)
 * with a lightning indexer (key 64, 2 heads) on every layer, dense FFNs; llama_kv_cache_dsa keeps indexer
 * keys only for the layers `attention.indexer.types` marks (default: all before GLM-5.2's 1M context).
 */
function buildGlmDsa(s: TinySpec, md: Record<string, GgufValue>): TinyModel {
  const a = s.arch;
  const E = s.embd;
  const heads = at(s.heads, 0);
  const ff = at(s.ff ?? E * 2, 0);
  const vocab = s.vocab ?? VOCAB;
  const kvLora = 112;
  const rope = 16;
  const kMla = 32;
  const vMla = 32;
  const qLora = 64;
  const ik = 64;
  const ih = 2;
  Object.assign(md, {
    [`${a}.attention.head_count_kv`]: { t: 'u32', v: 1 },
    [`${a}.attention.key_length`]: { t: 'u32', v: kvLora + rope },
    [`${a}.attention.value_length`]: { t: 'u32', v: kvLora },
    [`${a}.rope.dimension_count`]: { t: 'u32', v: rope },
    [`${a}.attention.q_lora_rank`]: { t: 'u32', v: qLora },
    [`${a}.attention.kv_lora_rank`]: { t: 'u32', v: kvLora },
    [`${a}.attention.key_length_mla`]: { t: 'u32', v: kMla },
    [`${a}.attention.value_length_mla`]: { t: 'u32', v: vMla },
    [`${a}.attention.indexer.head_count`]: { t: 'u32', v: ih },
    [`${a}.attention.indexer.key_length`]: { t: 'u32', v: ik },
    [`${a}.attention.indexer.top_k`]: { t: 'u32', v: 4 },
    [`${a}.leading_dense_block_count`]: { t: 'u32', v: s.layers },
    [`${a}.expert_shared_count`]: { t: 'u32', v: 0 },
    [`${a}.expert_feed_forward_length`]: { t: 'u32', v: 0 },
  });
  if (s.indexerTypes) md[`${a}.attention.indexer.types`] = { t: 'arr-bool', v: s.indexerTypes };
  const tensors: GgufTensorSpec[] = trunk(E, vocab);
  for (let i = 0; i < s.layers; i++) {
    const b = `blk.${i}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [E] },
      { name: `${b}.attn_q_a_norm.weight`, dims: [qLora] },
      { name: `${b}.attn_kv_a_norm.weight`, dims: [kvLora] },
      { name: `${b}.attn_q_a.weight`, dims: [E, qLora] },
      { name: `${b}.attn_q_b.weight`, dims: [qLora, heads * kMla] },
      { name: `${b}.attn_kv_a_mqa.weight`, dims: [E, kvLora + rope] },
      { name: `${b}.attn_k_b.weight`, dims: [kMla - rope, kvLora, heads] },
      { name: `${b}.attn_v_b.weight`, dims: [kvLora, vMla, heads] },
      { name: `${b}.attn_output.weight`, dims: [heads * vMla, E] },
      { name: `${b}.ffn_norm.weight`, dims: [E] },
      { name: `${b}.indexer.k_norm.weight`, dims: [ik] },
      { name: `${b}.indexer.k_norm.bias`, dims: [ik] },
      { name: `${b}.indexer.proj.weight`, dims: [E, ih] },
      { name: `${b}.indexer.attn_k.weight`, dims: [E, ik] },
      { name: `${b}.indexer.attn_q_b.weight`, dims: [qLora, ih * ik] },
      ...denseFfn(b, E, ff),
    );
  }
  return { name: s.name, metadata: md, tensors };
}
