/**
 * Compute buffer and per-GPU overhead. Neither can be derived exactly from the model: llama.cpp
 * measures its compute buffer by reserving the worst-case graph, and the CUDA context depends on the
 * driver. Both functions return documented estimates (memory-model.md §2.7, §5); every result is
 * labelled `isEstimate: true`.
 */
import { MiB } from '../units/bytes';
import type { ModelArchitecture } from './architecture';
import { llamaComputeBufferBytes, type ReserveGraphShape } from './reserve-graph';

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

/**
 * The `n_ubatch` llama.cpp actually runs with: causal models cap `n_batch` at the requested context
 * (`n_ctx`, total over the slots, before padding) and `n_ubatch` at `n_batch` (llama-context.cpp,
 * llama_context constructor: `n_batch = causal_attn ? min(n_ctx, n_batch) : n_batch`,
 * `n_ubatch = min(n_batch, n_ubatch)`). A 256-token context with the default 512 reserves a 256-token graph.
 */
export function llamaCppEffectiveUbatch(ubatch: number, contextTokensTotal: number, batch: number = Number.POSITIVE_INFINITY): number {
  const nBatch = Math.min(contextTokensTotal > 0 ? contextTokensTotal : Number.POSITIVE_INFINITY, batch);
  return Math.max(1, Math.min(nBatch, ubatch));
}

/** Inputs of {@link llamaCppComputeBuffer}: one context as llama.cpp reserves its worst-case graph. */
export interface ComputeBufferOptions {
  /** `n_ubatch`, tokens. */
  ubatch: number;
  /** Cells per stream of the full-attention cache (the KQ mask width). */
  cells: number;
  /** Cells per stream of the sliding-window cache (its own mask), or null. */
  swaCells: number | null;
  flashAttention: boolean;
}

/** A compute-buffer prediction and whether the model's layout is one the formula was checked on. */
export interface ComputeBufferPrediction extends EstimatedBytes {
  /** True for dense attention layouts checked against llama.cpp in `npm run bench:accuracy`. */
  checked: boolean;
  /** The phase of the graph that sets the peak. */
  dominant: 'feed-forward' | 'output' | 'attention';
}

const GEMMA = new Set(['gemma', 'gemma2', 'gemma3', 'gemma3n', 'gemma4', 'gemma-embedding']);
/**
 * Graphs this formula does not describe: T5's encoder–decoder graph (relative-position buckets, the
 * encoder output and cross-attention over it; measured 1.4–780 MiB on a tiny T5 where the formula says
 * 1.5–87 MiB), draft heads whose graph reads the target's hidden states, and graphs of llama.cpp
 * 80fb11a not measured by the bench's compute matrix: Granite Switch's adapter router and stacked LoRA
 * deltas, the TTS backbones (qwen3tts codec head, pockettts), MiniMax-M3's sparse-attention indexer,
 * nanbeige's looped stack; and the iSWA graphs of granite_swa (attention sinks) and muse-glimmer (gated
 * attention): within 0.2% of llama.cpp with flash attention on the bench's tiny models, but 1–5% off
 * without it (the non-flash attention phase is not modelled for them).
 */
const OTHER_GRAPH = new Set([
  't5', 't5encoder', 'eagle3', 'dflash', 'gemma4-assistant', 'graniteswitch', 'qwen3tts', 'pockettts', 'minimax-m3', 'nanbeige', 'granite_swa',
  'muse-glimmer',
]);
/** Gated attention: the Q projection also carries the output gate (Qwen3-Next, Qwen3.5/3.6). */
const GATED_Q = new Set(['qwen3next', 'qwen35', 'qwen35moe']);

