/**
 * Attaches the memory model's prediction to each loaded model in a tick: the architecture comes
 * from the backend (Ollama /api/show), a local GGUF header (llama.cpp `model_path`) or the
 * built-in catalog, resolved once and cached; predictions are cached per model, context, GPU
 * size and threshold, so a steady state costs a map lookup per model per tick.
 */
import type { ModelArchitecture } from '../../shared/estimator/architecture';
import type { KvCacheType } from '../../shared/estimator/ggml-types';
import { engineBuildOf, llamaCppRuleSet, llamaServerDefaultSlots } from '../../shared/estimator/engine-build';
import { kvBytesPerToken, llamaCppKvCache } from '../../shared/estimator/kv-cache';
import { llamaCppComputeBuffer } from '../../shared/estimator/overhead';
import { contextSearchLimit, llamaCppContextMemory, predictForModel, type Engine } from '../../shared/estimator/predict';
import { quantNameFromFileType, weightsBytesFromParams } from '../../shared/estimator/weights';
import type { BackendReading, GpuReading, LoadedModel, ModelPredictionView } from '../../shared/model/snapshot';
import type { BackendCollector } from '../collectors/types';
import type { Logger } from '../util/logger';
import { readFileSync } from 'node:fs';
import { vllmKvCapacity } from '../../shared/estimator/vllm';
import type { EngineLogService } from './engine-logs/service';
import { findHfConfigPath } from './hf-cache';
import { LruMap } from './lru';
import { sameData } from '../util/same-data';
import { ModelResolver, type ResolvedModel } from './resolver';

interface ArchEntry {
  arch: ModelArchitecture | null;
  source: string;
  weightsBytes: number | null;
  error: string | null;
}

export interface PredictionContext {
  backends: BackendReading[];
  collectors: readonly BackendCollector[];
  gpus: GpuReading[];
  /** Critical threshold, percent of GPU memory. */
  criticalPct: number;
  /** KV type the backend runs with, when Headroom knows it (Ollama env); default f16. */
  cacheTypeOf?: (backend: BackendReading) => KvCacheType;
}

const MAX_CACHE = 64;
/** Architectures kept: a server that names a new model every tick must not grow memory for hours. */
const MAX_ARCH_CACHE = 256;
/** GGUF headers read at the same time. */
const MAX_PENDING_READS = 4;
/** Longest model path used as a cache key (the reader refuses longer ones anyway). */
const MAX_KEY_PATH = 4096;

/** The fields `annotate` sets on a model. */
const ANNOTATED_FIELDS = ['kvBytesPerToken', 'kvCacheBytes', 'kvSource', 'prediction', 'predictionError'] as const satisfies readonly (keyof LoadedModel)[];

/** The model fields a prediction depends on (not the per-tick rates and queue lengths). */
function modelInputs(m: LoadedModel): string {
  return [
    m.name,
    m.contextLength,
    m.sizeBytes,
    m.kvCacheBytes,
    m.kvBytesPerToken,
    m.kvSource ?? '',
    m.quantization ?? '',
    m.slots?.length ?? '',
    m.kvUnified ?? '',
    m.kvCacheCapacityTokens ?? '',
    m.cacheConfig?.cacheDtype ?? '',
  ].join('|');
}

export class PredictionService {
  private readonly archCache = new LruMap<string, ArchEntry>(MAX_ARCH_CACHE);
  private readonly pending = new Set<string>();
  /** Architectures whose lower-bound vocabulary the catalog completed (see `completeVocab`). */
  private readonly vocabCompleted = new WeakMap<ModelArchitecture, ModelArchitecture>();
  /** Per architecture object (a reloaded model brings a new one), then per context, GPU size and threshold. */
  private readonly predictions = new WeakMap<ModelArchitecture, Map<string, { prediction: ModelPredictionView | null; error: string | null }>>();
  /** Per loaded model (backend id + name): the inputs last seen, the object handed out and the fields the annotation set (see `memo`). */
  private readonly annotated = new Map<string, { arch: object | null; inputs: readonly unknown[]; out: LoadedModel; sig: string; patch: Partial<LoadedModel> }>();
  /** Per backend id: the reading annotated last tick and the object handed out. */
  private readonly backendOut = new Map<string, { input: BackendReading; out: BackendReading }>();
  private computeCount = 0;

  constructor(
    private readonly logger: Logger,
    private readonly resolver: ModelResolver = new ModelResolver(),
    /** Reads the engines' load logs for "measured by the engine"; absent = not read. */
    private readonly logs: EngineLogService | null = null,
  ) {}


