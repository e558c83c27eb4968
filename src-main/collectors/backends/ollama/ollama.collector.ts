/**
 * Ollama: /api/version (once, then every few minutes), /api/ps each tick, /api/show once per
 * loaded model digest (cached). Every failure becomes a status with a sentence.
 */
import type { BackendReading, LoadedModel } from '../../../../shared/model/snapshot';
import { hostPort, httpRequest, parseJson, type HttpResponse } from '../../../util/http';
import { backendId, type BackendCollector, type BackendCollectorOptions } from '../../types';
import { basicKvBytesPerToken, parseWith, psSchema, showSchema, versionSchema, type ModelInfo, type OllamaPsModel } from './ollama.parse';

const VERSION_REFRESH_MS = 5 * 60_000;
const SHOW_RETRY_MS = 60_000;

interface ShowEntry {
  info: ModelInfo | null;
  atMs: number;
  error: string | null;
}

export class OllamaCollector implements BackendCollector {
  readonly kind = 'ollama' as const;
  readonly id: string;
  readonly url: string;
  private version: string | null = null;
  private versionAtMs = 0;
  private readonly shows = new Map<string, ShowEntry>();
  private readonly where: string;

  constructor(private readonly options: BackendCollectorOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.id = backendId('ollama', this.url);
    this.where = `Ollama at ${hostPort(this.url)}`;
  }

  /** The cached `/api/show` model_info for a digest (for the memory model), if fetched. */
  modelInfo(digest: string): ModelInfo | null {
    return this.shows.get(digest)?.info ?? null;
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
    const parsed = parseWith(psSchema, ps.value);
    if (!parsed.ok) return { ...base, status: 'error', message: `${this.where}: /api/ps gave an ${parsed.message}.` };
    const models: LoadedModel[] = [];
    const notes: string[] = [];
    for (const m of parsed.value.models ?? []) {
      const show = await this.show(m, signal);
      if (show.error) notes.push(show.error);
      models.push(toLoadedModel(m, show.info));
    }
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
    const r = await this.get('/api/show', signal, { model: m.name, verbose: false });
    let entry: ShowEntry;
    if (!r.ok) entry = { info: null, atMs: Date.now(), error: `Model details for ${m.name} unavailable: ${r.message}` };
    else {
      const parsed = parseWith(showSchema, r.value);
      entry = parsed.ok
        ? { info: parsed.value.model_info, atMs: Date.now(), error: null }
        : { info: null, atMs: Date.now(), error: `${this.where}: /api/show for ${m.name} gave an ${parsed.message}.` };
    }
    this.shows.set(key, entry);
    return entry;
  }

  private forgetUnloaded(models: OllamaPsModel[]): void {
    const live = new Set(models.map((m) => m.digest || m.name));
    for (const key of this.shows.keys()) if (!live.has(key)) this.shows.delete(key);
  }

  private async get(
    path: string,
    signal: AbortSignal,
    postBody?: unknown,
  ): Promise<{ ok: true; value: unknown } | { ok: false; status: 'down' | 'error' | 'unauthorized'; message: string }> {
    const res: HttpResponse = await httpRequest(`${this.url}${path}`, {
      timeoutMs: this.options.timeoutMs,
      signal,
      method: postBody === undefined ? 'GET' : 'POST',
      body: postBody === undefined ? undefined : JSON.stringify(postBody),
      headers: postBody === undefined ? undefined : { 'content-type': 'application/json' },
    });
    if (!res.ok) {
      const hint = res.kind === 'refused' ? ' Is it running?' : res.kind === 'timeout' ? ' Is it overloaded or hung?' : '';
      return { ok: false, status: res.kind === 'too-large' ? 'error' : 'down', message: `${this.where}: ${path}: ${res.message}.${hint}` };
    }
    if (res.status === 401 || res.status === 403) {
      return { ok: false, status: 'unauthorized', message: `${this.where} needs an API key (HTTP ${res.status} on ${path}).` };
    }
    const json = parseJson(res.text);
    if (res.status >= 400) {
      const detail = json.ok && typeof (json.value as { error?: unknown })?.error === 'string' ? (json.value as { error: string }).error : res.text.slice(0, 120);
      return { ok: false, status: 'error', message: `${this.where}: ${path} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}.` };
    }
    if (!json.ok) return { ok: false, status: 'error', message: `${this.where}: ${path} gave ${json.message}. Is this really Ollama?` };
    return { ok: true, value: json.value };
  }
}

/** Maps one /api/ps entry (+ optional model_info) to the Snapshot's model shape. */
export function toLoadedModel(m: OllamaPsModel, info: ModelInfo | null): LoadedModel {
  const kvBytesPerToken = info ? basicKvBytesPerToken(info) : null;
  const contextLength = m.context_length ?? null;
  return {
    name: m.name,
    contextLength,
    sizeBytes: m.size,
    vramBytes: m.size_vram ?? null,
    kvBytesPerToken,
    kvCacheBytes: kvBytesPerToken !== null && contextLength !== null ? kvBytesPerToken * contextLength : null,
    family: m.details?.family ?? (typeof info?.['general.architecture'] === 'string' ? (info['general.architecture'] as string) : null),
    parameterSize: m.details?.parameter_size ?? null,
    quantization: m.details?.quantization_level ?? null,
    kvSource: kvBytesPerToken !== null ? 'Ollama /api/show model_info (f16 KV, all layers)' : null,
  };
}

export function createOllamaCollector(options: BackendCollectorOptions): OllamaCollector {
  return new OllamaCollector(options);
}
