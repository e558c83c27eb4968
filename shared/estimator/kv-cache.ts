/**
 * llama.cpp KV cache size, to the byte: cells (padding, parallel slots, unified or split
 * streams), per-layer row widths, sliding-window caches, MLA, hybrid and recurrent state.
 * Rules: memory-model.md §1, §2.1–§2.5 (current llama.cpp, Nov 2025+ cell rules).
 */
import { err, ok, type Result } from '../contract/result';
import type { Dsv4Spec, LayerKind, ModelArchitecture } from './architecture';
import { llamaCppRuleSet, type LlamaCppRuleSet } from './engine-build';
import { isQuantizedType, rowBytes, type KvCacheType } from './ggml-types';

/** llama.cpp pads `n_ctx` and the SWA cache to this many cells (PR #17046, issue #17037). */
export const LLAMA_CPP_CELL_PADDING = 256;
/** llama.cpp's upper bound on parallel sequences (`LLAMA_MAX_SEQ`). */
export const LLAMA_CPP_MAX_SEQUENCES = 256;

/** Context settings of one llama.cpp context (as llama-server / node-llama-cpp pass them). */
export interface LlamaCppKvOptions {
  /** `-c` / `n_ctx`, tokens, total over all slots; 0 means the model's training context. */
  contextTokens: number;
  /** `-np` / `n_seq_max`, parallel sequences (slots). Default 1. */
  parallel?: number;
  /** `--kv-unified`: one stream shared by all slots. Default false. */
  kvUnified?: boolean;
  /** `--cache-type-k`. Default f16. */
  cacheTypeK?: KvCacheType;
  /** `--cache-type-v`. Default f16. */
  cacheTypeV?: KvCacheType;
  /** Flash attention in effect (llama.cpp "auto" resolves to on for CUDA, Metal and CPU). Default true. */
  flashAttention?: boolean;
  /** `-ub` / `n_ubatch`, tokens. Default 512 (node-llama-cpp passes batchSize + 1). */
  ubatch?: number;
  /** `--swa-full`: sliding-window layers get the full context. Default false. */
  swaFull?: boolean;
  /**
   * Type of the sliding-window cache: `'same'` as the requested cache types, or `'f16'` (llama.cpp
   * PR #21277, 2026-04-01, kept the SWA cache f16 under a quantized `--cache-type`; PR #21332 reverted
   * it the next day, so only b8640–b8651 do this). Default: by `engineBuild`, which for the current
   * release is `'same'`, as the node-llama-cpp 3.21.1 build measured by `npm run bench:accuracy` does.
   */
  swaCacheType?: 'same' | 'f16';
  /** Allocate a V cache for MLA models (builds before 2026-01-24, PR #19067). Default: by `engineBuild`. */
  mlaVCache?: boolean;
  /**
   * llama.cpp build number whose allocation rules apply (engine-build.ts); absent or null = the
   * current release. Explicit `swaCacheType` / `mlaVCache` win over the build's rule.
   */
  engineBuild?: number | null;
  /**
   * Recurrent-state snapshots kept per sequence for rollback (`n_rs_seq`, speculative decoding on
   * Qwen3.5/3.6 with a draft model). Default 0: one state per sequence.
   */
  recurrentSnapshots?: number;
}

/** One layer's share of the KV cache, bytes (all streams and cells included). */
export interface KvLayerBytes {
  index: number;
  kind: LayerKind;
  kBytes: number;
  vBytes: number;
}

/** The KV cache llama.cpp allocates for one context. All sizes are bytes, all counts integers. */
export interface KvCacheBreakdown {
  /** Total: K + V of every layer, plus the recurrent state. */
  bytes: number;
  kBytes: number;
  vBytes: number;
  /** Recurrent (SSM/RWKV) state, f32, one cell per sequence; 0 for pure transformers. */
  recurrentBytes: number;
  /** The llama.cpp rule set the figure follows ("current llama.cpp rules", "llama.cpp b4615 rules"). */
  ruleSet: string;
  /** `n_ctx` after padding and slot rounding (total cells of the full-attention cache). */
  contextCells: number;
  /** Cells per stream of the full-attention cache (the `cells` figure in llama.cpp's log). */
  cellsPerStream: number;
  /** Cells per stream of the sliding-window cache, or null when no layer is SWA. */
  swaCellsPerStream: number | null;
  /** Streams: `parallel` when split, 1 when unified. */
  streams: number;
  /** `n_seq_max`. */
  sequences: number;
  /** Bytes one more cell costs across the layers whose cache scales with the context. */
  bytesPerToken: number;
  layers: KvLayerBytes[];
  notes: string[];
}