/**
 * llama.cpp's compute buffer for a fully offloaded model: the peak of the worst-case ubatch graph
 * that ggml-alloc plans, modelled as the largest of three phases (f32 activations, 4 B each):
 * - attention without flash attention: `ub·(3·E + 2·q + 2·kv + 5)` activations plus the KQ
 *   scores `ub·n_kv·n_head` (Gemma keeps one more E-wide tensor alive);
 * - feed-forward: `ub·(3·n_ff + E + 7 + min(n_ff, 3·E) + (q mod E))` (ggml-alloc reuses an E-wide
 *   block once n_ff exceeds 3·E, measured on n_ff from E to 8·E; an attention width q = n_head ×
 *   head_dim ≠ E leaves gaps from the third layer on, see below);
 * - output: `ub·(n_vocab + E + 7)` (the reserve graph outputs every token).
 * The KQ masks are inputs, counted as alive throughout: `n_kv × ub` per mask (full, and
 * sliding-window), f16 with flash attention, f32 without. Checked on the dense tiny-model matrix of
 * `npm run bench:accuracy` (llama.cpp CPU); MoE, MLA and recurrent graphs say so in `basis`.
 * Llama-style models (`llama` GGUFs with uniform full attention) skip the phases: their reserve graph
 * is built node by node (reserve-graph.ts) and ggml-alloc is replayed over it (ggml-alloc.ts), which
 * also follows where the allocator places the logits. That placement is why the phase formula alone
 * misses where the logits dominate (measured −9% … +9% of the buffer between 512 and 8192 cells on
 * a 16k-vocabulary model, 5–10% of total context memory on the 8k-vocabulary model at 1024 cells):
 * ggml_gallocr frees the KQ mask (a graph input) once the last layer's attention has read it, keeps
 * the unused `inp_embd` input (build_inp_embd's second path) for the whole graph, puts the final norm
 * in the best-fitting freed block and the logits, too large for any hole, after the highest block
 * still live. Other architectures keep the phase formula and that residual.
 */
export function llamaCppComputeBuffer(arch: ModelArchitecture, o: ComputeBufferOptions): ComputeBufferPrediction {
  const ub = Math.max(1, o.ubatch);
  const shape = llamaGraphShape(arch);
  if (shape) {
    // The graph is known node by node: replay ggml-alloc over it (exact on the bench matrix).
    const bytes = llamaComputeBufferBytes(shape, { ubatch: ub, cells: o.cells, swaCells: o.swaCells, flashAttention: o.flashAttention });
    const logits = ub * 4 * shape.vocab;
    return {
      bytes, isEstimate: true, checked: true,
      dominant: logits * 2 >= bytes ? 'output' : o.flashAttention ? 'feed-forward' : 'attention',
      basis: `ggml-alloc replayed over llama.cpp's reserve graph of this Llama-style model (n_ubatch ${ub}, ${o.cells} KV cells, flash attention ${o.flashAttention ? 'on' : 'off'})`,
    };
  }
  const E = arch.embeddingLength ?? 4096;
  const ff = arch.feedForwardLength ?? 4 * E;
  const vocab = arch.vocabSize ?? 32000;
  const attn = arch.layers.filter((l) => l.kind !== 'none');
  const head = arch.headCount ?? 0;
  const dimK = attn[0]?.headDimK ?? (head ? E / head : 0);
  const q = head * dimK;
  const kvMax = Math.max(0, ...attn.map((l) => l.headCountKv * l.headDimK));
  const maskBytes = o.flashAttention ? 2 : 4;
  const masks = (o.cells + (o.swaCells ?? 0)) * ub * maskBytes;
  const extraE = (GEMMA.has(arch.architecture) ? E : 0) + (GATED_Q.has(arch.architecture) ? q : 0);
  // Where q = n_head × head_dim ≠ E (Qwen3's fixed head_dim 128 does this on most sizes), the blocks
  // earlier layers freed do not tile: ggml-alloc leaves gaps. Measured from the third layer on
  // (bench:accuracy, `qwen3-hd*-l4`; E = 192…384, q = 0.5·E … 2·E):
  // - feed-forward phase: + (q mod E) floats per token while n_ff ≤ 3·E (8 cases), + (q − E) above
  //   (2 cases at n_ff = 4·E: +64 and −64);
  // - attention phase without flash attention: + E when q < E and n_ff ≤ 3·E (5 cases), nothing at
  //   n_ff = 4·E (1 case).
  const deep = arch.layerCount >= 3 && E > 0;
  const ffGap = !deep ? 0 : ff <= 3 * E ? q % E : q - E;
  const attnGap = deep && q < E && ff <= 3 * E ? E : 0;
  // With one or two layers there is no earlier layer's feed-forward block to reuse: while n_ff ≤ 3·E
  // the extra block is the attention output, q wide (4 cases: q = E, 1.25·E, 2·E, 2·E).
  const ffPhase = deep || ff > 3 * E ? 3 * ff + E + 7 + Math.min(ff, 3 * E) + ffGap : 3 * ff + E + 7 + q;
  const phases = [
    ub * 4 * ffPhase,
    ub * 4 * (vocab + E + 7),
    o.flashAttention || attn.length === 0 ? 0 : ub * 4 * (3 * E + 2 * q + 2 * kvMax + 5 + extraE + attnGap) + ub * o.cells * 4 * head,
  ];
  const names = ['feed-forward', 'output', 'attention'] as const;
  const dominant = names[phases.indexOf(Math.max(...phases))]!;
  const checked = arch.attention === 'standard' && (!arch.recurrent || GATED_Q.has(arch.architecture)) && arch.noCache === undefined && !OTHER_GRAPH.has(arch.architecture);
  return {
    bytes: Math.max(...phases) + masks,
    isEstimate: true,
    checked,
    dominant,
    basis: `peak of llama.cpp's reserve graph: max(feed-forward, output logits${o.flashAttention ? '' : ', attention scores'}) + KQ masks (${o.flashAttention ? 'f16, flash attention' : 'f32'})${checked ? '' : '; not checked on this layout (MoE/MLA/recurrent/encoder–decoder/draft graphs differ)'}`,
  };
}

