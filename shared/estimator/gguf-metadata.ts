/**
 * Reads a model architecture from GGUF key/value metadata, exactly as a GGUF header or Ollama's
 * `/api/show` `model_info` holds it (`{"general.architecture":"llama","llama.block_count":32,…}`).
 * The rules mirror llama.cpp `llama_model::load_hparams` (memory-model.md §2.1, §2.3–§2.5, §3.3).
 */
import { err, ok, type Result } from '../contract/result';
import type { Dsv4Spec, LayerKind, LayerSpec, ModelArchitecture, RecurrentSpec } from './architecture';
import { llamaCppArchitecture, type IndexerRule, type SwaRule } from './llama-arch';

/** GGUF metadata as key → value. Numbers may arrive as `bigint` (uint64 in GGUF headers). */
export type GgufMetadata = Readonly<Record<string, unknown>>;

/** True when llama.cpp's current release knows `arch` and Headroom sizes its memory (exactly, or as "no cache"). */
export function isKnownArchitecture(arch: string): boolean {
  const e = llamaCppArchitecture(arch);
  return e !== undefined && e.layout.kind !== 'unsupported' && e.layout.kind !== 'not-loadable';
}

type Num = { ok: true; value: number | number[] | undefined } | { ok: false; message: string };

function cannot(message: string): Result<never> {
  return err('bad-request', `cannot predict: ${message}`);
}

function toNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

/** A scalar or array-of-numbers key. `null` (Ollama without `verbose`) is reported as missing data. */
function readNum(meta: GgufMetadata, key: string): Num {
  if (!(key in meta) || meta[key] === undefined) return { ok: true, value: undefined };
  const v = meta[key];
  if (v === null) {
    return { ok: false, message: `${key} is null (Ollama leaves arrays out unless /api/show is asked with "verbose": true)` };
  }
  if (Array.isArray(v)) {
    const arr = v.map(toNumber);
    if (arr.some((x) => x === undefined || x < 0 || !Number.isInteger(x))) return { ok: false, message: `${key} holds a value that is not a non-negative integer` };
    return { ok: true, value: arr as number[] };
  }
  const n = toNumber(v);
  if (n === undefined || n < 0 || !Number.isInteger(n)) return { ok: false, message: `${key} is ${JSON.stringify(String(v))}, not a non-negative integer` };
  return { ok: true, value: n };
}

function scalar(meta: GgufMetadata, key: string): Result<number | undefined> {
  const r = readNum(meta, key);
  if (!r.ok) return cannot(r.message);
  if (Array.isArray(r.value)) {
    const first = r.value[0];
    // An array whose entries are all equal is a scalar in disguise (llama.cpp get_key_or_arr).
    if (first !== undefined && r.value.every((x) => x === first)) return ok(first);
    return cannot(`${key} is a per-layer array where a single value is expected`);
  }
  return ok(r.value);
}

/** llama.cpp `get_key_or_arr`: a scalar repeated for every layer, or an array of exactly n_layer. */
function perLayer(meta: GgufMetadata, key: string, layerCount: number): Result<number[] | undefined> {
  const r = readNum(meta, key);
  if (!r.ok) return cannot(r.message);
  if (r.value === undefined) return ok(undefined);
  if (Array.isArray(r.value)) {
    if (r.value.length !== layerCount) return cannot(`${key} has ${r.value.length} entries for ${layerCount} layers (block_count)`);
    return ok(r.value);
  }
  return ok(new Array<number>(layerCount).fill(r.value));
}

function swaPattern(meta: GgufMetadata, arch: string, rule: SwaRule, layerCount: number, mainLayers: number): Result<boolean[]> {
  const key = `${arch}.attention.sliding_window_pattern`;
  const raw = meta[key];
  if (Array.isArray(raw)) {
    // One entry per layer (block_count), or per main layer when MTP blocks follow (they are full attention).
    if (raw.length !== layerCount && raw.length !== mainLayers) return cannot(`${key} has ${raw.length} entries for ${layerCount} layers`);
    const out = raw.map((x) => x === true || x === 1);
    while (out.length < layerCount) out.push(false);
    return ok(out);
  }
  if (raw === null) return cannot(`${key} is null (ask /api/show with "verbose": true)`);
  if (rule.needsPatternArray) return cannot(`missing ${key} (the per-layer sliding-window pattern of ${arch})`);
  if (rule.patternRequired && raw === undefined) return cannot(`missing ${key} (llama.cpp requires it for ${arch}: a period or a per-layer array)`);
  const periodR = scalar(meta, key);
  if (!periodR.ok) return periodR;
  const period = periodR.value ?? rule.period;
  const out: boolean[] = [];
  for (let il = 0; il < layerCount; il++) {
    out.push(period === 0 || (rule.denseFirst ? il % period !== 0 : il % period < period - 1));
  }
  return ok(out);
}

