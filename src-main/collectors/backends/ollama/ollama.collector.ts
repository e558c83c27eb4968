/**
 * Ollama: /api/version (once, then every few minutes), /api/ps each tick, /api/show once per
 * loaded model digest (cached). Every failure becomes a status with a sentence.
 */
import type { ModelArchitecture } from '../../../../shared/estimator/architecture';
import { parseKvCacheType, type KvCacheType } from '../../../../shared/estimator/ggml-types';
import { architectureFromGgufMetadata } from '../../../../shared/estimator/gguf-metadata';
import { kvBytesPerToken as kvBytesPerTokenExact, llamaCppKvCache } from '../../../../shared/estimator/kv-cache';
import { ollamaToLlamaCppOptions } from '../../../../shared/estimator/ollama';
import type { BackendReading, LoadedModel } from '../../../../shared/model/snapshot';
import { hostPort, httpRequest, parseJson, type HttpResponse } from '../../../util/http';
import { backendId, type BackendCollector, type BackendCollectorOptions } from '../../types';
import { existsSync } from 'node:fs';
import { BodyCache } from '../http/body-cache';
import type { z } from 'zod';
import { basicKvBytesPerToken, blobPathFromModelfile, parseWith, psSchema, type Parsed, showSchema, versionSchema, type ModelInfo, type OllamaPsModel } from './ollama.parse';

const VERSION_REFRESH_MS = 5 * 60_000;
const SHOW_RETRY_MS = 60_000;

interface ShowEntry {
  info: ModelInfo | null;
  architecture: ModelArchitecture | null;
  /** The GGUF blob, when it exists on this machine. */
  blobPath?: string | null;
  atMs: number;
  error: string | null;
}

/** Ollama's server-side KV settings, which its API does not report (env of the Ollama server). */
export interface OllamaKvAssumptions {
  /** `OLLAMA_NUM_PARALLEL` (default 1). */
  numParallel: number;
  /** `OLLAMA_KV_CACHE_TYPE` (default f16). */
  kvCacheType: KvCacheType;
}

/** Reads the assumptions from this process's environment (same machine as the Ollama server, usually). */
export function ollamaKvAssumptions(env: NodeJS.ProcessEnv = process.env): OllamaKvAssumptions {
  const n = Number(env.OLLAMA_NUM_PARALLEL);
  const t = parseKvCacheType(env.OLLAMA_KV_CACHE_TYPE ?? 'f16');
  return { numParallel: Number.isInteger(n) && n >= 1 && n <= 64 ? n : 1, kvCacheType: t.ok && ['f16', 'q8_0', 'q4_0'].includes(t.value) ? t.value : 'f16' };
}

export class OllamaCollector implements BackendCollector {
  readonly kind = 'ollama' as const;
  readonly id: string;
  readonly url: string;
  private version: string | null = null;
  private versionAtMs = 0;
  private readonly shows = new Map<string, ShowEntry>();
  private readonly where: string;

  private readonly kv: OllamaKvAssumptions;
  private readonly archByName = new Map<string, ModelArchitecture>();
  private readonly fileByName = new Map<string, string>();
  /** Parsed GET bodies, reused while a body is byte-identical to the last one (idle Ollama: every tick). */
  private readonly bodies = new BodyCache();
  /** The last validated /api/ps (by the identity of its parsed JSON), and the models built from each entry. */
  private lastPs: { raw: unknown; parsed: Parsed<z.infer<typeof psSchema>> } | null = null;
  private built = new Map<OllamaPsModel, { show: ShowEntry; model: LoadedModel }>();

  constructor(private readonly options: BackendCollectorOptions & { kv?: OllamaKvAssumptions }) {
    this.kv = options.kv ?? ollamaKvAssumptions();
    this.url = options.url.replace(/\/+$/, '');
    this.id = backendId('ollama', this.url);
    this.where = `Ollama at ${hostPort(this.url)}`;
  }

  /** The cached `/api/show` model_info for a digest (for the memory model), if fetched. */
  modelInfo(digest: string): ModelInfo | null {
    return this.shows.get(digest)?.info ?? null;
  }

  architectureOf(modelName: string): ModelArchitecture | null {
    return this.archByName.get(modelName) ?? null;
  }

  /** The model's GGUF blob when Headroom runs beside Ollama and can read it (exact weights). */
  modelFileOf(modelName: string): string | null {
    return this.fileByName.get(modelName) ?? null;
  }

