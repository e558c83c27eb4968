/**
 * Predictions for one loaded model on one GPU: VRAM as a function of context for each KV cache
 * type, the largest context under a threshold, and how many sequences fit at a per-user context.
 * VRAM(ctx) = weights + KV(ctx) + compute buffer + per-GPU overhead. The KV part is exact
 * (llama.cpp's allocation); compute and overhead are estimates and say so.
 */
import { err, ok, type Result } from '../contract/result';
import type { ModelArchitecture } from './architecture';
import type { KvCacheType } from './ggml-types';
import { architectureFromGgufMetadata, type GgufMetadata } from './gguf-metadata';
import { kvBytesPerToken, LLAMA_CPP_CELL_PADDING, LLAMA_CPP_MAX_SEQUENCES, llamaCppKvCache } from './kv-cache';
import { computeBufferEstimate, gpuOverheadEstimate, llamaCppComputeBuffer, llamaCppEffectiveUbatch } from './overhead';
import { vllmKvCapacity } from './vllm';

/** Serving engine whose allocation rules apply. */
export type Engine = 'llama.cpp' | 'ollama' | 'vllm';

/** Default share of the GPU's total memory a prediction must stay under. */
export const DEFAULT_THRESHOLD_RATIO = 0.9;
/** KV types a prediction compares by default (the ones Ollama accepts). */
export const DEFAULT_CACHE_TYPES: readonly KvCacheType[] = ['f16', 'q8_0', 'q4_0'];

/** Settings of a prediction. Contexts are per sequence (per slot / per user), in tokens. */
export interface PredictOptions {
  engine?: Engine;
  /** The GPU's total memory, bytes. */
  gpuTotalBytes: number;
  /** Threshold as a ratio of `gpuTotalBytes` (0–1). Default 0.9. */
  thresholdRatio?: number;
  /** Weight bytes on this GPU, or null when unknown (then the totals leave weights out and say so). */
  weightsBytes: number | null;
  /** True when `weightsBytes` came from params × bpw rather than tensor sizes. */
  weightsIsEstimate?: boolean;
  /** Parallel sequences (llama.cpp `-np`, Ollama `OLLAMA_NUM_PARALLEL`). Default 1. */
  parallel?: number;
  /** llama.cpp `--kv-unified`. Default false (Ollama is never unified). */
  kvUnified?: boolean;
  flashAttention?: boolean;
  ubatch?: number;
  swaFull?: boolean;
  cacheTypes?: readonly KvCacheType[];
  /** Context points of the curve, tokens per sequence. Default: powers of two from 2048 to the search limit. */
  contextPoints?: readonly number[];
  /** Per-user contexts for the concurrency table, tokens. Default 4096, 8192, 32768. */
  perUserContexts?: readonly number[];
  /** Upper bound of the context search, tokens. Default the training context, else 131072. */
  maxContextTokens?: number;
  /** vLLM: `--gpu-memory-utilization`, `--block-size`. */
  gpuMemoryUtilization?: number;
  blockSize?: number;
  /** llama.cpp build whose allocation rules apply (engine-build.ts); absent/null = the current release. */
  engineBuild?: number | null;
}

/** One point of the VRAM-vs-context curve. Bytes are integers. */
export interface CurvePoint {
  contextTokens: number;
  kvBytes: number;
  computeBytes: number;
  totalBytes: number;
}

/** The curve and the largest fitting context for one KV cache type. */
export interface KvTypeCurve {
  cacheType: KvCacheType;
  /** KV bytes per token of context (full-attention layers), exact. */
  bytesPerToken: number | null;
  points: CurvePoint[];
  /** Largest context per sequence (multiple of 256) whose total stays under the threshold; null if none does. */
  largestContextTokens: number | null;
  /** Why this type cannot be used (e.g. quantized V without flash attention), else null. */
  error: string | null;
}

/** How many sequences fit at a per-user context, per KV type. */
export interface ConcurrencyRow {
  perUserContextTokens: number;
  cacheType: KvCacheType;
  /** 0 when not even one fits; null when the type cannot be used. */
  maxSequences: number | null;
}

