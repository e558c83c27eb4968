/**
 * Architecture resolution for loaded models: Ollama `/api/show`, GGUF headers of local files,
 * Hugging Face `config.json`, and the built-in catalog. Results are cached by digest / path / key,
 * so the monitor never re-reads a model per tick.
 */
import { err, ok, type Result } from '../../shared/contract/result';
import type { ModelArchitecture } from '../../shared/estimator/architecture';
import { architectureFromGgufMetadata } from '../../shared/estimator/gguf-metadata';
import { architectureFromHfConfig } from '../../shared/estimator/hf-config';
import { weightsBytesFromTensors } from '../../shared/estimator/weights';
import { findCatalogModel } from './catalog';
import { GgufFileError, readGgufHeaderSafely } from './gguf-file';
import { LruMap } from './lru';

/** A fetch-compatible function (global `fetch` in production, anything in tests). */
export type FetchLike = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** Reads a GGUF header (metadata + tensor infos, no tensor data). */
export type GgufHeaderReader = (path: string) => Promise<{ metadata: Record<string, unknown>; tensorInfos: { name: string; shape: readonly bigint[]; dtype: number }[] }>;

/** A resolved model: the architecture, its source, and exact weight bytes when a file was read. */
export interface ResolvedModel {
  architecture: ModelArchitecture;
  source: 'ollama-show' | 'gguf-header' | 'hf-config' | 'catalog';
  /** Exact tensor bytes from a GGUF header, else null. */
  weightsBytes: number | null;
  /** GGUF / model_info metadata as read (for `estimate` requests). */
  metadata: Record<string, unknown> | null;
}

export interface ResolverOptions {
  fetch?: FetchLike;
  readGgufHeader?: GgufHeaderReader;
  timeoutMs?: number;
  /** Most resolved models kept (least recently used dropped first). Default 256. */
  cacheEntries?: number;
}

/**
 * Default header reader: regular files only, opened non-blocking, at most 48 MB of header in 5 s
 * (gguf-file.ts); anything else is refused with a sentence.
 */
export const readGgufHeaderFromFile: GgufHeaderReader = (path) => readGgufHeaderSafely(path);

/** Resolved models kept: bounded, least recently used dropped first (paths come from servers). */
export const RESOLVER_CACHE_ENTRIES = 256;

/** Resolves and caches model architectures. One instance per core; pass dependencies in. */
export class ModelResolver {
  private readonly cache: LruMap<string, Result<ResolvedModel>>;
  private readonly fetchFn: FetchLike;
  private readonly readHeader: GgufHeaderReader;
  private readonly timeoutMs: number;

  constructor(options: ResolverOptions = {}) {
    this.fetchFn = options.fetch ?? (fetch as unknown as FetchLike);
    this.readHeader = options.readGgufHeader ?? readGgufHeaderFromFile;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.cache = new LruMap(options.cacheEntries ?? RESOLVER_CACHE_ENTRIES);
  }

  /** Entries cached now (tests, diagnostics). */
  get cacheSize(): number {
    return this.cache.size;
  }

  /**
   * From Ollama `POST /api/show`. Asks again with `verbose: true` when arrays the estimator needs are
   * null. Cached by `digest` (from `/api/ps`) when given, else by base URL + name.
   */
  async fromOllama(baseUrl: string, model: string, digest?: string): Promise<Result<ResolvedModel>> {
    const key = `ollama:${digest ?? `${baseUrl}|${model}`}`;
    return this.cached(key, async () => {
      const first = await this.show(baseUrl, model, false);
      if (!first.ok) return first;
      let parsed = architectureFromGgufMetadata(first.value);
      if (!parsed.ok && /verbose/.test(parsed.error.message)) {
        const second = await this.show(baseUrl, model, true);
        if (!second.ok) return second;
        parsed = architectureFromGgufMetadata(second.value);
      }
      if (!parsed.ok) return err(parsed.error.code, `Ollama model ${model}: ${parsed.error.message}`);
      return ok({ architecture: parsed.value, source: 'ollama-show', weightsBytes: null, metadata: first.value });
    });
  }