  async sample(signal: AbortSignal): Promise<BackendReading> {
    const base = { id: this.id, kind: this.kind, url: this.url, version: this.version, models: [] as LoadedModel[] };
    const now = Date.now();
    if (!this.version || now - this.versionAtMs > VERSION_REFRESH_MS) {
      const v = await this.get('/api/version', signal);
      if (!v.ok) return { ...base, status: v.status, message: v.message };
      const parsed = parseWith(versionSchema, v.value);
      this.version = parsed.ok ? parsed.value.version : null;
      this.versionAtMs = now;
      base.version = this.version;
    }
    const ps = await this.get('/api/ps', signal);
    if (!ps.ok) return { ...base, status: ps.status, message: ps.message };
    // Same body as last tick → same parsed JSON object → no second zod walk.
    const parsed = this.lastPs && this.lastPs.raw === ps.value ? this.lastPs.parsed : parseWith(psSchema, ps.value);
    this.lastPs = { raw: ps.value, parsed };
    if (!parsed.ok) return { ...base, status: 'error', message: `${this.where}: /api/ps gave an ${parsed.message}.` };
    const models: LoadedModel[] = [];
    const notes: string[] = [];
    this.archByName.clear();
    this.fileByName.clear();
    const built = new Map<OllamaPsModel, { show: ShowEntry; model: LoadedModel }>();
    for (const m of parsed.value.models ?? []) {
      const show = await this.show(m, signal);
      if (show.error) notes.push(show.error);
      if (show.architecture) this.archByName.set(m.name, show.architecture);
      if (show.blobPath) this.fileByName.set(m.name, show.blobPath);
      // An unchanged entry with the same model details builds the same model: reuse it (KV figures included).
      const last = this.built.get(m);
      const model = last && last.show === show ? last.model : toLoadedModel(m, show.info, show.architecture, this.kv);
      built.set(m, { show, model });
      models.push(model);
    }
    this.built = built;
    this.forgetUnloaded(parsed.value.models ?? []);
    return { ...base, status: 'up', message: notes.length ? notes.join(' ') : null, models };
  }

  dispose(): void {
    this.shows.clear();
  }

  private async show(m: OllamaPsModel, signal: AbortSignal): Promise<ShowEntry> {
    const key = m.digest || m.name;
    const cached = this.shows.get(key);
    if (cached && (cached.info || Date.now() - cached.atMs < SHOW_RETRY_MS)) return cached;
    let entry = await this.fetchShow(m.name, false, signal);
    // Per-layer arrays (sliding-window pattern, per-layer KV heads) are null without verbose: ask once more.
    if (entry.info && !entry.architecture && Object.values(entry.info).some((v) => v === null)) {
      const verbose = await this.fetchShow(m.name, true, signal);
      if (verbose.info) entry = verbose;
    }
    this.shows.set(key, entry);
    return entry;
  }

  private async fetchShow(model: string, verbose: boolean, signal: AbortSignal): Promise<ShowEntry> {
    const r = await this.get('/api/show', signal, { model, verbose }, verbose ? 64 * 1024 * 1024 : undefined);
    if (!r.ok) return { info: null, architecture: null, atMs: Date.now(), error: `Model details for ${model} unavailable: ${r.message}` };
    const parsed = parseWith(showSchema, r.value);
    if (!parsed.ok) return { info: null, architecture: null, atMs: Date.now(), error: `${this.where}: /api/show for ${model} gave an ${parsed.message}.` };
    const arch = architectureFromGgufMetadata(parsed.value.model_info);
    const blob = blobPathFromModelfile(parsed.value.modelfile);
    return {
      info: parsed.value.model_info,
      architecture: arch.ok ? arch.value : null,
      blobPath: blob && existsSync(blob) ? blob : null,
      atMs: Date.now(),
      error: arch.ok ? null : `${model}: ${arch.error.message}.`,
    };
  }

  private forgetUnloaded(models: OllamaPsModel[]): void {
    const live = new Set(models.map((m) => m.digest || m.name));
    for (const key of this.shows.keys()) if (!live.has(key)) this.shows.delete(key);
  }