/** Cell counts llama.cpp derives from `n_ctx`, slots and unified (llama_context constructor). */
export interface LlamaCppCells {
  contextCells: number;
  cellsPerStream: number;
  streams: number;
}

function cannot(message: string): Result<never> {
  return err('bad-request', `cannot predict: ${message}`);
}

function padUp(x: number, k: number): number {
  return Math.ceil(x / k) * k;
}

/**
 * llama.cpp's cell arithmetic: `n_ctx = ceil_256(n_ctx)`; unified → one stream of n_ctx cells;
 * split → `n_seq` streams of `ceil_256(floor(n_ctx / n_seq))` cells (the total can go up).
 * `contextTokens` is the total `-c`, already resolved (not 0).
 */
export function llamaCppCells(contextTokens: number, parallel: number, kvUnified: boolean): Result<LlamaCppCells> {
  if (!Number.isInteger(contextTokens) || contextTokens <= 0) return cannot(`contextTokens must be a positive integer, got ${contextTokens}`);
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > LLAMA_CPP_MAX_SEQUENCES) {
    return cannot(`parallel must be an integer from 1 to ${LLAMA_CPP_MAX_SEQUENCES}, got ${parallel}`);
  }
  const nCtx = padUp(contextTokens, LLAMA_CPP_CELL_PADDING);
  if (kvUnified) return ok({ contextCells: nCtx, cellsPerStream: nCtx, streams: 1 });
  const perSeq = padUp(Math.floor(nCtx / parallel), LLAMA_CPP_CELL_PADDING);
  return ok({ contextCells: perSeq * parallel, cellsPerStream: perSeq, streams: parallel });
}

/**
 * Cell arithmetic of a llama.cpp build. From b7108 (#17046) as {@link llamaCppCells}; before it the
 * padding is 256 cells with flash attention and 32 without, a split cache gives each stream
 * `ceil_p(ceil(n_ctx / n_seq))` cells, and before b5920 (#14363) one stream serves every sequence.
 */
export function llamaCppCellsForBuild(contextTokens: number, parallel: number, kvUnified: boolean, flashAttention: boolean, rules: LlamaCppRuleSet): Result<LlamaCppCells> {
  if (rules.ctxPad256 && rules.splitStreams) return llamaCppCells(contextTokens, parallel, kvUnified);
  const base = llamaCppCells(contextTokens, parallel, true);
  if (!base.ok) return base;
  const p = rules.ctxPad256 ? LLAMA_CPP_CELL_PADDING : flashAttention ? 256 : 32;
  if (kvUnified || !rules.splitStreams) {
    const n = padUp(contextTokens, p);
    return ok({ contextCells: n, cellsPerStream: n, streams: 1 });
  }
  const perSeq = padUp(Math.ceil(contextTokens / parallel), p);
  return ok({ contextCells: perSeq * parallel, cellsPerStream: perSeq, streams: parallel });
}

/**
 * Cells per stream of the sliding-window cache (llama_kv_cache_iswa constructor):
 * `ceil_256(min(n_ctx_seq, window × (unified ? n_seq : 1) + n_ubatch))`, or `n_ctx_seq` with `--swa-full`.
 */
export function llamaCppSwaCells(cellsPerStream: number, windowTokens: number, parallel: number, kvUnified: boolean, ubatch: number, swaFull: boolean): number {
  if (swaFull) return cellsPerStream;
  return padUp(Math.min(cellsPerStream, windowTokens * (kvUnified ? parallel : 1) + ubatch), LLAMA_CPP_CELL_PADDING);
}