/** A complete prediction with provenance and estimate labels. */
export interface ModelPrediction {
  engine: Engine;
  thresholdBytes: number;
  weightsBytes: number | null;
  overheadBytes: number;
  curves: KvTypeCurve[];
  concurrency: ConcurrencyRow[];
  /** True: totals include estimated parts (compute buffer, overhead, maybe weights). KV bytes are exact. */
  isEstimate: true;
  /** Which figures are estimates, and on what basis. */
  estimates: string[];
  provenance: Record<string, string>;
  notes: string[];
}

function bad(message: string): Result<never> {
  return err('bad-request', `cannot predict: ${message}`);
}

/**
 * KV bytes per token of context for a model described by GGUF metadata / Ollama `model_info`
 * (full-attention layers; flash attention on). The simple entry for "KiB per token" displays.
 */
export function kvBytesPerTokenFromModelInfo(modelInfo: GgufMetadata, options: { cacheType?: KvCacheType } = {}): Result<number> {
  const arch = architectureFromGgufMetadata(modelInfo);
  if (!arch.ok) return arch;
  return kvBytesPerToken(arch.value, options.cacheType ?? 'f16');
}

/**
 * Predicts VRAM against context, the largest context under the threshold and the concurrency table
 * for a model on a GPU. Errors when the GPU size or threshold is impossible.
 */
export function predictForModel(arch: ModelArchitecture, options: PredictOptions): Result<ModelPrediction> {
  const engine = options.engine ?? 'llama.cpp';
  const ratio = options.thresholdRatio ?? DEFAULT_THRESHOLD_RATIO;
  if (!(options.gpuTotalBytes > 0)) return bad('gpuTotalBytes must be positive');
  if (!(ratio > 0 && ratio <= 1)) return bad(`thresholdRatio must be in (0, 1], got ${ratio}`);
  const parallel = options.parallel ?? 1;
  const flashAttention = options.flashAttention ?? true;
  const ubatch = options.ubatch ?? 512;
  const kvUnified = engine === 'ollama' ? false : (options.kvUnified ?? false);
  const thresholdBytes = Math.floor(options.gpuTotalBytes * ratio);
  const overhead = gpuOverheadEstimate();
  const weights = options.weightsBytes ?? 0;
  const limit = options.maxContextTokens !== undefined ? Math.max(LLAMA_CPP_CELL_PADDING, options.maxContextTokens) : contextSearchLimit(arch, null);
  const computeBasis = engine === 'vllm'
    ? computeBufferEstimate(arch, 4096, ubatch, flashAttention).basis
    : `${llamaCppComputeBuffer(arch, { ubatch, cells: 4096, swaCells: null, flashAttention }).basis}, plus the host output buffer (n_vocab × 4 B per sequence)`;
  const estimates = [`computeBytes: ${computeBasis}`, `overheadBytes: ${overhead.basis}`];
  if (options.weightsBytes === null) estimates.push('weightsBytes: unknown, left out of the totals');
  else if (options.weightsIsEstimate) estimates.push('weightsBytes: parameters × bits per weight');
  const notes = [...arch.notes];
  const cacheTypes = options.cacheTypes ?? DEFAULT_CACHE_TYPES;
  const perUser = options.perUserContexts ?? [4096, 8192, 32768];

  if (engine === 'vllm') return predictVllm(arch, options, { thresholdBytes, overheadBytes: overhead.bytes, weights, estimates, notes, perUser, limit });

  const totalAt = (cacheType: KvCacheType, ctxPerSeq: number, seqs: number): Result<CurvePoint> => {
    const mem = llamaCppContextMemory(arch, {
      contextTokens: ctxPerSeq, parallel: seqs, kvUnified, cacheType, flashAttention, ubatch, swaFull: options.swaFull ?? false,
      engineBuild: options.engineBuild ?? null,
    });
    if (!mem.ok) return mem;
    return ok({ contextTokens: ctxPerSeq, kvBytes: mem.value.kvBytes, computeBytes: mem.value.computeBytes, totalBytes: weights + mem.value.kvBytes + mem.value.computeBytes + overhead.bytes });
  };

  const points = options.contextPoints ?? defaultPoints(limit);
  const curves: KvTypeCurve[] = cacheTypes.map((cacheType) => {
    const first = totalAt(cacheType, LLAMA_CPP_CELL_PADDING, parallel);
    if (!first.ok) return { cacheType, bytesPerToken: null, points: [], largestContextTokens: null, error: first.error.message };
    const pts: CurvePoint[] = [];
    for (const c of points) {
      const p = totalAt(cacheType, c, parallel);
      if (p.ok) pts.push(p.value);
    }
    // Largest multiple of 256 under the threshold (totals grow with context).
    let lo = 0;
    let hi = Math.floor(limit / LLAMA_CPP_CELL_PADDING);
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      const p = totalAt(cacheType, mid * LLAMA_CPP_CELL_PADDING, parallel);
      if (p.ok && p.value.totalBytes <= thresholdBytes) lo = mid;
      else hi = mid - 1;
    }
    const bpt = kvBytesPerToken(arch, cacheType);
    return { cacheType, bytesPerToken: bpt.ok ? bpt.value : null, points: pts, largestContextTokens: lo > 0 ? lo * LLAMA_CPP_CELL_PADDING : null, error: null };
  });

  const concurrency: ConcurrencyRow[] = [];
  for (const ctx of perUser) {
    for (const cacheType of cacheTypes) {
      if (curves.find((c) => c.cacheType === cacheType)?.error) {
        concurrency.push({ perUserContextTokens: ctx, cacheType, maxSequences: null });
        continue;
      }
      let lo = 0;
      let hi = LLAMA_CPP_MAX_SEQUENCES;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        const p = totalAt(cacheType, ctx, mid);
        if (p.ok && p.value.totalBytes <= thresholdBytes) lo = mid;
        else hi = mid - 1;
      }
      concurrency.push({ perUserContextTokens: ctx, cacheType, maxSequences: lo });
    }
  }
  return ok({
    engine, thresholdBytes, weightsBytes: options.weightsBytes, overheadBytes: overhead.bytes, curves, concurrency,
    isEstimate: true, estimates, provenance: arch.provenance, notes,
  });
}

