/**
 * Every architecture name llama.cpp's current release knows (`src/llama-arch.cpp`, LLM_ARCH_NAMES),
 * with the memory layout its `llama_model::create_memory` builds and the per-architecture hparams
 * rules that decide which layers cache what (`load_hparams` / `src/models/<arch>.cpp`). Each entry
 * is either sized exactly by the estimator or refused with the reason. Checked against the newest
 * llama.cpp this repository can read: the source bundled with node-llama-cpp 3.21.1 (80fb11a,
 * 2026-09-12; llama-cpp-arch-names.ts holds its name list).
 */

/** Interleaved sliding-window layout (llama.cpp `set_swa_pattern(period, dense_first)`). */
export interface SwaRule {
  /** Default period: `il % period < period - 1` is SWA (`denseFirst`: `il % period != 0`). */
  period: number;
  denseFirst?: boolean;
  /** Window used when the GGUF has no `attention.sliding_window` key; null: no key → no SWA. */
  defaultWindow: number | null;
  /** The window is fixed by the architecture (llama4 chunked attention 8192; smallthinker 4096). */
  fixedWindow?: number;
  /** A per-layer `attention.sliding_window_pattern` array is required (gemma4, mimo2, step35). */
  needsPatternArray?: boolean;
  /** The fixed window applies only when the GGUF sets `attention.sliding_window` > 0 (smallthinker). */
  windowKeyRequired?: boolean;
  /** SWA only for this block count (exaone4: the 32B model, 64 layers). */
  onlyWithLayerCount?: number;
  /** Every layer slides when this `<arch>.` key is > 0, pattern array or not (dflash: DeepSeek-V4 DSpark stages). */
  allSwaWhenKey?: string;
  /** llama.cpp reads `attention.sliding_window` as a required key (granite_swa, muse-glimmer, dots3note). */
  windowRequired?: boolean;
  /** llama.cpp requires `attention.sliding_window_pattern` (a period or a per-layer array; muse-glimmer). */
  patternRequired?: boolean;
}

/** Which layers of a hybrid carry a recurrent state instead of attention. */
export type HybridRule =
  /** `head_count_kv(il) == 0` (jamba, granitehybrid, lfm2, lfm2moe, plamo2, kimi-linear, bailingmoe3, kimi-k3). */
  | 'zero-kv'
  /** `attention.recurrent_layers` array, else every layer but each `full_attention_interval`-th (default 4; minimax-01: 8). */
  | 'interval'
  /** recurrent: `head_count_kv == 0 && n_ff == 0`; attention: `head_count_kv > 0` (nemotron_h). */
  | 'nemotron'
  /** every layer has both attention and a recurrent state (falcon-h1). */
  | 'all';

/**
 * Which layers keep a second, single-head "indexer" cache beside the main one (a `llama_kv_cache`
 * built on hparams with `n_head_kv = 1` and `n_embd_head_k = attention.indexer.key_length`; V of
 * `value_length` unless the model is MLA). Same cells and streams as the full-attention cache.
 */
export type IndexerRule =
  /** every layer of the main cache (deepseek32, llama_kv_cache_dsa `filter_lid = il < n_layer()`). */
  | 'all'
  /** layers flagged by `attention.indexer.types` (dots3note: required; glm-dsa: optional, default by context length). */
  | 'types'
  /** layers from `leading_dense_block_count` on (minimax-m3, llama_kv_cache_msa `filter_idx`). */
  | 'after-dense-lead'
  /** the attention layers of a hybrid (qwen4exp, llama_memory_hybrid_idx `filter_idx`). */
  | 'attention';