/**
 * Bytes of the KV cache (and recurrent state) llama.cpp allocates for `arch` under `options`.
 * Errors (`cannot predict: …`): a quantized V cache without flash attention (llama.cpp refuses the
 * context: "V cache quantization requires flash_attn"), a head width that is not a whole number of
 * quant blocks, a non-positive context or slot count, or a context of 0 with no training context.
 */
export function llamaCppKvCache(arch: ModelArchitecture, options: LlamaCppKvOptions): Result<KvCacheBreakdown> {
  const parallel = options.parallel ?? 1;
  const kvUnified = options.kvUnified ?? false;
  const typeK = options.cacheTypeK ?? 'f16';
  const typeV = options.cacheTypeV ?? 'f16';
  const flashAttention = options.flashAttention ?? true;
  const ubatch = options.ubatch ?? 512;
  const swaFull = options.swaFull ?? false;
  const notes: string[] = [];
  const rules = llamaCppRuleSet(options.engineBuild);

  if (!Number.isInteger(ubatch) || ubatch < 1) return cannot(`ubatch must be a positive integer, got ${ubatch}`);
  if (arch.noCache) {
    return ok({
      bytes: 0, kBytes: 0, vBytes: 0, recurrentBytes: 0, contextCells: 0, cellsPerStream: 0, swaCellsPerStream: null, streams: 0,
      sequences: options.parallel ?? 1, bytesPerToken: 0, layers: [], notes: [`no KV cache: ${arch.noCache}`], ruleSet: rules.label,
    });
  }
  let contextTokens = options.contextTokens;
  if (contextTokens === 0) {
    if (!arch.contextLengthTrain) return cannot(`contextTokens is 0 (use the training context) but ${arch.architecture}.context_length is missing`);
    contextTokens = arch.contextLengthTrain;
    notes.push(`context 0 → training context ${contextTokens}`);
  }
  const hasV = !arch.dsv4 && !(arch.attention === 'mla' && !(options.mlaVCache ?? !rules.mlaVLess));
  const hasAttention = arch.layers.some((l) => l.kind !== 'none');
  if (hasAttention && hasV && isQuantizedType(typeV) && !flashAttention) {
    return cannot(`V cache quantization (${typeV}) requires flash attention; llama.cpp refuses to create this context (set flashAttention, or cacheTypeV f16)`);
  }
  if (arch.dsv4 && typeK !== typeV) {
    return cannot(`DeepSeek-V4 needs the same K and V cache types; llama.cpp refuses ${typeK}/${typeV} ("model does not support different K and V cache types")`);
  }
  const cellsR = llamaCppCellsForBuild(contextTokens, parallel, kvUnified, flashAttention, rules);
  if (!cellsR.ok) return cellsR;
  // DeepSeek-V4 keeps one stream per sequence whatever --kv-unified says (llama_kv_cache_dsv4:
  // `unified_raw = false`, `unified_compressed = false`), each of n_ctx_seq cells.
  const cells = arch.dsv4 ? { ...cellsR.value, streams: parallel, contextCells: cellsR.value.cellsPerStream * parallel } : cellsR.value;
  const unifiedEffective = (kvUnified || !rules.splitStreams) && !arch.dsv4;
  // Before b8080 (#19559) hybrids created each attention stream with the total n_ctx.
  const fullCells = arch.isHybrid && !rules.hybridPerSeq ? cells.contextCells : cells.cellsPerStream;
  if (arch.isHybrid && !rules.hybridPerSeq && cells.streams > 1) notes.push(`hybrid model on a build before b8080 (#19559): each of the ${cells.streams} attention streams holds the whole n_ctx`);
  const swaWindow = arch.slidingWindowTokens;
  const hasSwa = arch.layers.some((l) => l.kind === 'swa');
  let swaCells: number | null = null;
  if (hasSwa && swaWindow) {
    if (!rules.swaCache) {
      swaCells = fullCells;
      notes.push('build before b5380 (#13194): sliding-window layers cache the whole context');
    } else if (rules.ctxPad256) {
      swaCells = llamaCppSwaCells(fullCells, swaWindow, parallel, unifiedEffective, ubatch, swaFull);
    } else {
      const p = flashAttention ? 256 : 32;
      swaCells = swaFull ? fullCells : Math.min(fullCells, padUp(swaWindow * (unifiedEffective ? parallel : 1) + ubatch, p));
    }
  }
  // Which is right: the sliding-window cache takes the requested --cache-type (quantized when asked),
  // as every llama.cpp build does except b8640–b8651. PR #21277 (2026-04-01, "kv-cache : do not
  // quantize SWA KV cache") kept it f16; PR #21332 (2026-04-02, "(revert) kv-cache : do not quantize
  // SWA KV cache") reverted it because "in some cases the SWA cache actually takes significant
  // portion of memory". /work/shared/reference/memory-model.md §2.3 and its check-list still describe
  // the f16 behaviour as current ("stays f16 from Apr 2026"): that text is out of date; the rule
  // (engine-build.ts `swa-f16`) applies to those twelve builds only, and
  // engine-build.test.ts "quantized SWA cache" pins both sides.
  const swaCacheType = options.swaCacheType ?? (rules.swaF16UnderQuant ? 'f16' : 'same');

  // Without flash attention V is stored transposed and every V layer is padded to the widest one.
  const vWidthMax = Math.max(0, ...arch.layers.map((l) => l.headCountKv * l.headDimV));
  // The indexer cache (llama_kv_cache_dsa / _msa / llama_memory_hybrid_idx): one head of K
  // (indexer.key_length) and, unless MLA, one head of V, on the full cache's cells and streams.
  let indexerKRow = 0;
  let indexerVRow = 0;
  if (arch.indexerKeyLength) {
    const ik = rowBytes(typeK, arch.indexerKeyLength);
    if (!ik.ok) return cannot(`indexer K: ${ik.error.message.replace(/^cannot predict: /, '')}`);
    indexerKRow = ik.value;
    if (hasV) {
      const iv = rowBytes(typeV, Math.max(0, ...arch.layers.map((l) => l.headDimV)));
      if (!iv.ok) return cannot(`indexer V: ${iv.error.message.replace(/^cannot predict: /, '')}`);
      indexerVRow = iv.value;
    }
  }
  let indexerLayerCount = 0;

  const layers: KvLayerBytes[] = [];
  let kBytes = 0;
  let vBytes = 0;
  let bytesPerToken = 0;
  for (const layer of arch.layers) {
    if (layer.kind === 'none') {
      // An empty cache layer still gets a padded transposed V without flash attention (measured: DeciLM).
      let padV = 0;
      if (layer.inKvCache && hasV && !flashAttention && hasAttention) {
        const vRow = rowBytes(typeV, vWidthMax);
        if (!vRow.ok) return vRow;
        padV = vRow.value * fullCells * cells.streams;
      }
      layers.push({ index: layer.index, kind: 'none', kBytes: 0, vBytes: padV });
      vBytes += padV;
      continue;
    }
    const isSwa = layer.kind === 'swa';
    const headCheck = quantBlockCheck(layer.index, layer.headDimK, layer.headDimV, typeK, hasV ? typeV : null);
    if (!headCheck.ok) return headCheck;
    const lk = isSwa && swaCacheType === 'f16' ? 'f16' : typeK;
    const lv = isSwa && swaCacheType === 'f16' ? 'f16' : typeV;
    const kRow = rowBytes(lk, layer.headCountKv * layer.headDimK);
    if (!kRow.ok) return cannot(`layer ${layer.index} K: ${kRow.error.message.replace(/^cannot predict: /, '')}`);
    let vRowBytes = 0;
    if (hasV) {
      const vWidth = flashAttention ? layer.headCountKv * layer.headDimV : vWidthMax;
      const vRow = rowBytes(lv, vWidth);
      if (!vRow.ok) return cannot(`layer ${layer.index} V: ${vRow.error.message.replace(/^cannot predict: /, '')}`);
      vRowBytes = vRow.value;
    }
    const layerCells = (isSwa ? (swaCells ?? fullCells) : fullCells) * cells.streams;
    const indexed = arch.indexerKeyLength !== undefined && (arch.indexerLayers?.[layer.index] ?? true);
    if (indexed) indexerLayerCount++;
    const idxK = indexed ? indexerKRow * fullCells * cells.streams : 0;
    const idxV = indexed ? indexerVRow * fullCells * cells.streams : 0;
    const lkBytes = kRow.value * layerCells + idxK;
    const lvBytes = vRowBytes * layerCells + idxV;
    layers.push({ index: layer.index, kind: layer.kind, kBytes: lkBytes, vBytes: lvBytes });
    kBytes += lkBytes;
    vBytes += lvBytes;
    if (!isSwa || swaFull) bytesPerToken += kRow.value + vRowBytes;
    if (indexed) bytesPerToken += indexerKRow + indexerVRow;
  }
  if (!flashAttention && new Set(arch.layers.filter((l) => l.kind !== 'none').map((l) => l.headCountKv * l.headDimV)).size > 1) {
    notes.push(`flash attention off: every V layer is padded to the widest V row (${vWidthMax} elements)`);
  }
  if (arch.attention === 'mla' && !hasV && !arch.dsv4) notes.push('MLA: K only (latent + rope part), no V cache (llama.cpp since b7860, #19067)');
  if (arch.indexerKeyLength) {
    notes.push(`sparse attention: ${indexerLayerCount} layers also keep a one-head indexer cache (K ${arch.indexerKeyLength}${indexerVRow ? ', V value_length' : ''} per cell), counted in ${indexerVRow ? 'K and V' : 'K'}`);
  }
  if (arch.attention === 'mla' && hasV) notes.push('MLA with a V cache (builds before b7860, #19067)');

  let recurrentBytes = 0;
  if (arch.dsv4) {
    const d = dsv4Bytes(arch, arch.dsv4, fullCells, cells.streams, typeK, options.recurrentSnapshots ?? 0);
    if (!d.ok) return d;
    kBytes += d.value.kBytes;
    recurrentBytes += d.value.stateBytes;
    bytesPerToken += d.value.bytesPerToken;
    notes.push(...d.value.notes);
  }
  if (arch.recurrent) {
    // One f32 state per sequence, independent of the context (llama_memory_recurrent).
    const snapshots = options.recurrentSnapshots ?? 0;
    if (!Number.isInteger(snapshots) || snapshots < 0) return cannot(`recurrentSnapshots must be a non-negative integer, got ${snapshots}`);
    // mem_size × (1 + n_rs_seq) rows (llama_memory_recurrent).
    const rsCells = Math.max(1, parallel) * (1 + snapshots);
    const nRec = arch.layers.filter((l) => l.hasRecurrentState).length;
    recurrentBytes = rsCells * (nRec * (arch.recurrent.rElemsPerLayer + arch.recurrent.sElemsPerLayer) + (arch.recurrent.extraElemsPerSequence ?? 0)) * 4;
  }
  return ok({
    bytes: kBytes + vBytes + recurrentBytes,
    kBytes,
    vBytes,
    recurrentBytes,
    contextCells: fullCells * cells.streams,
    cellsPerStream: fullCells,
    swaCellsPerStream: swaCells,
    streams: cells.streams,
    sequences: parallel,
    bytesPerToken,
    layers,
    notes: [...notes],
    ruleSet: rules.label,
  });
}