  /** From the header of a local GGUF file (llama.cpp `/props` path, LM Studio folder, Ollama blob). Cached by path. */
  async fromGgufFile(path: string): Promise<Result<ResolvedModel>> {
    return this.cached(`gguf:${path}`, async () => {
      let header: Awaited<ReturnType<GgufHeaderReader>>;
      try {
        header = await this.readHeader(path);
      } catch (e) {
        // A refusal (not a regular file, truncated, not GGUF) is definite: cached, not retried each tick.
        if (e instanceof GgufFileError) return err(e.transient ? 'unavailable' : 'bad-request', `cannot read the header of the model file: ${e.message}`);
        return err('unavailable', `cannot read the header of the model file ${path.slice(0, 200)} (${(e as Error).message}). Is it a GGUF file?`);
      }
      const parsed = architectureFromGgufMetadata(header.metadata);
      if (!parsed.ok) return err(parsed.error.code, `GGUF ${path}: ${parsed.error.message}`);
      const w = weightsBytesFromTensors(header.tensorInfos.map((t) => ({ name: t.name, shape: t.shape, type: t.dtype })));
      return ok({ architecture: parsed.value, source: 'gguf-header', weightsBytes: w.ok ? w.value : null, metadata: header.metadata });
    });
  }

  /** From a Hugging Face config.json (vLLM). Cached by `key` (e.g. the served model name). */
  fromHfConfig(key: string, config: unknown): Result<ResolvedModel> {
    const hit = this.cache.get(`hf:${key}`);
    if (hit) return hit;
    const parsed = architectureFromHfConfig(config);
    const r: Result<ResolvedModel> = parsed.ok ? ok({ architecture: parsed.value, source: 'hf-config', weightsBytes: null, metadata: null }) : parsed;
    this.cache.set(`hf:${key}`, r);
    return r;
  }

  /** From the built-in catalog by name or alias. */
  fromCatalog(name: string): Result<ResolvedModel> {
    const entry = findCatalogModel(name);
    if (!entry) return err('bad-request', `model "${name}" is not in Headroom's catalog; pass a GGUF file or an Ollama model instead`);
    const parsed = architectureFromGgufMetadata(entry.modelInfo);
    if (!parsed.ok) return parsed;
    return ok({ architecture: { ...parsed.value, provenance: { ...parsed.value.provenance, source: `catalog:${entry.id}` } }, source: 'catalog', weightsBytes: null, metadata: entry.modelInfo });
  }

  private async cached(key: string, load: () => Promise<Result<ResolvedModel>>): Promise<Result<ResolvedModel>> {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const r = await load();
    // Cache successes and definite model errors, not transient network failures.
    if (r.ok || r.error.code === 'bad-request') this.cache.set(key, r);
    return r;
  }

  private async show(baseUrl: string, model: string, verbose: boolean): Promise<Result<Record<string, unknown>>> {
    const url = `${baseUrl.replace(/\/$/, '')}/api/show`;
    try {
      const res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(verbose ? { model, verbose: true } : { model }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const body = (await res.json().catch(() => null)) as { model_info?: unknown; error?: unknown } | null;
      if (!res.ok) {
        const why = body && typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
        return err(res.status === 404 ? 'bad-request' : 'unavailable', `Ollama at ${baseUrl}: /api/show ${model} failed: ${why}`);
      }
      if (!body || typeof body.model_info !== 'object' || body.model_info === null) {
        return err('unavailable', `Ollama at ${baseUrl}: /api/show ${model} has no model_info (Ollama older than 0.1.40?)`);
      }
      return ok(body.model_info as Record<string, unknown>);
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return err('timeout', `Ollama at ${baseUrl}: /api/show timed out after ${this.timeoutMs} ms. Is it busy loading?`);
      return err('unavailable', `Ollama at ${baseUrl}: ${(e as Error).message}. Is it running?`);
    }
  }
}