/**
 * Builds a {@link ModelArchitecture} from GGUF metadata.
 * Errors (`bad-request`, message `cannot predict: …` naming the key) on a missing or impossible
 * key, an unknown architecture, or a null array that needs a verbose `/api/show`.
 */
export function architectureFromGgufMetadata(meta: GgufMetadata): Result<ModelArchitecture> {
  const archRaw = meta['general.architecture'];
  if (typeof archRaw !== 'string' || archRaw.length === 0) return cannot('missing general.architecture');
  const arch = archRaw;
  const entry = llamaCppArchitecture(arch);
  if (!entry) return cannot(`unknown architecture "${arch}" (general.architecture): llama.cpp's current release does not know it, so Headroom has no KV layout for it`);
  if (entry.layout.kind === 'unsupported') return cannot(`architecture "${arch}" is not supported: ${entry.layout.why}`);
  if (entry.layout.kind === 'not-loadable') return cannot(`architecture "${arch}" is not loadable by llama.cpp: ${entry.layout.why}`);
  const layout = entry.layout;
  const p = (s: string) => `${arch}.${s}`;
  const provenance: Record<string, string> = { architecture: 'general.architecture', layout: entry.rule };
  const notes: string[] = [];

  const nLayerR = scalar(meta, p('block_count'));
  if (!nLayerR.ok) return nLayerR;
  const layerCount = nLayerR.value;
  if (layerCount === undefined) return cannot(`missing ${p('block_count')}`);
  if (layerCount === 0) return cannot(`${p('block_count')} is 0 (a model needs at least one layer)`);
  provenance.layerCount = p('block_count');
  if (layout.kind === 'no-cache') return ok(noCacheArchitecture(meta, arch, layerCount, layout.why, provenance));

  // MTP / NextN blocks appended after the main stack (Qwen3.5/3.6, HY-V3, Step-3.5): the main
  // context's memory filters them out (create_memory `filter`, il < n_layer()).
  const nextnR = scalar(meta, p('nextn_predict_layers'));
  if (!nextnR.ok) return nextnR;
  const nextn = nextnR.value ?? 0;
  if (nextn >= layerCount) return cannot(`${p('nextn_predict_layers')} (${nextn}) must be smaller than ${p('block_count')} (${layerCount})`);
  const nextnFiltered = (layout.kind === 'standard' || layout.kind === 'hybrid') && layout.nextnFiltered === true;
  const mainLayers = layerCount - nextn;
  if (nextn > 0 && nextnFiltered) provenance.mtpLayers = `${p('nextn_predict_layers')}: the last ${nextn} block(s) are MTP heads, outside the main context's cache`;

  const embdR = scalar(meta, p('embedding_length'));
  if (!embdR.ok) return embdR;
  const embeddingLength = embdR.value ?? null;

  const isPureRecurrent = layout.kind === 'recurrent';
  const headR = perLayer(meta, p('attention.head_count'), layerCount);
  if (!headR.ok) return headR;
  const headCounts = headR.value;
  if (!headCounts && !isPureRecurrent) return cannot(`missing ${p('attention.head_count')}`);
  const headCount = headCounts ? Math.max(...headCounts) : null;

  let headKv: number[] = new Array<number>(layerCount).fill(0);
  if (!isPureRecurrent) {
    const kvR = perLayer(meta, p('attention.head_count_kv'), layerCount);
    if (!kvR.ok) return kvR;
    if (kvR.value) {
      headKv = kvR.value;
      provenance.headCountKv = p('attention.head_count_kv');
    } else {
      headKv = [...(headCounts as number[])];
      provenance.headCountKv = `default: ${p('attention.head_count')} (no head_count_kv key)`;
    }
  }

  // Head dims: key_length/value_length, else n_embd / n_head.
  const dim = (key: string, what: string): Result<number> => {
    const r = scalar(meta, p(key));
    if (!r.ok) return r;
    if (r.value !== undefined) {
      if (r.value === 0) return cannot(`${p(key)} is 0`);
      provenance[what] = p(key);
      return ok(r.value);
    }
    if (isPureRecurrent) return ok(0);
    if (embeddingLength === null) return cannot(`missing ${p(key)} and ${p('embedding_length')} (needed for the head dim)`);
    if (!headCount) return cannot(`${p('attention.head_count')} is 0, so the head dim cannot be derived; set ${p(key)}`);
    if (embeddingLength % headCount !== 0) return cannot(`${p('embedding_length')} ${embeddingLength} is not divisible by ${p('attention.head_count')} ${headCount}; set ${p(key)}`);
    provenance[what] = `default: ${p('embedding_length')} / ${p('attention.head_count')}`;
    return ok(embeddingLength / headCount);
  };
  const dimKR = dim('attention.key_length', 'headDimK');
  if (!dimKR.ok) return dimKR;
  const dimVR = dim('attention.value_length', 'headDimV');
  if (!dimVR.ok) return dimVR;
  const swaDimKR = scalar(meta, p('attention.key_length_swa'));
  if (!swaDimKR.ok) return swaDimKR;
  const swaDimVR = scalar(meta, p('attention.value_length_swa'));
  if (!swaDimVR.ok) return swaDimVR;

  // Attention kind (MLA).
  let attention: ModelArchitecture['attention'] = 'standard';
  if (p('attention.key_length_mla') in meta && p('attention.value_length_mla') in meta) {
    attention = 'mla';
    provenance.attention = `${p('attention.key_length_mla')} present: MLA (K = ${p('attention.key_length')} × head_count_kv, no V cache)`;
  } else if (layout.kind === 'dsv4') {
    attention = 'mla';
    provenance.attention = 'DeepSeek-V4: K only (llama_kv_cache_dsv4 makes every cache K-only; no V cache)';
  } else if (arch === 'deepseek2') {
    attention = 'mla-legacy';
    provenance.attention = `no ${p('attention.key_length_mla')}: GGUF converted before MLA support, full K/V per head`;
    notes.push('This DeepSeek-2 GGUF predates MLA support: llama.cpp caches full K/V per head (about 9× an MLA conversion). Re-converting the model saves most of the KV cache.');
  }

  // Sliding window.
  let swaLayers: boolean[] = new Array<boolean>(layerCount).fill(false);
  let slidingWindowTokens: number | null = null;
  const rule = layout.kind === 'standard' ? layout.swa : undefined;
  if (layout.kind === 'dsv4') {
    // load_arch_hparams: set_swa_pattern(0) and the MTP blocks too: every layer slides.
    const winR = scalar(meta, p('attention.sliding_window'));
    if (!winR.ok) return winR;
    if (!winR.value) return cannot(`missing ${p('attention.sliding_window')} (DeepSeek-V4's raw cache window)`);
    swaLayers = new Array<boolean>(layerCount).fill(true);
    slidingWindowTokens = winR.value;
    provenance.slidingWindowTokens = p('attention.sliding_window');
    provenance.swaPattern = 'DeepSeek-V4: every layer (MTP blocks included) keeps a sliding-window raw K cache';
  } else if (rule && (rule.onlyWithLayerCount === undefined || rule.onlyWithLayerCount === mainLayers)) {
    const winR = scalar(meta, p('attention.sliding_window'));
    if (!winR.ok) return winR;
    const keyed = winR.value !== undefined && winR.value > 0;
    if (rule.windowRequired && winR.value === undefined) return cannot(`missing ${p('attention.sliding_window')} (llama.cpp requires it for ${arch})`);
    const window = rule.windowKeyRequired && !keyed ? null : (rule.fixedWindow ?? winR.value ?? rule.defaultWindow);
    const allKeyR = rule.allSwaWhenKey ? scalar(meta, p(rule.allSwaWhenKey)) : ok(undefined);
    if (!allKeyR.ok) return allKeyR;
    const allSwa = (allKeyR.value ?? 0) > 0;
    if (allSwa && !(window !== null && window > 0)) return cannot(`${p(rule.allSwaWhenKey ?? '')} > 0 needs ${p('attention.sliding_window')} (llama.cpp asserts n_swa > 0)`);
    if (window !== null && window > 0) {
      const patR = allSwa ? ok(new Array<boolean>(layerCount).fill(true)) : swaPattern(meta, arch, rule, layerCount, mainLayers);
      if (!patR.ok) return patR;
      swaLayers = patR.value;
      if (allSwa) provenance.swaPattern = `${p(rule.allSwaWhenKey ?? '')} > 0: every layer slides`;
      slidingWindowTokens = window;
      provenance.slidingWindowTokens = rule.fixedWindow
        ? `architecture ${arch} (chunked attention, ${rule.fixedWindow})`
        : winR.value !== undefined ? p('attention.sliding_window') : `default for ${arch}: ${window}`;
      provenance.swaPattern ??= `${p('attention.sliding_window_pattern')} or the llama.cpp pattern for ${arch}`;
    }
  }

  // Recurrent state and hybrid layer roles.
  let recurrent: RecurrentSpec | null = null;
  let recurrentLayers: boolean[] = new Array<boolean>(layerCount).fill(false);
  let attentionLayers: boolean[] = headKv.map((h) => h > 0);
  let isHybrid = false;
  if (isPureRecurrent) {
    recurrentLayers = new Array<boolean>(layerCount).fill(true);
    attentionLayers = new Array<boolean>(layerCount).fill(false);
  } else if (layout.kind === 'hybrid' && layout.rule === 'zero-kv') {
    isHybrid = true;
    // is_recr = (n_head_kv(il) == 0) for il < n_layer(): MTP blocks after the stack hold no state.
    recurrentLayers = headKv.map((h, il) => h === 0 && il < mainLayers);
  } else if (layout.kind === 'hybrid' && layout.rule === 'interval') {
    isHybrid = true;
    const listR = readNum(meta, p('attention.recurrent_layers'));
    const listRaw = meta[p('attention.recurrent_layers')];
    if (Array.isArray(listRaw)) {
      if (listRaw.length !== layerCount) return cannot(`${p('attention.recurrent_layers')} has ${listRaw.length} entries for ${layerCount} layers`);
      recurrentLayers = listRaw.map((x, il) => il < mainLayers && (x === true || x === 1));
      provenance.recurrentLayers = p('attention.recurrent_layers');
    } else {
      if (!listR.ok) return cannot(listR.message);
      const ivR = scalar(meta, p('full_attention_interval'));
      if (!ivR.ok) return ivR;
      const interval = ivR.value ?? layout.defaultInterval ?? 4;
      if (interval === 0) return cannot(`${p('full_attention_interval')} is 0`);
      recurrentLayers = headKv.map((_, il) => il < mainLayers && (il + 1) % interval !== 0);
      provenance.recurrentLayers = ivR.value !== undefined ? `${p('full_attention_interval')} = ${interval}` : `default: every ${interval}th layer is full attention`;
    }
    attentionLayers = recurrentLayers.map((r, il) => !r && (!nextnFiltered || il < mainLayers));
  } else if (layout.kind === 'hybrid' && layout.rule === 'nemotron') {
    isHybrid = true;
    const ffR = perLayer(meta, p('feed_forward_length'), layerCount);
    if (!ffR.ok) return ffR;
    if (!ffR.value) return cannot(`missing ${p('feed_forward_length')} (nemotron_h marks recurrent layers by n_ff == 0 and head_count_kv == 0)`);
    const ff = ffR.value;
    recurrentLayers = headKv.map((h, il) => h === 0 && ff[il] === 0);
  } else if (layout.kind === 'hybrid' && layout.rule === 'all') {
    isHybrid = true;
    recurrentLayers = new Array<boolean>(layerCount).fill(true);
  }
  if (recurrentLayers.some(Boolean)) {
    const r = recurrentSpec(meta, arch, embeddingLength, headCounts?.[0] ?? null, dimKR.value);
    if (!r.ok) return r;
    recurrent = r.value;
    if (arch === 'qwen4exp') {
      const ple = pleConvState(meta, arch, embeddingLength, recurrentLayers);
      if (!ple.ok) return ple;
      if (ple.value > 0) {
        recurrent = { ...recurrent, extraElemsPerSequence: ple.value };
        provenance.pleState = `${p('ple.*')}, ${p('hyper_connection.count')}: one PLE conv row of ${ple.value} f32 per sequence`;
      }
    }
    provenance.recurrent = `${p('ssm.*')} / ${p('wkv.head_size')} / ${p('shortconv.l_cache')}`;
  }

  // Layers that reuse another layer's KV (Gemma-3n / Gemma-4 `shared_kv_layers`).
  const sharedR = scalar(meta, p('attention.shared_kv_layers'));
  if (!sharedR.ok) return sharedR;
  const kvFromStart = sharedR.value ? layerCount - sharedR.value : layerCount;
  if (sharedR.value) provenance.layersWithKv = `${p('attention.shared_kv_layers')}: only the first ${kvFromStart} layers hold KV`;

  const layers: LayerSpec[] = [];
  for (let il = 0; il < layerCount; il++) {
    const filtered = nextnFiltered && il >= mainLayers;
    const hasKv = !filtered && attentionLayers[il] === true && (headKv[il] ?? 0) > 0 && il < kvFromStart;
    const isSwa = swaLayers[il] === true;
    const kind: LayerKind = !hasKv ? 'none' : isSwa ? 'swa' : 'full';
    layers.push({
      index: il,
      kind,
      headCountKv: hasKv ? (headKv[il] ?? 0) : 0,
      headDimK: isSwa && swaDimKR.value ? swaDimKR.value : dimKR.value,
      headDimV: isSwa && swaDimVR.value ? swaDimVR.value : dimVR.value,
      hasRecurrentState: recurrentLayers[il] === true,
      // Only hybrids and shared-KV models filter layers out of the cache (create_memory's filter/reuse).
      inKvCache: !filtered && il < kvFromStart && !isPureRecurrent && !(isHybrid && !attentionLayers[il]),
    });
  }
  if (!layers.some((l) => l.kind !== 'none') && !recurrent) {
    return cannot(`no layer holds a KV cache or a recurrent state (check ${p('attention.head_count_kv')})`);
  }

  let dsv4: Dsv4Spec | undefined;
  if (layout.kind === 'dsv4') {
    const key = p('attention.compress_ratios');
    const raw = meta[key];
    if (raw === null) return cannot(`${key} is null (ask /api/show with "verbose": true)`);
    if (!Array.isArray(raw)) return cannot(`missing ${key} (DeepSeek-V4's per-layer compression: 0, 4 or 128)`);
    const ratios = raw.map((x) => toNumber(x) ?? -1);
    if (ratios.length < layerCount) return cannot(`${key} has ${ratios.length} entries for ${layerCount} layers (llama.cpp: "compress_ratios is shorter than block_count")`);
    const bad = ratios.find((r) => r !== 0 && r !== 4 && r !== 128);
    if (bad !== undefined) return cannot(`${key} holds ${bad}; llama.cpp's DeepSeek-V4 cache knows 0, 4 (CSA) and 128 (HCA)`);
    const ik = scalar(meta, p('attention.indexer.key_length'));
    if (!ik.ok) return ik;
    if (!ik.value) return cannot(`missing ${p('attention.indexer.key_length')} (the lightning-indexer key width of ${arch})`);
    dsv4 = { compressRatios: ratios.slice(0, layerCount), mainLayers, indexerKeyLength: ik.value };
    provenance.dsv4 = `${key}, ${p('attention.indexer.key_length')}, ${p('nextn_predict_layers')}`;
  }

  let indexerKeyLength: number | undefined;
  let indexerLayers: boolean[] | undefined;
  const indexerRule = layout.kind === 'standard' || layout.kind === 'hybrid' ? layout.indexer : undefined;
  if (indexerRule) {
    const ik = scalar(meta, p('attention.indexer.key_length'));
    if (!ik.ok) return ik;
    if (!ik.value) return cannot(`missing ${p('attention.indexer.key_length')} (the indexer key width of ${arch})`);
    indexerKeyLength = ik.value;
    provenance.indexerKeyLength = p('attention.indexer.key_length');
    const il = indexerLayerRule(meta, arch, indexerRule, layerCount, mainLayers);
    if (!il.ok) return il;
    indexerLayers = il.value;
    if (indexerLayers) provenance.indexerLayers = indexerRule === 'types' ? p('attention.indexer.types') : p('leading_dense_block_count');
  }

  // nanbeige: the stack runs num_loops times, each pass a layer of its own in the cache.
  let finalLayers = layers;
  let finalLayerCount = layerCount;
  if (layout.kind === 'standard' && layout.loops) {
    const loopsR = scalar(meta, p('num_loops'));
    if (!loopsR.ok) return loopsR;
    const loops = loopsR.value ?? 1;
    if (loops < 1) return cannot(`${p('num_loops')} is 0 (llama.cpp asserts n_loops >= 1)`);
    if (layerCount * loops > 512) return cannot(`${p('block_count')} × ${p('num_loops')} = ${layerCount * loops} exceeds llama.cpp's 512 layers (LLAMA_MAX_LAYERS)`);
    finalLayers = Array.from({ length: loops }, (_, j) => layers.map((l) => ({ ...l, index: l.index + j * layerCount }))).flat();
    finalLayerCount = layerCount * loops;
    provenance.layerCount = `${p('block_count')} × ${p('num_loops')} (${layerCount} × ${loops})`;
  }
  // graniteswitch: the adapter router's single-head attention layer after the stack (n_layer_all = block_count + 1).
  if (layout.kind === 'standard' && layout.routerLayer) {
    finalLayers = [...layers, { index: layerCount, kind: 'full', headCountKv: 1, headDimK: dimKR.value, headDimV: dimVR.value, hasRecurrentState: false, inKvCache: true }];
    provenance.routerLayer = `layer ${layerCount}: the adapter router (1 KV head), added by llama.cpp after ${p('block_count')} layers`;
  }

  const num = (key: string): Result<number | null> => {
    const r = scalar(meta, key);
    return r.ok ? ok(r.value ?? null) : r;
  };
  const ctxR = num(p('context_length'));
  const ffR = layout.kind === 'hybrid' && layout.rule === 'nemotron' ? ok(null) : num(p('feed_forward_length'));
  const vocabR = num(p('vocab_size'));
  const paramsR = num('general.parameter_count');
  const ftypeR = num('general.file_type');
  let vocabSize = vocabR.ok ? vocabR.value : null;
  const tokens = meta['tokenizer.ggml.tokens'];
  if (vocabSize === null && Array.isArray(tokens)) vocabSize = tokens.length;
  if (vocabSize !== null) provenance.vocabSize = vocabR.ok && vocabR.value !== null ? p('vocab_size') : 'tokenizer.ggml.tokens';
  if (vocabSize === null) {
    // Ollama's /api/show leaves the token list out: the highest special-token id bounds the vocabulary from below.
    const ids = Object.entries(meta).filter(([k]) => /^tokenizer\.ggml\.\w+_token_id$/.test(k)).map(([, v]) => toNumber(v)).filter((v): v is number => v !== undefined && v >= 0);
    if (ids.length) {
      vocabSize = Math.max(...ids) + 1;
      provenance.vocabSize = 'lower bound: highest tokenizer.ggml.*_token_id + 1 (the token list was not given)';
    }
  }

  return ok({
    architecture: arch,
    layerCount: finalLayerCount,
    layers: finalLayers,
    slidingWindowTokens,
    attention,
    recurrent,
    isHybrid,
    contextLengthTrain: ctxR.ok ? ctxR.value : null,
    embeddingLength,
    headCount,
    feedForwardLength: ffR.ok ? ffR.value : null,
    vocabSize,
    parameterCount: paramsR.ok ? paramsR.value : null,
    fileType: ftypeR.ok ? ftypeR.value : null,
    ...(indexerKeyLength ? { indexerKeyLength } : {}),
    ...(indexerLayers ? { indexerLayers } : {}),
    ...(dsv4 ? { dsv4 } : {}),
    provenance,
    notes,
  });
}