export type ArchLayout =
  | {
    kind: 'standard'; swa?: SwaRule; nextnFiltered?: boolean; indexer?: IndexerRule;
    /** `<arch>.num_loops`: the block stack runs this many times, each pass with its own KV (nanbeige). */
    loops?: boolean;
    /** One extra single-head attention layer after the stack holds the adapter router's K/V (graniteswitch). */
    routerLayer?: boolean;
  }
  /** DeepSeek-V4 (llama_kv_cache_dsv4): raw sliding-window K, CSA/HCA compressed K, indexer K, compressor states. */
  | { kind: 'dsv4' }
  | { kind: 'recurrent' }
  | {
    kind: 'hybrid'; rule: HybridRule; nextnFiltered?: boolean;
    /** `interval` rule: default `full_attention_interval` when the GGUF has none (4; minimax-01: 8). */
    defaultInterval?: number;
    indexer?: IndexerRule;
  }
  | { kind: 'no-cache'; why: string }
  | { kind: 'unsupported'; why: string }
  /** llama.cpp itself refuses to load a file of this architecture as a model. */
  | { kind: 'not-loadable'; why: string };

export interface ArchEntry {
  name: string;
  layout: ArchLayout;
  /** One line: the layout rule, as the test table and `bench:accuracy` print it. */
  rule: string;
}

const STD: ArchLayout = { kind: 'standard' };
const stdRule = 'every layer caches K and V (head_count_kv × key_length / value_length); MLA when *_mla keys are present';

const standard = (names: string[]): ArchEntry[] => names.map((name) => ({ name, layout: STD, rule: stdRule }));

const swa = (name: string, rule: SwaRule, text: string, nextnFiltered = false): ArchEntry => ({ name, layout: { kind: 'standard', swa: rule, nextnFiltered }, rule: text });

const noCache = (names: string[], why: string): ArchEntry[] => names.map((name) => ({ name, layout: { kind: 'no-cache', why }, rule: `no KV cache: ${why}` }));


const notLoadable = (name: string, why: string): ArchEntry => ({ name, layout: { kind: 'not-loadable', why }, rule: `not loadable by llama.cpp: ${why}` });