  /** Returns the backends with `prediction` / `predictionError` filled on each model. */
  annotate(ctx: PredictionContext): BackendReading[] {
    if (!ctx.gpus.length) return ctx.backends;
    const seen = new Set<string>();
    const out = ctx.backends.map((b) => {
      if (b.kind === 'vllm' && b.models.length) {
        const gpuTotal = ctx.gpus[0]!.memoryTotalBytes;
        return this.sameBackend(b, b.models.map((m) => {
          const arch = this.archCache.get(`hf:${m.name}`) ?? null;
          return this.memo(`${b.id}\u0000${m.name}`, seen, arch, [m, gpuTotal], () => ({ m, sig: `${modelInputs(m)}|${gpuTotal}`, compute: () => this.vllmKv(m, ctx.gpus) }));
        }));
      }
      if (!b.models.length || b.kind === 'vllm' || b.kind === 'openai') return b;
      const collector = ctx.collectors.find((c) => c.id === b.id);
      const gpu = gpuFor(b, ctx.gpus);
      const cacheType = ctx.cacheTypeOf?.(b) ?? 'f16';
      return this.sameBackend(b, b.models.map((loaded) => {
        // The engine's own figures are read beside the prediction (the log service caches by file).
        const measured = this.logs ? this.logs.measuredFor(b, loaded, collector?.modelFileOf?.(loaded.name) ?? null) : undefined;
        const entry = this.architecture(b, loaded, collector);
        const inputs = [loaded, measured ?? null, b.version, gpu.id, gpu.memoryTotalBytes, ctx.criticalPct, cacheType, entry === null, entry?.source, entry?.weightsBytes, entry?.error];
        return this.memo(`${b.id}\u0000${loaded.name}`, seen, entry?.arch ?? null, inputs, () => {
          const m = this.logs ? { ...loaded, measured } : loaded;
          const sig = [modelInputs(m), b.version, gpu.id, gpu.memoryTotalBytes, ctx.criticalPct, cacheType, entry ? `${entry.source}|${entry.weightsBytes}|${entry.error}` : 'resolving'].join('|');
          return { m, sig, compute: () => this.annotateModel(b, m, entry, gpu, ctx.criticalPct, cacheType) };
        });
      }));
    });
    // Models no longer loaded: forget them (bounded memory, and a reload starts afresh).
    for (const key of this.annotated.keys()) if (!seen.has(key)) this.annotated.delete(key);
    for (const id of this.backendOut.keys()) if (!ctx.backends.some((b) => b.id === id)) this.backendOut.delete(id);
    return out;
  }

  /** The backend with its annotated models: last tick's object when neither it nor any model changed. */
  private sameBackend(b: BackendReading, models: LoadedModel[]): BackendReading {
    const last = this.backendOut.get(b.id);
    if (last && last.input === b && last.out.models.length === models.length && models.every((m, i) => m === last.out.models[i])) return last.out;
    const out = { ...b, models };
    this.backendOut.set(b.id, { input: b, out });
    return out;
  }

  /**
   * A model's annotation, reused at two levels so that a steady state costs comparisons, not
   * the KV and curve formulas:
   * - every input the same as last tick (the architecture by identity — a reloaded model brings
   *   a new one —, the rest by value): the very same object, so that an idle server's reading
   *   flows through the Snapshot as the same objects and everything downstream that compares by
   *   identity (the Snapshot guard, the alert series) stays cheap;
   * - the memory-relevant inputs the same (`sig`: the model's memory fields, the GPU it is
   *   predicted on, the threshold, the KV type): last tick's annotation on this tick's model
   *   (rates and queue lengths may move);
   * - otherwise computed.
   */
  private memo(key: string, seen: Set<string>, arch: object | null, inputs: readonly unknown[], build: () => { m: LoadedModel; sig: string; compute: () => LoadedModel }): LoadedModel {
    seen.add(key);
    const hit = this.annotated.get(key);
    if (hit && hit.arch === arch && hit.inputs.length === inputs.length && inputs.every((v, i) => sameData(v, hit.inputs[i]))) return hit.out;
    const { m, sig, compute } = build();
    let out: LoadedModel;
    let patch: Partial<LoadedModel>;
    if (hit && hit.sig === sig && hit.arch === arch) {
      patch = hit.patch;
      out = { ...m, ...patch };
    } else {
      this.computeCount += 1;
      out = compute();
      patch = {};
      for (const field of ANNOTATED_FIELDS) if (field in out) (patch as Record<string, unknown>)[field] = out[field];
    }
    this.annotated.set(key, { arch, inputs, sig, patch, out });
    return out;
  }