/** An architecture for which llama.cpp creates no memory (`create_memory` returns null). */
function noCacheArchitecture(meta: GgufMetadata, arch: string, layerCount: number, why: string, provenance: Record<string, string>): ModelArchitecture {
  const n = (key: string): number | null => {
    const r = scalar(meta, key);
    return r.ok ? (r.value ?? null) : null;
  };
  const layers: LayerSpec[] = Array.from({ length: layerCount }, (_, index) => ({
    index, kind: 'none' as const, headCountKv: 0, headDimK: 0, headDimV: 0, hasRecurrentState: false, inKvCache: false,
  }));
  const tokens = meta['tokenizer.ggml.tokens'];
  return {
    architecture: arch, layerCount, layers, slidingWindowTokens: null, attention: 'standard', recurrent: null, isHybrid: false,
    contextLengthTrain: n(`${arch}.context_length`), embeddingLength: n(`${arch}.embedding_length`), headCount: n(`${arch}.attention.head_count`),
    feedForwardLength: n(`${arch}.feed_forward_length`), vocabSize: n(`${arch}.vocab_size`) ?? (Array.isArray(tokens) ? tokens.length : null),
    parameterCount: n('general.parameter_count'), fileType: n('general.file_type'), noCache: why, provenance,
    notes: [`No KV cache: ${why}.`],
  };
}