/**
 * The shape {@link llamaReserveGraph} needs, for the models whose graph it describes: `llama`,
 * `qwen2` and `qwen3` GGUFs with full attention on every layer, `gemma3` with its sliding-window
 * layers, one K/V width throughout
 * (checked node by node against llama.cpp's GGML_SCHED_DEBUG=2 output). Others: null.
 */
const LLAMA_STYLE: Record<string, Pick<ReserveGraphShape, 'qkvBias' | 'qkNorm' | 'gemma'>> = {
  llama: {}, qwen2: { qkvBias: true }, qwen3: { qkNorm: true }, gemma3: { qkNorm: true, gemma: true },
};

function llamaGraphShape(arch: ModelArchitecture): ReserveGraphShape | null {
  const style = LLAMA_STYLE[arch.architecture];
  if (!style || arch.attention !== 'standard' || arch.recurrent || arch.noCache !== undefined) return null;
  const l0 = arch.layers[0];
  if (!l0 || arch.embeddingLength === null || arch.feedForwardLength === null || arch.vocabSize === null || !arch.headCount) return null;
  const kinds = new Set(arch.architecture === 'gemma3' ? ['full', 'swa'] : ['full']);
  const uniform = arch.layers.every((l) => kinds.has(l.kind) && l.headCountKv === l0.headCountKv && l.headDimK === l0.headDimK && l.headDimV === l0.headDimV);
  if (!uniform) return null;
  const swaLayers = arch.layers.map((l) => l.kind === 'swa');
  return {
    layers: arch.layerCount, embd: arch.embeddingLength, ff: arch.feedForwardLength, vocab: arch.vocabSize, heads: arch.headCount,
    kvWidthK: l0.headCountKv * l0.headDimK, kvWidthV: l0.headCountKv * l0.headDimV, headDimK: l0.headDimK, headDimV: l0.headDimV, ...style,
    ...(swaLayers.some(Boolean) ? { swaLayers } : {}),
  };
}