/** Settings of {@link llamaCppContextMemory}; absent fields take llama.cpp's defaults. */
export interface ContextMemoryOptions {
  /** Context per sequence, tokens. */
  contextTokens: number;
  /** Sequences (slots). Default 1. */
  parallel?: number;
  kvUnified?: boolean;
  /** K and V type. Default f16. */
  cacheType?: KvCacheType;
  /** Default true. */
  flashAttention?: boolean;
  /** Default 512. */
  ubatch?: number;
  swaFull?: boolean;
  engineBuild?: number | null;
}

/**
 * The context's memory as llama.cpp allocates it on the GPU: the exact KV cache (the build's
 * rules) and the predicted compute buffer for that cache plus the output buffer (n_vocab × 4 B per
 * sequence). The one formula behind the Planner, `headroom plan`, `headroom estimate` and the live
 * model cards, so they never disagree for the same model, context and settings.
 */
export function llamaCppContextMemory(arch: ModelArchitecture, o: ContextMemoryOptions): Result<{ kvBytes: number; computeBytes: number; cellsPerStream: number }> {
  const seqs = Math.max(1, o.parallel ?? 1);
  const unified = o.kvUnified ?? false;
  const flashAttention = o.flashAttention ?? true;
  const ubatch = o.ubatch ?? 512;
  const cacheType = o.cacheType ?? 'f16';
  const kv = llamaCppKvCache(arch, {
    contextTokens: unified ? o.contextTokens : o.contextTokens * seqs,
    parallel: seqs, kvUnified: unified, cacheTypeK: cacheType, cacheTypeV: cacheType, flashAttention, ubatch, swaFull: o.swaFull ?? false,
    engineBuild: o.engineBuild ?? null,
  });
  if (!kv.ok) return kv;
  // llama.cpp's compute buffer for this context (checked on the bench matrix) + the output buffer;
  // the graph is reserved for n_ubatch capped at the requested context.
  const graphUbatch = llamaCppEffectiveUbatch(ubatch, unified ? o.contextTokens : o.contextTokens * seqs);
  const compute = llamaCppComputeBuffer(arch, { ubatch: graphUbatch, cells: kv.value.cellsPerStream, swaCells: kv.value.swaCellsPerStream, flashAttention }).bytes
    + (arch.vocabSize ?? 0) * 4 * seqs;
  return ok({ kvBytes: kv.value.bytes, computeBytes: compute, cellsPerStream: kv.value.cellsPerStream });
}