/** llama.cpp `n_embd_r` / `n_embd_s` (src/llama-hparams.cpp), in f32 elements per layer per sequence. */
function recurrentSpec(meta: GgufMetadata, arch: string, embeddingLength: number | null, headCount0: number | null, headDimK: number): Result<RecurrentSpec> {
  const p = (s: string) => `${arch}.${s}`;
  const get = (key: string) => scalar(meta, p(key));
  if (arch === 'minimax-01') {
    // Lightning attention (src/models/minimax-01.cpp): n_embd_head_la = key_length, n_embd_s = head_dim² × n_head;
    // no ssm.* keys are read, so n_embd_r = 0.
    if (!headCount0) return cannot(`missing ${p('attention.head_count')} (needed for the lightning-attention state)`);
    return ok({ rElemsPerLayer: 0, sElemsPerLayer: headDimK * headDimK * headCount0 });
  }
  const wkv = get('wkv.head_size');
  if (!wkv.ok) return wkv;
  if (wkv.value) {
    if (embeddingLength === null) return cannot(`missing ${p('embedding_length')} (needed for the RWKV state)`);
    const shift = get('token_shift_count');
    if (!shift.ok) return shift;
    return ok({ rElemsPerLayer: (shift.value ?? 2) * embeddingLength, sElemsPerLayer: embeddingLength * wkv.value });
  }
  const lCache = get('shortconv.l_cache');
  if (!lCache.ok) return lCache;
  if (lCache.value) {
    if (embeddingLength === null) return cannot(`missing ${p('embedding_length')} (needed for the short-conv state)`);
    return ok({ rElemsPerLayer: embeddingLength * (lCache.value - 1), sElemsPerLayer: 0 });
  }
  // Kimi delta attention: conv state for Q, K, V and a head_dim² state per head (n_embd_r/s with n_embd_head_kda).
  const kda = get('kda.head_dim');
  if (!kda.ok) return kda;
  let kdaDim = kda.value;
  if (kdaDim === undefined && arch === 'kimi-linear') {
    // Older Kimi Linear GGUFs store the KDA head dim as ssm.state_size.
    const st = get('ssm.state_size');
    if (!st.ok) return st;
    kdaDim = st.value;
  }
  if (kdaDim) {
    if (!headCount0) return cannot(`missing ${p('attention.head_count')} (needed for the KDA state)`);
    const convK = get('ssm.conv_kernel');
    if (!convK.ok) return convK;
    const d = convK.value && convK.value > 0 ? convK.value - 1 : 3;
    return ok({ rElemsPerLayer: 3 * d * headCount0 * kdaDim, sElemsPerLayer: kdaDim * kdaDim * headCount0 });
  }
  const conv = get('ssm.conv_kernel');
  const inner = get('ssm.inner_size');
  const state = get('ssm.state_size');
  const group = get('ssm.group_count');
  for (const r of [conv, inner, state, group]) if (!r.ok) return r;
  if (!conv.ok || !inner.ok || !state.ok || !group.ok) return cannot('unreadable ssm keys');
  if (conv.value === undefined) return cannot(`missing ${p('ssm.conv_kernel')}`);
  if (inner.value === undefined) return cannot(`missing ${p('ssm.inner_size')}`);
  if (state.value === undefined) return cannot(`missing ${p('ssm.state_size')}`);
  const dConv = conv.value;
  const nGroup = group.value ?? 0;
  return ok({
    rElemsPerLayer: (dConv > 0 ? dConv - 1 : 0) * (inner.value + 2 * nGroup * state.value),
    sElemsPerLayer: state.value * inner.value,
  });
}