/**
 * DeepSeek-V4's caches beyond the raw sliding-window K (llama_kv_cache_dsv4 constructor):
 * - CSA layers (compress ratio 4): a K cache of `ceil_256(max(1, ceil(n_ctx_seq / 4)))` cells, and a
 *   lightning-indexer K cache (one head of `indexer.key_length`) of as many cells;
 * - HCA layers (ratio 128): a K cache of `ceil_256(max(1, ceil(n_ctx_seq / 128)))` cells;
 * - f32 compressor states per main layer, `n_seq × (1 + n_rs_seq)` planes of two tensors each:
 *   CSA `2·head_dim × 8`, HCA `head_dim × 128`, indexer `2·indexer.key_length × 8`.
 * Every cache has one stream per sequence.
 */
function dsv4Bytes(arch: ModelArchitecture, d: Dsv4Spec, cellsPerStream: number, streams: number, typeK: KvCacheType, snapshots: number): Result<{ kBytes: number; stateBytes: number; bytesPerToken: number; notes: string[] }> {
  if (!Number.isInteger(snapshots) || snapshots < 0) return cannot(`recurrentSnapshots must be a non-negative integer, got ${snapshots}`);
  const comp = (ratio: number) => padUp(Math.max(1, Math.ceil(cellsPerStream / ratio)), LLAMA_CPP_CELL_PADDING);
  const csaCells = comp(4);
  const hcaCells = comp(128);
  const planes = streams * (1 + snapshots);
  const ik = rowBytes(typeK, d.indexerKeyLength);
  if (!ik.ok) return cannot(`indexer K: ${ik.error.message.replace(/^cannot predict: /, '')}`);
  let kBytes = 0;
  let stateBytes = 0;
  let perToken = 0;
  let nCsa = 0;
  let nHca = 0;
  for (const layer of arch.layers) {
    const ratio = d.compressRatios[layer.index] ?? 0;
    if (ratio === 0) continue;
    const width = Math.max(1, layer.headCountKv) * layer.headDimK;
    const kRow = rowBytes(typeK, width);
    if (!kRow.ok) return cannot(`layer ${layer.index} compressed K: ${kRow.error.message.replace(/^cannot predict: /, '')}`);
    const main = layer.index < d.mainLayers;
    if (ratio === 4) {
      nCsa++;
      kBytes += (kRow.value + ik.value) * csaCells * streams;
      perToken += (kRow.value + ik.value) / 4;
      if (main) stateBytes += (2 * (2 * layer.headDimK) * 8 + 2 * (2 * d.indexerKeyLength) * 8) * planes * 4;
    } else {
      nHca++;
      kBytes += kRow.value * hcaCells * streams;
      perToken += kRow.value / 128;
      if (main) stateBytes += 2 * layer.headDimK * 128 * planes * 4;
    }
  }
  return ok({
    kBytes, stateBytes, bytesPerToken: Math.round(perToken),
    notes: [`DeepSeek-V4: ${nCsa} CSA layers (K and indexer K, ${csaCells} cells per sequence) and ${nHca} HCA layers (${hcaCells} cells) beside the sliding-window K cache; compressor states (f32, per sequence) counted as recurrent state`],
  });
}