  private annotateModel(b: BackendReading, m: LoadedModel, entry: ArchEntry | null, gpu: GpuReading, criticalPct: number, cacheType: KvCacheType): LoadedModel {
    if (!entry) return { ...m, prediction: null, predictionError: null };
    if (!entry.arch) return { ...m, prediction: null, predictionError: entry.error };
    m = withExactKv(m, entry.arch, b);
    const key = [b.id, b.version, m.name, m.contextLength, m.sizeBytes, m.kvCacheBytes, gpu.id, gpu.memoryTotalBytes, criticalPct, cacheType, entry.source].join('|');
    let forArch = this.predictions.get(entry.arch);
    if (!forArch) {
      forArch = new Map();
      this.predictions.set(entry.arch, forArch);
    }
    let cached = forArch.get(key);
    if (!cached) {
      cached = this.predict(b, m, entry, gpu, criticalPct, cacheType);
      if (forArch.size >= MAX_CACHE) forArch.clear();
      forArch.set(key, cached);
    }
    return { ...m, prediction: cached.prediction, predictionError: cached.error };
  }

  /** How many times a model's annotation was computed rather than reused (tests, diagnostics). */
  get computations(): number {
    return this.computeCount;
  }

  private predict(b: BackendReading, m: LoadedModel, entry: ArchEntry, gpu: GpuReading, criticalPct: number, cacheType: KvCacheType) {
    const arch = entry.arch!;
    const engine: Engine = b.kind === 'ollama' ? 'ollama' : 'llama.cpp';
    const eb = engineBuildOf(b.kind, b.version);
    const ruleSet = eb
      ? `${llamaCppRuleSet(eb.build).label} (${eb.source})`
      : `current llama.cpp rules (${b.kind} does not report its llama.cpp build${b.version ? `; version ${b.version}` : ''})`;
    let weightsBytes: number | null = entry.weightsBytes;
    let weightsSource = weightsBytes !== null ? 'exact, from the GGUF tensor sizes' : '';
    if (weightsBytes === null && b.kind === 'ollama' && m.sizeBytes && m.kvCacheBytes !== null && m.contextLength) {
      // Ollama's `size` = weights + KV + compute graph: take the exact KV and the graph estimate out.
      const compute = currentCompute(arch, m.contextLength, eb?.build ?? null) ?? llamaCppComputeBuffer(arch, { ubatch: 512, cells: m.contextLength, swaCells: null, flashAttention: true }).bytes;
      weightsBytes = Math.max(0, m.sizeBytes - m.kvCacheBytes - compute);
      weightsSource = "derived: Ollama's loaded size − exact KV cache − predicted compute and output buffers";
    }
    if (weightsBytes === null && arch.parameterCount) {
      const quant = quantNameFromFileType(arch.fileType) ?? m.quantization ?? null;
      const w = quant ? weightsBytesFromParams(arch.parameterCount, quant) : null;
      if (w?.ok) {
        weightsBytes = w.value.bytes;
        weightsSource = `estimate: ${arch.parameterCount.toLocaleString('en-US')} parameters × ${w.value.bitsPerWeight} bits (${quant})`;
      }
    }
    if (weightsBytes === null) weightsSource = 'unknown: left out of the totals';
    const r = predictForModel(arch, {
      engine,
      gpuTotalBytes: gpu.memoryTotalBytes,
      thresholdRatio: criticalPct / 100,
      weightsBytes,
      weightsIsEstimate: !weightsSource.startsWith('exact'),
      cacheTypes: ['f16', 'q8_0', 'q4_0'],
      maxContextTokens: contextSearchLimit(arch, m.contextLength),
      engineBuild: eb?.build ?? null,
    });
    if (!r.ok) return { prediction: null, error: r.error.message };
    const p = r.value;
    const prediction: ModelPredictionView = {
      gpuId: gpu.id,
      gpuTotalBytes: gpu.memoryTotalBytes,
      thresholdBytes: p.thresholdBytes,
      weightsBytes,
      weightsSource,
      overheadBytes: p.overheadBytes,
      currentCacheType: cacheType,
      currentContextTokens: m.contextLength,
      curves: p.curves.map((c) => ({
        cacheType: c.cacheType,
        bytesPerToken: c.bytesPerToken,
        largestContextTokens: c.largestContextTokens,
        error: c.error,
        points: c.points.map((pt) => ({ contextTokens: pt.contextTokens, kvBytes: pt.kvBytes, totalBytes: pt.totalBytes })),
      })),
      concurrency: p.concurrency.map((c) => ({ perUserContextTokens: c.perUserContextTokens, cacheType: c.cacheType, maxSequences: c.maxSequences })),
      isEstimate: p.isEstimate,
      estimates: [...p.estimates.filter((e) => !e.startsWith('weightsBytes:')), `weightsBytes: ${weightsSource}`],
      notes: p.notes,
      architectureSource: entry.source,
      ruleSet,
      currentComputeBytes: m.contextLength ? currentCompute(arch, m.contextLength, eb?.build ?? null) : null,
    };
    return { prediction, error: null };
  }