/** Layers that keep the indexer cache, per {@link IndexerRule}; undefined = every layer holding KV. */
function indexerLayerRule(meta: GgufMetadata, arch: string, rule: IndexerRule, layerCount: number, mainLayers: number): Result<boolean[] | undefined> {
  const p = (s: string) => `${arch}.${s}`;
  if (rule === 'all' || rule === 'attention') return ok(undefined);
  if (rule === 'after-dense-lead') {
    const lead = scalar(meta, p('leading_dense_block_count'));
    if (!lead.ok) return lead;
    const n = lead.value ?? 0;
    return ok(Array.from({ length: layerCount }, (_, il) => il >= n));
  }
  const key = p('attention.indexer.types');
  const raw = meta[key];
  if (raw === null) return cannot(`${key} is null (ask /api/show with "verbose": true)`);
  if (Array.isArray(raw)) {
    // dots3note: get_arr (any length); glm-dsa: get_key_or_arr over n_layer().
    if (arch === 'glm-dsa' && raw.length !== mainLayers) return cannot(`${key} has ${raw.length} entries for ${mainLayers} layers`);
    return ok(Array.from({ length: layerCount }, (_, il) => il < mainLayers && (raw[il] === true || raw[il] === 1)));
  }
  if (raw !== undefined) {
    const v = scalar(meta, key);
    if (!v.ok) return v;
    return ok(Array.from({ length: layerCount }, (_, il) => il < mainLayers && v.value === 1));
  }
  if (arch !== 'glm-dsa') return cannot(`missing ${key} (which layers of ${arch} keep the indexer cache)`);
  // glm-dsa.cpp: GLM-5 / 5.1 (context_length < 1048576) index every layer; GLM-5.2 defaults to
  // layers 0 and 1, then every 4th from 2 (GLM_5_2_DEFAULT_INDEXER_TYPES, 78 entries).
  const ctx = scalar(meta, p('context_length'));
  if (!ctx.ok) return ctx;
  const pre52 = (ctx.value ?? 0) < 1048576;
  return ok(Array.from({ length: layerCount }, (_, il) => il < mainLayers && (pre52 || il < 2 || (il < 78 && (il - 2) % 4 === 0))));
}