/**
 * Upper bound of the largest-context search for a model run at `contextTokens`: the training
 * context (131072 when the model does not say), or the running context when it is larger. Shared by
 * the Planner and the model cards.
 */
export function contextSearchLimit(arch: ModelArchitecture, contextTokens: number | null): number {
  return Math.max(LLAMA_CPP_CELL_PADDING, arch.contextLengthTrain ?? 131072, contextTokens ?? 0);
}

function defaultPoints(limit: number): number[] {
  const out: number[] = [];
  for (let c = 2048; c <= limit; c *= 2) out.push(c);
  if (out[out.length - 1] !== limit) out.push(limit);
  return out;
}

function predictVllm(
  arch: ModelArchitecture,
  options: PredictOptions,
  ctx: { thresholdBytes: number; overheadBytes: number; weights: number; estimates: string[]; notes: string[]; perUser: readonly number[]; limit: number },
): Result<ModelPrediction> {
  const nonKvBytes = ctx.weights + ctx.overheadBytes + computeBufferEstimate(arch, 2048, 2048, true).bytes;
  const base = { gpuMemoryTotalBytes: options.gpuTotalBytes, gpuMemoryUtilization: options.gpuMemoryUtilization, blockSize: options.blockSize, nonKvBytes };
  const types = options.cacheTypes ?? ['f16'];
  const curves: KvTypeCurve[] = [];
  const concurrency: ConcurrencyRow[] = [];
  for (const cacheType of types) {
    const dtype = cacheType === 'f32' ? 4 : cacheType === 'f16' || cacheType === 'bf16' ? 2 : 1;
    const cap = vllmKvCapacity(arch, { ...base, kvDtypeBytes: dtype });
    if (!cap.ok) {
      curves.push({ cacheType, bytesPerToken: null, points: [], largestContextTokens: null, error: cap.error.message });
      continue;
    }
    const pool = Math.floor(options.gpuTotalBytes * (options.gpuMemoryUtilization ?? 0.9));
    curves.push({
      cacheType, bytesPerToken: cap.value.bytesPerToken,
      // vLLM preallocates the pool: VRAM is flat in the context.
      points: [{ contextTokens: cap.value.kvTokens, kvBytes: cap.value.numBlocks * cap.value.blockBytes, computeBytes: 0, totalBytes: pool }],
      largestContextTokens: Math.min(cap.value.kvTokens, ctx.limit), error: null,
    });
    const block = options.blockSize ?? 16;
    for (const u of ctx.perUser) concurrency.push({ perUserContextTokens: u, cacheType, maxSequences: Math.floor(cap.value.numBlocks / Math.ceil(u / block)) });
    ctx.notes.push(...cap.value.notes);
  }
  ctx.estimates.push('vLLM non-KV memory: weights + overhead + activation estimate (vLLM profiles it at start)');
  return ok({
    engine: 'vllm', thresholdBytes: ctx.thresholdBytes, weightsBytes: options.weightsBytes, overheadBytes: ctx.overheadBytes,
    curves, concurrency, isEstimate: true, estimates: ctx.estimates, provenance: arch.provenance, notes: [...new Set(ctx.notes)],
  });
}
