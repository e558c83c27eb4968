/**
 * vLLM paged KV cache: page size per block, number of blocks, tokens and maximum concurrency
 * (memory-model.md §4; vllm/v1/kv_cache_interface.py, vllm/v1/core/kv_cache_utils.py).
 */
import { err, ok, type Result } from '../contract/result';
import type { ModelArchitecture } from './architecture';

/** vLLM's default `--block-size` (`CacheConfig.DEFAULT_BLOCK_SIZE`). */
export const VLLM_DEFAULT_BLOCK_SIZE = 16;
/** vLLM's default `--gpu-memory-utilization` in 2023–2025 releases (0.92 in 2026 releases). */
export const VLLM_DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

/** Inputs of a vLLM capacity calculation. */
export interface VllmKvOptions {
  /** Total device memory, bytes (vLLM takes a fraction of the total, not of the free memory). */
  gpuMemoryTotalBytes: number;
  /** `--gpu-memory-utilization`, ratio 0–1. Default 0.9. */
  gpuMemoryUtilization?: number;
  /** `--block-size`, tokens per block. Default 16. */
  blockSize?: number;
  /** Weights + peak activations + non-torch memory, bytes; subtracted before the KV pool. */
  nonKvBytes: number;
  /** Bytes per KV element: 2 for fp16/bf16 (default), 1 for `--kv-cache-dtype fp8`. */
  kvDtypeBytes?: number;
  /** Tensor parallel size; KV heads are split per rank (`max(1, H_kv / TP)`). Default 1. */
  tensorParallel?: number;
  /** `--max-model-len`, tokens per request, for the concurrency figure. */
  maxModelLenTokens?: number;
}

/** vLLM's KV pool on one GPU (one tensor-parallel rank). */
export interface VllmKvCapacity {
  /** Bytes of one block across all attention layers of this rank. */
  blockBytes: number;
  /** Bytes one token costs across all attention layers of this rank. */
  bytesPerToken: number;
  /** `requested − non-KV`, bytes ("Available KV cache memory"). */
  availableKvBytes: number;
  numBlocks: number;
  /** `num_blocks × block_size` ("GPU KV cache size: N tokens"). */
  kvTokens: number;
  /** `num_blocks / ceil(max_model_len / block_size)`, or null without maxModelLenTokens. */
  maxConcurrency: number | null;
  notes: string[];
}

/**
 * Sizes vLLM's paged KV pool. Full attention costs `block × H_kv × (D_k + D_v) × dtype` per layer;
 * MLA costs `block × (kv_lora_rank + rope) × dtype` (no factor 2). Sliding-window layers are costed as
 * full attention (as with `--disable-hybrid-kv-cache-manager`), which over-states their share.
 * Error when the inputs are impossible or nothing is left for the KV cache.
 */
export function vllmKvCapacity(arch: ModelArchitecture, options: VllmKvOptions): Result<VllmKvCapacity> {
  const util = options.gpuMemoryUtilization ?? VLLM_DEFAULT_GPU_MEMORY_UTILIZATION;
  const block = options.blockSize ?? VLLM_DEFAULT_BLOCK_SIZE;
  const dtype = options.kvDtypeBytes ?? 2;
  const tp = options.tensorParallel ?? 1;
  if (!(options.gpuMemoryTotalBytes > 0)) return err('bad-request', 'cannot predict: gpuMemoryTotalBytes must be positive');
  if (!(util > 0 && util <= 1)) return err('bad-request', `cannot predict: gpuMemoryUtilization must be in (0, 1], got ${util}`);
  if (!Number.isInteger(block) || block < 1) return err('bad-request', `cannot predict: blockSize must be a positive integer, got ${block}`);
  if (!Number.isInteger(tp) || tp < 1) return err('bad-request', `cannot predict: tensorParallel must be a positive integer, got ${tp}`);
  if (!(options.nonKvBytes >= 0)) return err('bad-request', 'cannot predict: nonKvBytes must be ≥ 0');
  const notes: string[] = [];
  let bytesPerToken = 0;
  for (const layer of arch.layers) {
    if (layer.kind === 'none') continue;
    if (arch.attention === 'mla') {
      bytesPerToken += layer.headDimK * dtype;
    } else {
      const heads = Math.max(1, Math.floor(layer.headCountKv / tp));
      bytesPerToken += heads * (layer.headDimK + layer.headDimV) * dtype;
    }
  }
  if (bytesPerToken === 0) return err('bad-request', 'cannot predict: the model has no attention layers for vLLM to page');
  if (arch.layers.some((l) => l.kind === 'swa')) notes.push('sliding-window layers costed as full attention (vLLM\'s hybrid manager needs fewer blocks for them)');
  if (arch.recurrent) notes.push('recurrent state not included (vLLM enlarges block sizes for hybrid models)');
  const blockBytes = bytesPerToken * block;
  const requested = Math.floor(options.gpuMemoryTotalBytes * util);
  const availableKvBytes = requested - options.nonKvBytes;
  if (availableKvBytes <= 0) {
    return err('bad-request', `cannot predict: nothing left for the KV cache (requested ${requested} B ≤ non-KV ${options.nonKvBytes} B); raise gpuMemoryUtilization or use a smaller model`);
  }
  const numBlocks = Math.floor(availableKvBytes / blockBytes);
  const maxLen = options.maxModelLenTokens;
  const maxConcurrency = maxLen && maxLen > 0 ? numBlocks / Math.ceil(maxLen / block) : null;
  return ok({ blockBytes, bytesPerToken, availableKvBytes, numBlocks, kvTokens: numBlocks * block, maxConcurrency, notes });
}