/**
 * qwen4exp's PLE conv row (llama_hparams::ple_conv_state): `(ple.conv_kernel − 1) × ple.ngram_size ×
 * hyper_connection.count × n_embd` f32 per sequence on the one `ple.layers` layer; 0 without PLE.
 */
function pleConvState(meta: GgufMetadata, arch: string, embeddingLength: number | null, recurrentLayers: boolean[]): Result<number> {
  const p = (s: string) => `${arch}.${s}`;
  const raw = meta[p('ple.layers')];
  if (raw === undefined || (Array.isArray(raw) && raw.length === 0)) return ok(0);
  if (!Array.isArray(raw)) return cannot(`${p('ple.layers')} must be an array of layer indices`);
  if (raw.length !== 1) return cannot(`${p('ple.layers')} lists ${raw.length} layers; llama.cpp supports one PLE layer`);
  const layer = toNumber(raw[0]);
  if (layer === undefined || recurrentLayers[layer] !== true) return cannot(`${p('ple.layers')} names layer ${String(raw[0])}, which is not a linear-attention layer (llama.cpp refuses the model)`);
  const need = (k: string): Result<number> => {
    const r = scalar(meta, p(k));
    if (!r.ok) return r;
    return r.value ? ok(r.value) : cannot(`missing ${p(k)} (needed for the PLE conv state)`);
  };
  const conv = need('ple.conv_kernel');
  if (!conv.ok) return conv;
  const ngram = need('ple.ngram_size');
  if (!ngram.ok) return ngram;
  const hc = need('hyper_connection.count');
  if (!hc.ok) return hc;
  if (embeddingLength === null) return cannot(`missing ${p('embedding_length')} (needed for the PLE conv state)`);
  return ok((conv.value - 1) * ngram.value * hc.value * embeddingLength);
}
