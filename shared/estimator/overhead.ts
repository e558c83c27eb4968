/**
 * Compute buffer and per-GPU overhead. Neither can be derived exactly from the model: llama.cpp
 * measures its compute buffer by reserving the worst-case graph, and the CUDA context depends on the
 * driver. Both functions return documented estimates (memory-model.md §2.7, §5); every result is
 * labelled `isEstimate: true`.
 */
import { MiB } from '../units/bytes';
import type { ModelArchitecture } from './architecture';

/** An estimated figure in bytes with the reasoning behind it. */
export interface EstimatedBytes {
  bytes: number;
  isEstimate: true;
  basis: string;
}

/** Ollama's per-GPU reservation for CUDA/ROCm (`ml/device.go`, `MinimumMemory`): 457 MiB. */
export const GPU_OVERHEAD_BYTES_CUDA = 457 * MiB;

/**
 * Per-GPU fixed overhead (CUDA context, cuBLAS, kernel images): 457 MiB, the figure Ollama budgets;
 * real contexts measure 250–500 MiB.
 */
export function gpuOverheadEstimate(): EstimatedBytes {
  return { bytes: GPU_OVERHEAD_BYTES_CUDA, isEstimate: true, basis: 'CUDA context + cuBLAS, 457 MiB as Ollama budgets (real: 250–500 MiB)' };
}

/**
 * llama.cpp compute buffer estimate: the larger of the logits (`n_ubatch × n_vocab × 4 B`) and,
 * without flash attention, the KQ scratch (`n_ubatch × n_ctx_seq × n_head × 4 B`), plus
 * activations `n_ubatch × (n_embd + n_ff) × 4 B × 2`. Vocabulary 32000 when unknown.
 * @param cellsPerStream the per-sequence context (cells) the attention scans.
 */
export function computeBufferEstimate(arch: ModelArchitecture, cellsPerStream: number, ubatch: number, flashAttention: boolean): EstimatedBytes {
  const vocab = arch.vocabSize ?? 32000;
  const embd = arch.embeddingLength ?? 4096;
  const ff = arch.feedForwardLength ?? 4 * embd;
  const heads = arch.headCount ?? 32;
  const logits = ubatch * vocab * 4;
  const kq = flashAttention ? 0 : ubatch * cellsPerStream * heads * 4;
  const activations = ubatch * (embd + ff) * 4 * 2;
  return {
    bytes: Math.max(logits, kq) + activations,
    isEstimate: true,
    basis: flashAttention
      ? 'logits n_ubatch × n_vocab × 4 B + activations (flash attention)'
      : 'max(logits, KQ n_ubatch × n_ctx × n_head × 4 B) + activations (no flash attention)',
  };
}
