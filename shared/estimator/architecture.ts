/**
 * The normalised shape of a model that the memory formulas need, independent of where it came
 * from (GGUF header, Ollama `/api/show` `model_info`, Hugging Face `config.json`, built-in catalog).
 */

/** How a layer caches attention state: a full-context cache, a sliding-window cache, or none. */
export type LayerKind = 'full' | 'swa' | 'none';

/** One transformer block as the KV cache sees it. Widths are in elements, not bytes. */
export interface LayerSpec {
  index: number;
  kind: LayerKind;
  /** KV heads of this layer (0 for layers without attention, e.g. recurrent layers of a hybrid). */
  headCountKv: number;
  /** Elements per head in K (`key_length`, or `key_length_swa` on SWA layers where given). */
  headDimK: number;
  /** Elements per head in V (`value_length`, …). */
  headDimV: number;
  /** The layer also holds a recurrent (SSM / RWKV / short-conv) state. */
  hasRecurrentState: boolean;
  /**
   * llama.cpp creates K/V tensors for this layer even when it has no KV heads (e.g. DeciLM layers
   * with `head_count_kv` 0): they are empty, except that without flash attention the transposed V
   * is padded to the widest V row. False for recurrent layers of hybrids and layers sharing KV.
   */
  inKvCache: boolean;
}

/** Per-layer recurrent state sizes in f32 elements per sequence (llama.cpp `n_embd_r`, `n_embd_s`). */
export interface RecurrentSpec {
  rElemsPerLayer: number;
  sElemsPerLayer: number;
  /**
   * f32 elements per sequence row outside the per-layer R/S pair (qwen4exp's PLE conv history,
   * `cache_ple_r_l`: `(ple.conv_kernel − 1) × ple.ngram_size × hyper_connection.count × n_embd`). 0 when absent.
   */
  extraElemsPerSequence?: number;
}

/**
 * How attention is cached:
 * - `standard`: K and V of `headCountKv × headDim` per layer.
 * - `mla`: DeepSeek-style multi-head latent attention GGUF (has `*_mla` keys): one K row of
 *   `kv_lora_rank + n_rot` per layer; current llama.cpp allocates no V (PR #19067).
 * - `mla-legacy`: a DeepSeek-2 GGUF converted before MLA support: full K/V per head (about 9× MLA).
 */
export type AttentionKind = 'standard' | 'mla' | 'mla-legacy';

/** A model's architecture as the estimator needs it. All counts are integers. */
export interface ModelArchitecture {
  /** `general.architecture` (GGUF) or the HF `model_type`. */
  architecture: string;
  layerCount: number;
  layers: LayerSpec[];
  /** Sliding window in tokens when some layers are SWA (or chunked), else null. */
  slidingWindowTokens: number | null;
  attention: AttentionKind;
  /** Recurrent state sizes when any layer has a recurrent state, else null. */
  recurrent: RecurrentSpec | null;
  /**
   * Hybrid attention+recurrent models: llama.cpp creates their attention cache with
   * `kv_size = n_ctx` (total), not `n_ctx_seq` (memory-model.md §2.2 item 6; version-specific).
   */
  isHybrid: boolean;
  /** Training context (`<arch>.context_length`), tokens. */
  contextLengthTrain: number | null;
  embeddingLength: number | null;
  headCount: number | null;
  feedForwardLength: number | null;
  vocabSize: number | null;
  parameterCount: number | null;
  /** GGUF `general.file_type` (llama_ftype), when known. */
  fileType: number | null;
  /**
   * llama.cpp creates no memory at all for this model (embedding, diffusion and codec models): the
   * reason, else absent. KV and recurrent state are then exactly 0 bytes.
   */
  noCache?: string;
  /**
   * DeepSeek-V3.2 sparse attention: width of the lightning-indexer key cache (one head of
   * `attention.indexer.key_length`, K only, cache type K) every attention layer keeps beside MLA.
   */
  indexerKeyLength?: number;
  /**
   * Which layers keep the indexer cache (index → true); absent: every layer that holds KV. The
   * indexer cache is a one-head `llama_kv_cache` (K `indexerKeyLength`, and V of the layer's
   * `value_length` unless the model is MLA), with the full-attention cache's cells and streams.
   */
  indexerLayers?: boolean[];
  /**
   * DeepSeek-V4 compressed attention (llama_kv_cache_dsv4). The `layers` describe its raw cache (K
   * only, every layer sliding over `slidingWindowTokens`); this adds the compressed caches and the
   * compressor states.
   */
  dsv4?: Dsv4Spec;
  /** Where each field came from: field → GGUF key, HF key, catalog entry or "default: …". */
  provenance: Record<string, string>;
  /** Remarks a user should see (assumptions, version-specific behaviour). */
  notes: string[];
}

/** DeepSeek-V4's compressed attention, per layer and width (llama-kv-cache-dsv4.cpp). */
export interface Dsv4Spec {
  /** `attention.compress_ratios` per layer: 4 (CSA), 128 (HCA) or 0 (sliding window only). */
  compressRatios: number[];
  /** Layers before the MTP blocks (`block_count − nextn_predict_layers`); the compressor states cover these only. */
  mainLayers: number;
  /** `attention.indexer.key_length`: the lightning-indexer K width (one head) on CSA layers. */
  indexerKeyLength: number;
}
