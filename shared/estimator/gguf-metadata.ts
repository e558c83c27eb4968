/**
 * Reads a model architecture from GGUF key/value metadata, exactly as a GGUF header or Ollama's
 * `/api/show` `model_info` holds it (`{"general.architecture":"llama","llama.block_count":32,…}`).
 * The rules mirror llama.cpp `llama_model::load_hparams` (memory-model.md §2.1, §2.3–§2.5, §3.3).
 */
import { err, ok, type Result } from '../contract/result';
import type { LayerKind, LayerSpec, ModelArchitecture, RecurrentSpec } from './architecture';

/** GGUF metadata as key → value. Numbers may arrive as `bigint` (uint64 in GGUF headers). */
export type GgufMetadata = Readonly<Record<string, unknown>>;

/** Interleaved sliding-window layout per architecture (llama.cpp `set_swa_pattern` calls). */
interface SwaRule {
  /** `il % period < period - 1` is SWA (`dense_first`: `il % period != 0`). */
  period: number;
  denseFirst?: boolean;
  /** Window used when the GGUF has no `attention.sliding_window` key; null means "no key → no SWA". */
  defaultWindow: number | null;
  /** The window is fixed by the architecture (llama4 chunked attention, 8192). */
  fixedWindow?: number;
  /** A per-layer `attention.sliding_window_pattern` array is required (gemma4). */
  needsPatternArray?: boolean;
}

const SWA_RULES: Readonly<Record<string, SwaRule>> = {
  gemma2: { period: 2, defaultWindow: 4096 },
  gemma3: { period: 6, defaultWindow: null },
  cohere2: { period: 4, defaultWindow: null },
  'gpt-oss': { period: 2, defaultWindow: null },
  llama4: { period: 4, defaultWindow: null, fixedWindow: 8192 },
  gemma4: { period: 0, defaultWindow: null, needsPatternArray: true },
};

/** Pure recurrent architectures: no KV cache, one f32 state per sequence. */
const RECURRENT_ARCHS = new Set(['mamba', 'mamba2', 'rwkv6', 'rwkv6qwen2', 'rwkv7', 'arwkv7']);
/** Hybrids whose recurrent layers are the ones with `head_count_kv == 0`. */
const HYBRID_BY_ZERO_KV = new Set(['jamba', 'granitehybrid', 'lfm2', 'lfm2moe', 'plamo2']);

/** Plain transformer architectures whose KV cache follows §2.1 with no special rules. */
const STANDARD_ARCHS = new Set([
  'llama', 'llama4', 'mistral3', 'qwen', 'qwen2', 'qwen2moe', 'qwen2vl', 'qwen3', 'qwen3moe', 'qwen3vl', 'qwen3vlmoe',
  'phi2', 'phi3', 'phimoe', 'gemma', 'gemma2', 'gemma3', 'gemma4', 'starcoder', 'starcoder2', 'deepseek', 'deepseek2',
  'command-r', 'cohere2', 'olmo', 'olmo2', 'olmoe', 'granite', 'granitemoe', 'internlm2', 'exaone', 'exaone4', 'falcon',
  'gptneox', 'stablelm', 'mpt', 'bloom', 'gpt2', 'refact', 'orion', 'minicpm', 'minicpm3', 'chatglm', 'glm4', 'glm4moe',
  'baichuan', 'nemotron', 'openelm', 'arctic', 'dbrx', 'grok', 'jais', 'xverse', 'gpt-oss', 'ernie4_5', 'ernie4_5-moe',
  'hunyuan-moe', 'hunyuan-dense', 'smollm3', 'seed_oss', 'apertus', 'bailingmoe', 'bailingmoe2', 'dots1', 'codeshell',
  'plamo', 'bitnet', 'chameleon', 'deci', 'arcee', 'mimo2', 'glm-dsa',
]);

