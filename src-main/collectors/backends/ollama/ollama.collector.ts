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
import { printable } from '../http/sanitize-reading';
import { BACKEND_MAX_BODY_BYTES } from '../http/backend-http';
import { DEFAULT_JSON_LIMITS, jsonLimitViolation, type JsonLimits } from '../http/json-limits';
import { basicKvBytesPerToken, blobPathFromModelfile, parseWith, psSchema, type Parsed, showSchema, versionSchema, type ModelInfo, type OllamaPsModel } from './ollama.parse';

const VERSION_REFRESH_MS = 5 * 60_000;
const SHOW_RETRY_MS = 60_000;
/** `/api/show` reads running at once: a list of thousands of new models must not hold the tick. */
const SHOWS_PER_TICK = 4;
/** Loaded models read per server (a real one holds a few; the Snapshot carries at most this many). */
export const MAX_OLLAMA_MODELS = 64;
const MAX_MODEL_NAME_CHARS = 512;
/** `/api/show?verbose` carries the tokenizer: arrays of 100k+ entries, but shallow. */
const VERBOSE_SHOW_LIMITS: JsonLimits = { maxDepth: 16, maxArrayItems: 2_000_000 };

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
  /** `/api/show` reads running, by digest. */
  private readonly showing = new Map<string, Promise<void>>();
  private verboseQueue: Promise<void> = Promise.resolve();
  private readonly lifetime = new AbortController();
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
    const notes: string[] = [];
    if (!this.version || now - this.versionAtMs > VERSION_REFRESH_MS) {
      const v = await this.get('/api/version', signal);
      // The version is a nicety: only a server that is gone or refuses the key stops the reading here.
      if (!v.ok && v.status !== 'error') return { ...base, status: v.status, message: v.message };
      const parsed = v.ok ? parseWith(versionSchema, v.value) : null;
      this.version = parsed?.ok ? parsed.value.version : null;
      this.versionAtMs = now;
      base.version = this.version;
      if (!v.ok) notes.push(`${this.where}: version unknown (${v.message.replace(`${this.where}: `, '').replace(/\.$/, '')}).`);
    }
    const ps = await this.get('/api/ps', signal);
    if (!ps.ok) return { ...base, status: ps.status, message: ps.message };
    // Same body as last tick → same parsed JSON object → no second zod walk.
    const parsed = this.lastPs && this.lastPs.raw === ps.value ? this.lastPs.parsed : parseWith(psSchema, ps.value);
    this.lastPs = { raw: ps.value, parsed };
    if (!parsed.ok) return { ...base, status: 'error', message: `${this.where}: /api/ps gave an ${parsed.message}.` };
    const models: LoadedModel[] = [];
    this.archByName.clear();
    this.fileByName.clear();
    const all = parsed.value.models ?? [];
    const listed = all.slice(0, MAX_OLLAMA_MODELS);
    if (all.length > listed.length) notes.push(`${this.where}: /api/ps lists ${all.length} loaded models; Headroom shows the first ${listed.length}.`);
    // Model details are read beside the tick: it waits for them at most one request timeout,
    // and a slow or hostile /api/show finishes (or fails) in the background for a later tick.
    const reads = listed.map((m) => this.startShow(m)).filter((p): p is Promise<void> => p !== null);
    if (reads.length) await within(Promise.all(reads), this.options.timeoutMs, signal);
    const built = new Map<OllamaPsModel, { show: ShowEntry; model: LoadedModel }>();
    for (const m of listed) {
      const show = this.shows.get(m.digest || m.name) ?? NO_DETAILS_YET;
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
    this.forgetUnloaded(listed);
    return { ...base, status: 'up', message: notes.length ? notes.join(' ') : null, models };
  }

  dispose(): void {
    this.lifetime.abort();
    this.shows.clear();
  }

  /**
   * Starts reading `/api/show` for `m` unless its details are cached (or failed less than a
   * minute ago) or SHOWS_PER_TICK reads are already running. Returns the read to wait for, or null.
   */
  private startShow(m: OllamaPsModel): Promise<void> | null {
    const key = m.digest || m.name;
    const cached = this.shows.get(key);
    if (cached && (cached.info || Date.now() - cached.atMs < SHOW_RETRY_MS)) return null;
    const running = this.showing.get(key);
    if (running) return running;
    if (this.showing.size >= SHOWS_PER_TICK) return null;
    // No real model name is this long: do not echo a hostile one back in a request body.
    if (m.name.length > MAX_MODEL_NAME_CHARS) {
      this.shows.set(key, { info: null, architecture: null, atMs: Date.now(), error: null });
      return null;
    }
    const read = this.readShow(m.name).then(
      (entry) => {
        if (!this.lifetime.signal.aborted) this.shows.set(key, entry);
      },
      () => undefined,
    );
    const tracked = read.finally(() => this.showing.delete(key));
    this.showing.set(key, tracked);
    return tracked;
  }

  private async readShow(model: string): Promise<ShowEntry> {
    const signal = this.lifetime.signal;
    const entry = await this.fetchShow(model, false, signal);
    // Per-layer arrays (sliding-window pattern, per-layer KV heads) are null without verbose: ask
    // once more. Verbose answers are large, so only one is read at a time.
    if (entry.info && !entry.architecture && Object.values(entry.info).some((v) => v === null)) {
      const verbose = this.verboseQueue.then(() => this.fetchShow(model, true, signal));
      this.verboseQueue = verbose.then(
        () => undefined,
        () => undefined,
      );
      const v = await verbose;
      if (v.info) return v;
    }
    return entry;
  }

  private async fetchShow(model: string, verbose: boolean, signal: AbortSignal): Promise<ShowEntry> {
    const r = await this.get('/api/show', signal, { model, verbose }, verbose ? 32 * 1024 * 1024 : undefined, verbose ? VERBOSE_SHOW_LIMITS : DEFAULT_JSON_LIMITS);
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
    limits: JsonLimits = DEFAULT_JSON_LIMITS,
  ): Promise<{ ok: true; value: unknown } | { ok: false; status: 'down' | 'error' | 'unauthorized'; message: string }> {
    const res: HttpResponse = await httpRequest(`${this.url}${path}`, {
      timeoutMs: maxBytes ? Math.max(this.options.timeoutMs, 10_000) : this.options.timeoutMs,
      maxBytes: maxBytes ?? BACKEND_MAX_BODY_BYTES,
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
      const status = res.kind === 'too-large' || res.kind === 'malformed' ? 'error' : 'down';
      return { ok: false, status, message: `${this.where}: ${path}: ${res.message}.${hint}` };
    }
    if (res.status === 401 || res.status === 403) {
      return { ok: false, status: 'unauthorized', message: `${this.where} needs an API key (HTTP ${res.status} on ${path}).` };
    }
    const violation = jsonLimitViolation(res.text, limits);
    if (res.status >= 400) {
      const json = violation || res.text.length > 16 * 1024 ? null : parseJson(res.text);
      const error = json?.ok ? (json.value as { error?: unknown } | null)?.error : undefined;
      const detail = typeof error === 'string' ? error.slice(0, 200) : printable(res.text.slice(0, 120));
      return { ok: false, status: 'error', message: `${this.where}: ${path} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}.` };
    }
    if (violation) return { ok: false, status: 'error', message: `${this.where}: the ${path} answer ${violation}. Is this really Ollama?` };
    // GETs are polled every tick: an identical body reuses the parsed JSON (callers only read it).
    const json = postBody === undefined ? this.bodies.decode(`${res.status} ${path}`, res.text, parseJson, (j) => j.ok) : parseJson(res.text);
    if (!json.ok) return { ok: false, status: 'error', message: `${this.where}: ${path} gave ${json.message}. Is this really Ollama?` };
    return { ok: true, value: json.value };
  }
}

const NO_DETAILS_YET: ShowEntry = { info: null, architecture: null, atMs: 0, error: null };

/** Waits for `work`, but no longer than `ms` or until `signal` aborts. Never rejects. */
async function within(work: Promise<unknown>, ms: number, signal: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work.then(() => undefined, () => undefined), stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
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
