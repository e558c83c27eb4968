/**
 * Ollama ≥ v0.30 runs GGML models on llama-server with `-c num_ctx × num_parallel -np num_parallel`
 * (not unified) and `--cache-type-k/v OLLAMA_KV_CACHE_TYPE` (memory-model.md §3.3).
 */
import type { KvCacheType } from './ggml-types';
import type { LlamaCppKvOptions } from './kv-cache';

/** Ollama's own settings for one loaded model. */
export interface OllamaKvSettings {
  /** `num_ctx` per request/slot, tokens (`/api/ps` `context_length`). */
  numCtx: number;
  /** `OLLAMA_NUM_PARALLEL`. Default 1. */
  numParallel?: number;
  /** `OLLAMA_KV_CACHE_TYPE`: f16 (default), q8_0 or q4_0. */
  kvCacheType?: KvCacheType;
  /** `OLLAMA_FLASH_ATTENTION` in effect. Default true (llama-server auto). */
  flashAttention?: boolean;
}

/** The llama.cpp context Ollama starts for these settings: `-c = num_ctx × num_parallel`, split streams. */
export function ollamaToLlamaCppOptions(s: OllamaKvSettings): LlamaCppKvOptions {
  const parallel = s.numParallel ?? 1;
  const type = s.kvCacheType ?? 'f16';
  return {
    contextTokens: s.numCtx * parallel,
    parallel,
    kvUnified: false,
    cacheTypeK: type,
    cacheTypeV: type,
    flashAttention: s.flashAttention ?? true,
    ubatch: 512,
  };
}