/** Every architecture this module can size. */
export function isKnownArchitecture(arch: string): boolean {
  return STANDARD_ARCHS.has(arch) || RECURRENT_ARCHS.has(arch) || HYBRID_BY_ZERO_KV.has(arch) ||
    arch === 'qwen3next' || arch === 'nemotron_h' || arch === 'falcon-h1';
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

function swaPattern(meta: GgufMetadata, arch: string, rule: SwaRule, layerCount: number): Result<boolean[]> {
  const key = `${arch}.attention.sliding_window_pattern`;
  const raw = meta[key];
  if (Array.isArray(raw)) {
    if (raw.length !== layerCount) return cannot(`${key} has ${raw.length} entries for ${layerCount} layers`);
    return ok(raw.map((x) => x === true || x === 1));
  }
  if (raw === null) return cannot(`${key} is null (ask /api/show with "verbose": true)`);
  if (rule.needsPatternArray) return cannot(`missing ${key} (the per-layer sliding-window pattern of ${arch})`);
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
  if (!isKnownArchitecture(arch)) return cannot(`unknown architecture "${arch}" (general.architecture); Headroom has no KV layout for it`);
  const p = (s: string) => `${arch}.${s}`;
  const provenance: Record<string, string> = { architecture: 'general.architecture' };
  const notes: string[] = [];

  const nLayerR = scalar(meta, p('block_count'));
  if (!nLayerR.ok) return nLayerR;
  const layerCount = nLayerR.value;
  if (layerCount === undefined) return cannot(`missing ${p('block_count')}`);
  if (layerCount === 0) return cannot(`${p('block_count')} is 0 (a model needs at least one layer)`);
  provenance.layerCount = p('block_count');

  const embdR = scalar(meta, p('embedding_length'));
  if (!embdR.ok) return embdR;
  const embeddingLength = embdR.value ?? null;

  const isPureRecurrent = RECURRENT_ARCHS.has(arch);
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
  } else if (arch === 'deepseek2') {
    attention = 'mla-legacy';
    provenance.attention = `no ${p('attention.key_length_mla')}: GGUF converted before MLA support, full K/V per head`;
    notes.push('This DeepSeek-2 GGUF predates MLA support: llama.cpp caches full K/V per head (about 9× an MLA conversion). Re-converting the model saves most of the KV cache.');
  }

  // Sliding window.
  let swaLayers: boolean[] = new Array<boolean>(layerCount).fill(false);
  let slidingWindowTokens: number | null = null;
  const rule = SWA_RULES[arch];
  if (rule) {
    const winR = scalar(meta, p('attention.sliding_window'));
    if (!winR.ok) return winR;
    const window = rule.fixedWindow ?? winR.value ?? rule.defaultWindow;
    if (window !== null && window > 0) {
      const patR = swaPattern(meta, arch, rule, layerCount);
      if (!patR.ok) return patR;
      swaLayers = patR.value;
      slidingWindowTokens = window;
      provenance.slidingWindowTokens = rule.fixedWindow
        ? `architecture ${arch} (chunked attention, ${rule.fixedWindow})`
        : winR.value !== undefined ? p('attention.sliding_window') : `default for ${arch}: ${window}`;
      provenance.swaPattern = `${p('attention.sliding_window_pattern')} or the llama.cpp pattern for ${arch}`;
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
  } else if (HYBRID_BY_ZERO_KV.has(arch)) {
    isHybrid = true;
    recurrentLayers = headKv.map((h) => h === 0);
  } else if (arch === 'qwen3next') {
    isHybrid = true;
    const ivR = scalar(meta, p('full_attention_interval'));
    if (!ivR.ok) return ivR;
    const interval = ivR.value ?? 4;
    recurrentLayers = headKv.map((_, il) => (il + 1) % interval !== 0);
    attentionLayers = recurrentLayers.map((r) => !r);
  } else if (arch === 'nemotron_h') {
    isHybrid = true;
    const ffR = perLayer(meta, p('feed_forward_length'), layerCount);
    if (!ffR.ok) return ffR;
    if (!ffR.value) return cannot(`missing ${p('feed_forward_length')} (nemotron_h marks recurrent layers by n_ff == 0 and head_count_kv == 0)`);
    const ff = ffR.value;
    recurrentLayers = headKv.map((h, il) => h === 0 && ff[il] === 0);
  } else if (arch === 'falcon-h1') {
    isHybrid = true;
    recurrentLayers = new Array<boolean>(layerCount).fill(true);
  }
  if (recurrentLayers.some(Boolean)) {
    const r = recurrentSpec(meta, arch, embeddingLength);
    if (!r.ok) return r;
    recurrent = r.value;
    provenance.recurrent = `${p('ssm.*')} / ${p('wkv.head_size')} / ${p('shortconv.l_cache')}`;
  }

  // Layers that reuse another layer's KV (Gemma-3n / Gemma-4 `shared_kv_layers`).
  const sharedR = scalar(meta, p('attention.shared_kv_layers'));
  if (!sharedR.ok) return sharedR;
  const kvFromStart = sharedR.value ? layerCount - sharedR.value : layerCount;
  if (sharedR.value) provenance.layersWithKv = `${p('attention.shared_kv_layers')}: only the first ${kvFromStart} layers hold KV`;

  const layers: LayerSpec[] = [];
  for (let il = 0; il < layerCount; il++) {
    const hasKv = attentionLayers[il] === true && (headKv[il] ?? 0) > 0 && il < kvFromStart;
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
      inKvCache: il < kvFromStart && !isPureRecurrent && !(isHybrid && !attentionLayers[il]),
    });
  }
  if (!layers.some((l) => l.kind !== 'none') && !recurrent) {
    return cannot(`no layer holds a KV cache or a recurrent state (check ${p('attention.head_count_kv')})`);
  }

  const num = (key: string): Result<number | null> => {
    const r = scalar(meta, key);
    return r.ok ? ok(r.value ?? null) : r;
  };
  const ctxR = num(p('context_length'));
  const ffR = arch === 'nemotron_h' ? ok(null) : num(p('feed_forward_length'));
  const vocabR = num(p('vocab_size'));
  const paramsR = num('general.parameter_count');
  const ftypeR = num('general.file_type');
  let vocabSize = vocabR.ok ? vocabR.value : null;
  const tokens = meta['tokenizer.ggml.tokens'];
  if (vocabSize === null && Array.isArray(tokens)) vocabSize = tokens.length;

  return ok({
    architecture: arch,
    layerCount,
    layers,
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
    provenance,
    notes,
  });
}

/** llama.cpp `n_embd_r` / `n_embd_s` (src/llama-hparams.cpp), in f32 elements per layer per sequence. */
function recurrentSpec(meta: GgufMetadata, arch: string, embeddingLength: number | null): Result<RecurrentSpec> {
  const p = (s: string) => `${arch}.${s}`;
  const get = (key: string) => scalar(meta, p(key));
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