  private async get(
    path: string,
    signal: AbortSignal,
    postBody?: unknown,
    maxBytes?: number,
  ): Promise<{ ok: true; value: unknown } | { ok: false; status: 'down' | 'error' | 'unauthorized'; message: string }> {
    const res: HttpResponse = await httpRequest(`${this.url}${path}`, {
      timeoutMs: maxBytes ? Math.max(this.options.timeoutMs, 10_000) : this.options.timeoutMs,
      maxBytes,
      signal,
      method: postBody === undefined ? 'GET' : 'POST',
      body: postBody === undefined ? undefined : JSON.stringify(postBody),
      // Ollama has no auth of its own; a key is for a proxy in front of it (sent only when configured).
      headers: {
        ...(postBody === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
      },
    });
    if (!res.ok) {
      const hint = res.kind === 'refused' ? ' Is it running?' : res.kind === 'timeout' ? ' Is it overloaded or hung?' : '';
      return { ok: false, status: res.kind === 'too-large' ? 'error' : 'down', message: `${this.where}: ${path}: ${res.message}.${hint}` };
    }
    if (res.status === 401 || res.status === 403) {
      return { ok: false, status: 'unauthorized', message: `${this.where} needs an API key (HTTP ${res.status} on ${path}).` };
    }
    // GETs are polled every tick: an identical body reuses the parsed JSON (callers only read it).
    const json = postBody === undefined ? this.bodies.decode(`${res.status} ${path}`, res.text, parseJson, (j) => j.ok) : parseJson(res.text);
    if (res.status >= 400) {
      const detail = json.ok && typeof (json.value as { error?: unknown })?.error === 'string' ? (json.value as { error: string }).error : res.text.slice(0, 120);
      return { ok: false, status: 'error', message: `${this.where}: ${path} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}.` };
    }
    if (!json.ok) return { ok: false, status: 'error', message: `${this.where}: ${path} gave ${json.message}. Is this really Ollama?` };
    return { ok: true, value: json.value };
  }
}

/**
 * Maps one /api/ps entry (+ model_info and its resolved architecture) to the Snapshot's model.
 * KV figures come from the memory model (exact llama.cpp cell counts, sliding windows, per-layer
 * heads) for Ollama's `num_ctx × OLLAMA_NUM_PARALLEL` cells; without an architecture, from the
 * basic formula (f16, every layer full).
 */
export function toLoadedModel(m: OllamaPsModel, info: ModelInfo | null, arch: ModelArchitecture | null = null, kv: OllamaKvAssumptions = { numParallel: 1, kvCacheType: 'f16' }): LoadedModel {
  const contextLength = m.context_length ?? null;
  let kvBytesPerToken: number | null = null;
  let kvCacheBytes: number | null = null;
  let kvSource: string | null = null;
  if (arch) {
    const bpt = kvBytesPerTokenExact(arch, kv.kvCacheType);
    kvBytesPerToken = bpt.ok ? bpt.value : null;
    if (contextLength !== null) {
      const cache = llamaCppKvCache(arch, ollamaToLlamaCppOptions({ numCtx: contextLength, numParallel: kv.numParallel, kvCacheType: kv.kvCacheType }));
      kvCacheBytes = cache.ok ? cache.value.bytes : null;
    }
    kvSource = `memory model from Ollama /api/show (${arch.architecture}, ${arch.layerCount} layers${arch.slidingWindowTokens ? `, sliding window ${arch.slidingWindowTokens}` : ''}); ${kv.kvCacheType} KV × ${kv.numParallel} parallel (OLLAMA_KV_CACHE_TYPE / OLLAMA_NUM_PARALLEL as seen by Headroom)`;
  } else if (info) {
    kvBytesPerToken = basicKvBytesPerToken(info);
    kvCacheBytes = kvBytesPerToken !== null && contextLength !== null ? kvBytesPerToken * contextLength : null;
    kvSource = kvBytesPerToken !== null ? 'Ollama /api/show model_info, basic formula (f16 KV, all layers)' : null;
  }
  return {
    name: m.name,
    contextLength,
    sizeBytes: m.size,
    vramBytes: m.size_vram ?? null,
    kvBytesPerToken,
    kvCacheBytes,
    family: m.details?.family ?? (typeof info?.['general.architecture'] === 'string' ? (info['general.architecture'] as string) : null),
    parameterSize: m.details?.parameter_size ?? null,
    quantization: m.details?.quantization_level ?? null,
    kvSource,
  };
}

export function createOllamaCollector(options: BackendCollectorOptions & { kv?: OllamaKvAssumptions }): OllamaCollector {
  return new OllamaCollector(options);
}