  /**
   * vLLM reports its KV pool in tokens (blocks × block size); with the architecture (the HF
   * config.json in the local cache, else the catalog) the pool and the per-token cost get bytes.
   */
  private vllmKv(m: LoadedModel, gpus: GpuReading[]): LoadedModel {
    if (m.kvBytesPerToken !== null || !gpus.length) return m;
    const key = `hf:${m.name}`;
    let entry = this.archCache.get(key);
    if (!entry) {
      const path = findHfConfigPath(m.name);
      let resolved: ArchEntry | null = null;
      if (path) {
        try {
          const r = this.resolver.fromHfConfig(m.name, JSON.parse(readFileSync(path, 'utf8')) as unknown);
          if (r.ok) resolved = { arch: r.value.architecture, source: `HF config ${path}`, weightsBytes: null, error: null };
        } catch (error) {
          this.logger.warn(`cannot read ${path}: ${(error as Error).message}`);
        }
      }
      if (!resolved) {
        const c = this.resolver.fromCatalog(m.name);
        resolved = c.ok ? { arch: c.value.architecture, source: 'built-in catalog', weightsBytes: null, error: null } : { arch: null, source: '', weightsBytes: null, error: null };
      }
      entry = resolved;
      this.archCache.set(key, entry);
    }
    if (!entry.arch) return m;
    const dtype = m.cacheConfig?.cacheDtype?.startsWith('fp8') ? 1 : 2;
    const cap = vllmKvCapacity(entry.arch, { gpuMemoryTotalBytes: gpus[0]!.memoryTotalBytes, nonKvBytes: 0, kvDtypeBytes: dtype });
    if (!cap.ok) return m;
    const bpt = cap.value.bytesPerToken;
    return {
      ...m,
      kvBytesPerToken: bpt,
      kvCacheBytes: m.kvCacheCapacityTokens != null ? m.kvCacheCapacityTokens * bpt : null,
      kvSource: `vLLM paged KV pool: ${m.kvCacheCapacityTokens?.toLocaleString('en-US') ?? '?'} tokens × ${bpt.toLocaleString('en-US')} B (${dtype === 1 ? 'fp8' : '16-bit'} KV; architecture from ${entry.source})`,
    };
  }

  /** The architecture for a model, or null while it is still being resolved. */
  private architecture(b: BackendReading, m: LoadedModel, collector: BackendCollector | undefined): ArchEntry | null {
    const file = collector?.modelFileOf?.(m.name) ?? null;
    const key = file ? `file:${file.length > MAX_KEY_PATH ? `${file.slice(0, MAX_KEY_PATH)}…${file.length}` : file}` : `catalog:${m.name}`;
    const hit = this.archCache.get(key);
    // A readable GGUF header wins: its tensor sizes make the weights exact.
    if (hit?.arch) return hit;
    const fromBackend = collector?.architectureOf?.(m.name);
    if (fromBackend) {
      if (file && !hit) this.resolveFile(key, file);
      return { arch: this.completeVocab(fromBackend, m.name), source: `${b.kind} model metadata`, weightsBytes: null, error: null };
    }
    if (hit) return hit;
    if (!file) {
      const r = this.resolver.fromCatalog(m.name);
      const entry = toEntry(r.ok ? { ok: true, value: r.value } : r, `built-in catalog`);
      if (!r.ok) entry.error = `cannot predict: ${m.name} reports no architecture and is not in the built-in catalog.`;
      this.archCache.set(key, entry);
      return entry;
    }
    this.resolveFile(key, file);
    return null;
  }