/**
 * llama.cpp refuses a quantized cache type whose block does not divide the head dim
 * ("K cache type q8_0 with block size 32 does not divide n_embd_head_k=80"), even when the
 * whole row would divide.
 */
function quantBlockCheck(index: number, headDimK: number, headDimV: number, typeK: KvCacheType, typeV: KvCacheType | null): Result<true> {
  for (const [what, type, dim] of [['K', typeK, headDimK], ['V', typeV, headDimV]] as const) {
    if (type === null) continue;
    const block = rowBytes(type, dim);
    if (!block.ok) {
      return cannot(`${what} cache type ${type} does not divide the head dim ${dim} of layer ${index} (llama.cpp refuses this context; use f16 for ${what})`);
    }
  }
  return ok(true);
}

/**
 * Bytes per cached token summed over the full-attention layers (the part that grows with context),
 * for one K/V type pair and flash attention on. Convenience for "KiB per token" displays.
 */
export function kvBytesPerToken(arch: ModelArchitecture, cacheTypeK: KvCacheType = 'f16', cacheTypeV: KvCacheType = cacheTypeK): Result<number> {
  const r = llamaCppKvCache(arch, { contextTokens: LLAMA_CPP_CELL_PADDING, cacheTypeK, cacheTypeV, flashAttention: true, swaFull: false });
  return r.ok ? ok(r.value.bytesPerToken) : r;
}