/** The registry, in llama.cpp's LLM_ARCH_NAMES order where it matters little; looked up by name. */
export const LLAMA_CPP_ARCHITECTURES: readonly ArchEntry[] = [
  // src/llama.cpp llama_model_load: `if (model->arch == LLM_ARCH_CLIP) throw "CLIP cannot be used as main model,
  // use it with --mmproj instead"`; llama-arch.cpp names it "dummy, only used by llama-quantize".
  notLoadable('clip', 'a vision/audio projector (mmproj): llama.cpp refuses it as a model ("CLIP cannot be used as main model, use it with --mmproj instead"); the projector loader (mtmd) keeps no KV cache'),
  ...standard([
    'llama', 'deci', 'falcon', 'grok', 'gpt2', 'gptj', 'gptneox', 'mpt', 'baichuan', 'starcoder', 'refact', 'bloom', 'stablelm',
    'qwen', 'qwen2', 'qwen2moe', 'qwen2vl', 'qwen3', 'qwen3moe', 'qwen3vl', 'qwen3vlmoe', 'phi2', 'phimoe', 'plamo', 'codeshell',
    'orion', 'internlm2', 'minicpm', 'minicpm3', 'gemma', 'starcoder2', 'xverse', 'command-r', 'dbrx', 'olmo', 'olmoe', 'openelm',
    'arctic', 'deepseek', 'deepseek2', 'deepseek2-ocr', 'chatglm', 'glm4', 'glm4moe', 'bitnet', 'jais', 'jais2', 'nemotron',
    'exaone', 'granite', 'granitemoe', 'chameleon', 'plm', 'bailingmoe', 'bailingmoe2', 'dots1', 'arcee', 'ernie4_5', 'ernie4_5-moe',
    'hunyuan-moe', 'hunyuan-dense', 'hunyuan_vl', 'smollm3', 'seed_oss', 'grovemoe', 'apertus', 'minimax-m2', 'cogvlm',
    'pangu-embedded', 'mistral3', 'mistral4', 'paddleocr', 'llama-embed', 'maincoder', 'talkie', 'mellum', 'laguna', 'plamo3', 'exaone-moe',
  ]),
  // qwen3tts: llama_model_qwen3tts is llama_model_qwen3vl (src/models/qwen3tts.cpp, models.h) with a 3072-entry
  // codec head; create_memory default branch → plain llama_kv_cache. pockettts: src/models/pockettts.cpp reads
  // only the norm eps, its graph calls build_attn_inp_kv() → plain llama_kv_cache on block_count layers.
  { name: 'qwen3tts', layout: STD, rule: 'Qwen3-TTS talker (the qwen3vl graph): every layer caches K and V (head_count_kv × key_length / value_length)' },
  { name: 'pockettts', layout: STD, rule: 'Pocket TTS backbone: every layer caches K and V (head_count_kv × key_length / value_length)' },
  // src/models/nanbeige.cpp load_arch_hparams: n_layer_all = block_count × num_loops (the per-layer head
  // counts copied to every pass) "before load_tensors() allocates layers / KV", so the cache has one layer per pass.
  { name: 'nanbeige', layout: { kind: 'standard', loops: true }, rule: 'looped stack: block_count × num_loops (default 1) layers, each caching K and V' },
  // src/models/granite-switch.cpp load_arch_hparams: router_layer = n_real, n_layer_all = n_real + 1,
  // n_head_kv_arr[n_real] = 1; llama_kv_cache iterates n_layer_all, so the router layer gets a 1-head K/V.
  { name: 'graniteswitch', layout: { kind: 'standard', routerLayer: true }, rule: 'every layer caches K and V, plus one extra single-head layer (key_length / value_length) for the adapter router' },
  // src/models/glm-dsa.cpp + create_memory (LLM_ARCH_GLM_DSA): llama_kv_cache_dsa, filter_lid = il < n_layer()
  // && is_indexer_full(il); types default to every layer (context_length < 1048576: GLM-5/5.1) or the GLM-5.2 pattern.
  { name: 'glm-dsa', layout: { kind: 'standard', indexer: 'types', nextnFiltered: true }, rule: 'GLM sparse attention (llama_kv_cache_dsa): the MLA cache plus a lightning-indexer K cache on the layers attention.indexer.types marks (default: every layer before GLM-5.2, else layers 0, 1, 2, 6, 10, …); MTP blocks filtered out' },
  // src/models/minimax-m3.cpp + create_memory (LLM_ARCH_MINIMAX_M3) + llama-kv-cache-msa.cpp: a plain main
  // cache on every layer, and an indexer llama_kv_cache (n_head_kv 1, n_embd_head_k = indexer.key_length, V kept:
  // not MLA) on il >= leading_dense_block_count.
  { name: 'minimax-m3', layout: { kind: 'standard', indexer: 'after-dense-lead' }, rule: 'MiniMax sparse attention (llama_kv_cache_msa): every layer caches K and V, and each layer from leading_dense_block_count on adds an indexer cache of one head (K attention.indexer.key_length, V value_length)' },
  // src/models/dots3note.cpp: SWA pattern array and window required, MLA on both layer kinds, indexer.types
  // array; create_memory (LLM_ARCH_DOTS3NOTE) → llama_kv_cache_dsa_iswa: DSA cache (MLA K + indexer K on
  // is_indexer_full layers) for the full layers, a window-sized MLA cache for the SWA layers; MTP filtered.
  {
    name: 'dots3note', layout: { kind: 'standard', swa: { period: 0, defaultWindow: null, needsPatternArray: true, windowRequired: true }, nextnFiltered: true, indexer: 'types' },
    rule: 'dots3 note (llama_kv_cache_dsa_iswa): full layers keep the MLA K cache plus a lightning-indexer K on the layers attention.indexer.types marks, SWA layers (attention.sliding_window_pattern) an MLA K cache of window + n_ubatch cells; MTP blocks filtered out',
  },
  // src/models/granite-swa.cpp: pattern array (get_arr, required) and attention.sliding_window (required).
  swa('granite_swa', { period: 0, defaultWindow: null, needsPatternArray: true, windowRequired: true }, 'iSWA from the per-layer attention.sliding_window_pattern array (window attention.sliding_window)'),
  // src/models/muse-glimmer.cpp: window required; pattern = a scalar period (get_key_or_arr(…, swa_period, false) →
  // set_swa_pattern(period)) or else a per-layer array of n_layer() (get_key_or_arr(…, is_swa_impl, n_layer()),
  // required): a GGUF with neither fails to load ("key not found in model: …sliding_window_pattern").
  swa('muse-glimmer', { period: 4, defaultWindow: null, windowRequired: true, patternRequired: true }, 'iSWA from attention.sliding_window_pattern: a period p (every layer but each p-th slides) or a per-layer array; window attention.sliding_window'),
  { name: 'phi3', layout: STD, rule: 'every layer caches K and V; llama.cpp disables Phi-3 sliding windows (PR #13676), so no SWA cache' },
  { name: 'hy_v3', layout: { kind: 'standard', nextnFiltered: true }, rule: 'every layer caches K and V except the nextn_predict_layers MTP blocks (filtered out of the main context)' },
  swa('llama4', { period: 4, defaultWindow: null, fixedWindow: 8192 }, 'chunked attention: 3 of every 4 layers use an 8192-token chunk cache (when attention.sliding_window is set)'),
  swa('gemma2', { period: 2, defaultWindow: 4096 }, 'iSWA: even layers slide (window attention.sliding_window, default 4096)'),
  swa('gemma3', { period: 6, defaultWindow: null }, 'iSWA: 5 of every 6 layers slide (global layers 5, 11, …)'),
  swa('gemma3n', { period: 5, defaultWindow: null }, 'iSWA: 4 of every 5 layers slide; the last shared_kv_layers layers reuse earlier KV'),
  swa('gemma4', { period: 0, defaultWindow: null, needsPatternArray: true }, 'iSWA from the per-layer attention.sliding_window_pattern array (key_length_swa on SWA layers); shared_kv_layers reuse KV'),
  swa('cohere2', { period: 4, defaultWindow: null }, 'iSWA: 3 of every 4 layers slide'),
  swa('cohere2moe', { period: 4, denseFirst: true, defaultWindow: null }, 'iSWA: every layer but each 4th (dense first) slides, or the sliding_window_pattern array'),
  swa('gpt-oss', { period: 2, defaultWindow: null }, 'iSWA: even layers slide (window 128)'),
  swa('olmo2', { period: 4, defaultWindow: null }, 'OLMo 2: every layer full; OLMo 3 (attention.sliding_window set): 3 of every 4 layers slide'),
  swa('exaone4', { period: 4, defaultWindow: 4096, onlyWithLayerCount: 64 }, 'EXAONE 4.0 32B (64 layers): 3 of every 4 layers slide (window 4096 or attention.sliding_window); 1.2B: every layer full'),
  swa('smallthinker', { period: 4, denseFirst: true, defaultWindow: null, fixedWindow: 4096, windowKeyRequired: true }, 'with attention.sliding_window: every layer but each 4th (dense first) slides over 4096 tokens'),
  swa('afmoe', { period: 4, defaultWindow: null }, 'with attention.sliding_window: 3 of every 4 layers slide (or the sliding_window_pattern)'),
  swa('mimo2', { period: 0, defaultWindow: null, needsPatternArray: true }, 'iSWA from the per-layer attention.sliding_window_pattern array'),
  swa('step35', { period: 0, defaultWindow: null, needsPatternArray: true }, 'iSWA from the per-layer attention.sliding_window_pattern array; MTP blocks filtered out', true),
  ...noCache(['bert', 'modern-bert', 'nomic-bert', 'nomic-bert-moe', 'neo-bert', 'jina-bert-v2', 'jina-bert-v3', 'eurobert', 'gemma-embedding'],
    'an embedding/encoder model (llama.cpp creates no memory for it)'),
  ...noCache(['dream', 'llada', 'llada-moe', 'rnd1'], 'a diffusion language model (llama.cpp creates no memory for it)'),
  ...noCache(['wavtokenizer-dec'], 'an audio codec decoder (llama.cpp creates no memory for it)'),
  ...['mamba', 'mamba2', 'rwkv6', 'rwkv6qwen2', 'rwkv7', 'arwkv7'].map((name): ArchEntry => ({
    name, layout: { kind: 'recurrent' }, rule: 'recurrent only: one f32 state per sequence (R + S per layer), independent of the context',
  })),
  ...['jamba', 'granitehybrid', 'lfm2', 'lfm2moe', 'plamo2'].map((name): ArchEntry => ({
    name, layout: { kind: 'hybrid', rule: 'zero-kv' }, rule: 'hybrid: layers with head_count_kv 0 hold a recurrent state, the rest cache K and V',
  })),
  // src/models/bailingmoe3.cpp / kimi-k3.cpp load_arch_hparams: is_recr = (n_head_kv(il) == 0) for il < n_layer();
  // both are hybrids (llm_arch_is_hybrid) with null filters, so llama_memory_hybrid's defaults apply
  // (attention: !is_recr over every layer; recurrent: is_recr); KDA state from kda.head_dim; MLA (K only).
  { name: 'bailingmoe3', layout: { kind: 'hybrid', rule: 'zero-kv' }, rule: 'hybrid: KDA layers (head_count_kv 0) hold a delta-attention state (kda.head_dim), the rest cache MLA K only' },
  { name: 'kimi-k3', layout: { kind: 'hybrid', rule: 'zero-kv' }, rule: 'hybrid: KDA layers (head_count_kv 0) hold a delta-attention state (kda.head_dim), the rest cache MLA K only' },
  // src/models/minimax-01.cpp: recurrent_layers array, else every full_attention_interval-th layer (default 8)
  // is softmax attention; n_embd_head_la = key_length → n_embd_s = key_length² × head_count, n_embd_r = 0.
  { name: 'minimax-01', layout: { kind: 'hybrid', rule: 'interval', defaultInterval: 8, nextnFiltered: true }, rule: 'hybrid (MiniMax-Text-01): every full_attention_interval-th layer (default 8) caches K and V, the rest hold a lightning-attention state of key_length² × head_count f32' },
  // src/models/qwen4exp.cpp + create_memory: llama_memory_hybrid_idx (attention + gated-delta-net state + an
  // indexer llama_kv_cache of one head, K indexer.key_length and V value_length, on the attention layers);
  // the one PLE layer adds (ple.conv_kernel − 1) × ple.ngram_size × hyper_connection.count × n_embd f32 per sequence.
  { name: 'qwen4exp', layout: { kind: 'hybrid', rule: 'interval', nextnFiltered: true, indexer: 'attention' }, rule: 'hybrid (llama_memory_hybrid_idx): every full_attention_interval-th layer (default 4) caches K and V plus a one-head indexer K/V, the rest hold a gated-delta-net state (plus the PLE conv row); MTP blocks filtered out' },
  { name: 'kimi-linear', layout: { kind: 'hybrid', rule: 'zero-kv' }, rule: 'hybrid: KDA layers (head_count_kv 0) hold a delta-attention state (kda.head_dim), the rest cache MLA K only' },
  { name: 'qwen3next', layout: { kind: 'hybrid', rule: 'interval' }, rule: 'hybrid: every full_attention_interval-th layer (default 4) caches K and V, the rest hold a gated-delta-net state' },
  { name: 'qwen35', layout: { kind: 'hybrid', rule: 'interval', nextnFiltered: true }, rule: 'hybrid (Qwen3.5/3.6): attention.recurrent_layers, else every 4th layer caches K and V and the rest hold a gated-delta-net state; MTP blocks filtered out' },
  { name: 'qwen35moe', layout: { kind: 'hybrid', rule: 'interval', nextnFiltered: true }, rule: 'hybrid (Qwen3.5/3.6 MoE): attention.recurrent_layers, else every 4th layer caches K and V and the rest hold a gated-delta-net state; MTP blocks filtered out' },
  { name: 'nemotron_h', layout: { kind: 'hybrid', rule: 'nemotron' }, rule: 'hybrid: Mamba-2 layers (head_count_kv 0 and n_ff 0) hold a state, attention layers cache K and V, MLP layers neither' },
  { name: 'nemotron_h_moe', layout: { kind: 'hybrid', rule: 'nemotron' }, rule: 'hybrid: Mamba-2 layers (head_count_kv 0 and n_ff 0) hold a state, attention layers cache K and V, MLP/MoE layers neither' },
  { name: 'falcon-h1', layout: { kind: 'hybrid', rule: 'all' }, rule: 'hybrid: every layer caches K and V and also holds a Mamba-2 state' },
  { name: 't5', layout: STD, rule: 'encoder–decoder: a KV cache for the decoder self-attention on block_count layers (head_count_kv × key_length / value_length); cross-attention K/V are recomputed from the encoder output, not cached' },
  { name: 't5encoder', layout: STD, rule: 'encoder-only T5: llama.cpp still creates a KV cache of block_count layers (create_memory default branch) that the encoder graph never reads' },
  { name: 'deepseek32', layout: { kind: 'standard', indexer: 'all', nextnFiltered: true }, rule: 'DeepSeek-V3.2 sparse attention (llama_kv_cache_dsa): the MLA cache plus a lightning-indexer K cache of attention.indexer.key_length per layer; MTP blocks filtered out' },
  {
    name: 'deepseek4', layout: { kind: 'dsv4' },
    rule: 'DeepSeek-V4 (llama_kv_cache_dsv4, K only, one stream per sequence): a sliding-window K cache on every layer (window + n_ubatch cells), K caches of ceil_256(n_ctx/4) cells on CSA layers and ceil_256(n_ctx/128) on HCA layers (attention.compress_ratios), a ceil_256(n_ctx/4)-cell lightning-indexer K cache on CSA layers, and f32 compressor states per sequence',
  },
  // Draft models (llama-server -md). gemma4-assistant: llama_context throws without ctx_other (a target
  // context), and create_memory builds its llama_kv_cache_iswa with a `share` callback that maps every
  // layer onto the target's last SWA / full layer, so it allocates no cells of its own.
  ...noCache(['gemma4-assistant'], "a Gemma 4 draft head: llama.cpp runs it only beside its target and every layer reads the target's KV cache (create_memory share), so it allocates none of its own"),
  // eagle3 / dflash go through create_memory's default branch: a plain llama_kv_cache (dflash: iSWA when
  // attention.sliding_window > 0) over their own block_count layers, beside the target's cache.
  { name: 'eagle3', layout: STD, rule: 'EAGLE-3 draft: its own KV cache on its block_count decoder layer(s) (head_count_kv × key_length / value_length), beside the target model\'s' },
  swa('dflash', { period: 0, defaultWindow: null, needsPatternArray: true, allSwaWhenKey: 'hyper_connection.count' },
    "DFlash draft: its own KV cache on its block_count layers; with attention.sliding_window the per-layer sliding_window_pattern array slides (DeepSeek-V4 DSpark stages, hyper_connection.count > 0: every layer)"),
];

const BY_NAME: ReadonlyMap<string, ArchEntry> = new Map(LLAMA_CPP_ARCHITECTURES.map((e) => [e.name, e]));

/** The registry entry for a `general.architecture` name, or undefined when llama.cpp does not know it. */
export function llamaCppArchitecture(name: string): ArchEntry | undefined {
  return BY_NAME.get(name);
}

/** Architectures llama.cpp can load that Headroom refuses, with the reason (printed by `bench:accuracy`). */
export function refusedArchitectures(): ArchEntry[] {
  return LLAMA_CPP_ARCHITECTURES.filter((e) => e.layout.kind === 'unsupported');
}

/** Architecture names llama.cpp knows but refuses to load as a model (printed apart by `bench:accuracy`). */
export function notLoadableArchitectures(): ArchEntry[] {
  return LLAMA_CPP_ARCHITECTURES.filter((e) => e.layout.kind === 'not-loadable');
}

/** Names in `names` (a llama.cpp LLM_ARCH_NAMES list) that the registry lacks: Headroom would call them unknown. */
export function architecturesMissingFrom(names: readonly string[]): string[] {
  return names.filter((n) => !BY_NAME.has(n));
}