  /**
   * Ollama's `/api/show` leaves the token list out, so its vocabulary is only a lower bound (the
   * highest special-token id + 1: 151,646 for Qwen2.5, whose GGUF has 152,064 tokens). The logits
   * and output buffers scale with it; where the built-in catalog knows the same model (same
   * architecture, layers and width) its vocabulary is used, so the card and the Planner agree.
   * Cached per architecture object: the result keeps its identity from tick to tick.
   */
  private completeVocab(arch: ModelArchitecture, name: string): ModelArchitecture {
    if (!arch.provenance.vocabSize?.startsWith('lower bound')) return arch;
    const hit = this.vocabCompleted.get(arch);
    if (hit) return hit;
    let out = arch;
    const c = this.resolver.fromCatalog(name);
    if (c.ok) {
      const ca = c.value.architecture;
      const same = ca.architecture === arch.architecture && ca.layerCount === arch.layerCount && ca.embeddingLength === arch.embeddingLength;
      if (same && ca.vocabSize !== null && (arch.vocabSize === null || ca.vocabSize >= arch.vocabSize)) {
        out = { ...arch, vocabSize: ca.vocabSize, provenance: { ...arch.provenance, vocabSize: `built-in catalog (${ca.provenance.source ?? name}); the server gave only a lower bound (${arch.vocabSize ?? 'none'})` } };
      }
    }
    this.vocabCompleted.set(arch, out);
    return out;
  }

  /** Reads a GGUF header once, in the background; the result is used from a later tick on. */
  private resolveFile(key: string, file: string): void {
    // At most a few header reads at once (each is bounded in bytes and time): more wait for a later tick.
    if (this.pending.has(key) || this.archCache.has(key) || this.pending.size >= MAX_PENDING_READS) return;
    this.pending.add(key);
    void this.resolver.fromGgufFile(file).then((r) => {
      this.pending.delete(key);
      if (!r.ok) this.logger.warn(r.error.message);
      this.archCache.set(key, toEntry(r, `GGUF header of ${file}`));
    });
  }
}

/**
 * Predicted compute + output buffers at the model's current context (f16 KV, flash attention,
 * ubatch 512, one sequence): the same formula as the curve and the Planner (`llamaCppContextMemory`).
 */
function currentCompute(arch: ModelArchitecture, contextTokens: number, engineBuild: number | null): number | null {
  const mem = llamaCppContextMemory(arch, { contextTokens, engineBuild });
  return mem.ok ? mem.value.computeBytes : null;
}

/** Fills KV figures a backend does not report (llama.cpp) from the architecture and its slots. */
function withExactKv(m: LoadedModel, arch: ModelArchitecture, b: BackendReading): LoadedModel {
  if (m.kvCacheBytes !== null || m.contextLength === null) return m;
  const bpt = kvBytesPerToken(arch, 'f16');
  const build = engineBuildOf(b.kind, b.version)?.build ?? null;
  // A llama-server whose slots are not readable runs its default: 4 unified slots since b6830 (#16736).
  const dflt = b.kind === 'llamacpp' && m.slots === undefined ? llamaServerDefaultSlots(build) : null;
  const slots = Math.max(1, m.slots?.length ?? dflt?.parallel ?? 1);
  const unified = m.kvUnified === true || (m.kvUnified == null && dflt?.kvUnified === true);
  const kv = llamaCppKvCache(arch, {
    contextTokens: unified ? m.contextLength : m.contextLength * slots, parallel: slots, kvUnified: unified, cacheTypeK: 'f16', cacheTypeV: 'f16',
    flashAttention: true, ubatch: 512, engineBuild: build,
  });
  return {
    ...m,
    kvBytesPerToken: m.kvBytesPerToken ?? (bpt.ok ? bpt.value : null),
    kvCacheBytes: kv.ok ? kv.value.bytes : null,
    kvSource: m.kvSource ?? `memory model (${arch.architecture}, ${arch.layerCount} layers), f16 KV, ${slots} slot(s)${unified ? ' unified' : ''} (${b.kind})`,
  };
}

function toEntry(r: { ok: true; value: ResolvedModel } | { ok: false; error: { message: string } }, source: string): ArchEntry {
  return r.ok ? { arch: r.value.architecture, source, weightsBytes: r.value.weightsBytes, error: null } : { arch: null, source, weightsBytes: null, error: r.error.message };
}

/** The GPU that holds a backend's model: one with its process on it, else the largest. */
export function gpuFor(b: BackendReading, gpus: GpuReading[]): GpuReading {
  const owned = gpus.filter((g) => g.processes?.some((p) => p.backendId === b.id));
  const pool = owned.length ? owned : gpus;
  return pool.reduce((best, g) => (g.memoryTotalBytes > best.memoryTotalBytes ? g : best), pool[0]!);
}
