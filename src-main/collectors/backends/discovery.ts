/**
 * Finds LLM servers and tells their kind from how they answer, never from the port: Ollama's
 * "Ollama is running", llama.cpp's `/props` and error shapes, vLLM's `vllm:` metrics and
 * `owned_by: "vllm"`, LM Studio's `/api/v1|v0/models`, else any OpenAI-compatible `/v1/models`.
 * Stateless: the monitor re-runs `discoverBackends` (about every 30 s) for servers that come and go,
 * and `diffBackends` tells it which collectors to add, drop or replace (a port that changed kind).
 */
import type { BackendKind } from '../../../shared/model/snapshot';
import { hostPort, httpRequest, parseJson, type HttpResponse } from '../../util/http';
import { backendId } from '../types';
import { loadingMessage, llamaCppErrorSchema, llamaCppPropsSchema } from './llamacpp/llamacpp.parse';
import { lmStudioV0ListSchema, lmStudioV1ListSchema } from './lmstudio/lmstudio.parse';
import { openAiModelListSchema } from './openai/openai.parse';

/** The addresses probed by default: Ollama, vLLM, llama.cpp (8080 and the announced 9931), LM Studio. */
export const DEFAULT_DISCOVERY_URLS: readonly string[] = [
  'http://127.0.0.1:11434',
  'http://127.0.0.1:8000',
  'http://127.0.0.1:8080',
  'http://127.0.0.1:9931',
  'http://127.0.0.1:1234',
];

export interface IdentifyOptions {
  /** Per-request timeout. */
  timeoutMs: number;
  /** Sent as Bearer on every probe but `/` and `/health`, where the server is a configured one with a key. */
  apiKey?: string | null;
  signal?: AbortSignal;
}

/** Probe bodies are small; `/metrics` with vLLM's histograms is the largest. */
const PROBE_MAX_BYTES = 1024 * 1024;

/** The kind of server at `url`, or null when nothing (known) answers there. Never throws. */
export async function identifyBackend(url: string, options: IdentifyOptions): Promise<BackendKind | null> {
  const base = url.replace(/\/+$/, '');
  const get = (path: string, withKey: boolean) =>
    httpRequest(base + path, {
      timeoutMs: options.timeoutMs,
      maxBytes: PROBE_MAX_BYTES,
      signal: options.signal,
      headers: withKey && options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    });

  // One cheap request first: nothing listening (the common case for default ports) ends here.
  const root = await get('/', false);
  if (!root.ok) return null;
  if (root.status === 200 && root.text.startsWith('Ollama is running')) return 'ollama';

  const [health, props, metrics, lmV1, lmV0, models] = await Promise.all([
    get('/health', false),
    get('/props', true),
    get('/metrics', true),
    get('/api/v1/models', true),
    get('/api/v0/models', true),
    get('/v1/models', true),
  ]);
  return classify({ health, props, metrics, lmV1, lmV0, models });
}

interface Probes {
  health: HttpResponse;
  props: HttpResponse;
  metrics: HttpResponse;
  lmV1: HttpResponse;
  lmV0: HttpResponse;
  models: HttpResponse;
}

/** The decision, from the probe answers alone (exported for tests). */
export function classify(p: Probes): BackendKind | null {
  const owners = ownersOf(p.models);
  if (isLlamaCpp(p) || owners.has('llamacpp')) return 'llamacpp';
  if (metricsPrefix(p.metrics, 'vllm:') || owners.has('vllm') || isVllmUnauthorized(p)) return 'vllm';
  if (okJson(p.lmV1, (v) => lmStudioV1ListSchema.safeParse(v).success) || okJson(p.lmV0, (v) => lmStudioV0ListSchema.safeParse(v).success)) {
    return 'lmstudio';
  }
  // LM Studio with "Require Authentication": its own API path exists but refuses.
  if (p.lmV0.ok && p.lmV0.status === 401 && isJson(p.lmV0.text)) return 'lmstudio';
  if (okJson(p.models, (v) => openAiModelListSchema.safeParse(v).success)) return 'openai';
  if (p.models.ok && p.models.status === 401 && isJson(p.models.text)) return 'openai';
  return null;
}

function isLlamaCpp(p: Probes): boolean {
  if (okJson(p.props, (v) => {
    const props = llamaCppPropsSchema.safeParse(v);
    return props.success && (props.data.default_generation_settings !== undefined || props.data.total_slots !== undefined || props.data.role === 'router');
  })) {
    return true;
  }
  // With --api-key, llama.cpp refuses /props with its own error shape.
  if (p.props.ok && p.props.status === 401) {
    const body = parseJson(p.props.text);
    if (body.ok) {
      const parsed = llamaCppErrorSchema.safeParse(body.value);
      if (parsed.success && parsed.data.error.type === 'authentication_error') return true;
    }
  }
  // Still loading: /health answers 503 "Loading model".
  if (p.health.ok && p.health.status === 503) {
    const body = parseJson(p.health.text);
    if (body.ok && loadingMessage(body.value) !== null) return true;
  }
  return metricsPrefix(p.metrics, 'llamacpp:');
}

/** vLLM with --api-key: `{"error":"Unauthorized"}` on /v1/models, an empty 200 on /health. */
function isVllmUnauthorized(p: Probes): boolean {
  if (!p.models.ok || p.models.status !== 401 || !p.health.ok || p.health.status !== 200 || p.health.text.trim() !== '') return false;
  const body = parseJson(p.models.text);
  return body.ok && typeof body.value === 'object' && body.value !== null && (body.value as { error?: unknown }).error === 'Unauthorized';
}

function ownersOf(res: HttpResponse): Set<string> {
  const owners = new Set<string>();
  okJson(res, (v) => {
    const list = openAiModelListSchema.safeParse(v);
    if (list.success) for (const m of list.data.data) if (m.owned_by) owners.add(m.owned_by);
    return list.success;
  });
  return owners;
}

function metricsPrefix(res: HttpResponse, prefix: string): boolean {
  return res.ok && res.status === 200 && new RegExp(`^${prefix.replace(/[.:]/g, '\\$&')}`, 'm').test(res.text);
}

function okJson(res: HttpResponse, test: (value: unknown) => boolean): boolean {
  if (!res.ok || res.status !== 200) return false;
  const body = parseJson(res.text);
  return body.ok && test(body.value);
}

function isJson(text: string): boolean {
  return parseJson(text).ok;
}

export interface DiscoveryCandidate {
  url: string;
  /** Known kind (`--backend KIND=URL`): taken as is, not probed. */
  kind?: BackendKind | null;
  apiKey?: string | null;
}

export interface DiscoveredBackend {
  /** `<kind>@<host>:<port>` */
  id: string;
  kind: BackendKind;
  /** Base URL without a trailing slash. */
  url: string;
  apiKey: string | null;
}

export interface DiscoverOptions {
  timeoutMs: number;
  /** Also probe DEFAULT_DISCOVERY_URLS (false for `--no-discover`). Default true. */
  includeDefaults?: boolean;
  signal?: AbortSignal;
}

/**
 * Probes the configured candidates (and the default addresses) in parallel and returns every
 * server that answered, in candidate order, one per address. Several servers of one kind are
 * all returned. Never throws.
 */
export async function discoverBackends(candidates: readonly DiscoveryCandidate[], options: DiscoverOptions): Promise<DiscoveredBackend[]> {
  const all: DiscoveryCandidate[] = [...candidates];
  if (options.includeDefaults ?? true) all.push(...DEFAULT_DISCOVERY_URLS.map((url) => ({ url })));
  const seen = new Set<string>();
  const unique = all.filter((c) => {
    const key = hostPort(c.url.replace(/\/+$/, ''));
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const found = await Promise.all(
    unique.map(async (c): Promise<DiscoveredBackend | null> => {
      const url = c.url.replace(/\/+$/, '');
      const apiKey = c.apiKey ?? null;
      const kind = c.kind ?? (await identifyBackend(url, { timeoutMs: options.timeoutMs, apiKey, signal: options.signal }));
      return kind ? { id: backendId(kind, url), kind, url, apiKey } : null;
    }),
  );
  return found.filter((b): b is DiscoveredBackend => b !== null);
}

/**
 * What changed between two discovery rounds: servers to start polling, to stop polling, and
 * addresses whose kind changed (stop the old collector, start a new one).
 */
export function diffBackends(
  previous: readonly DiscoveredBackend[],
  next: readonly DiscoveredBackend[],
): { added: DiscoveredBackend[]; removed: DiscoveredBackend[]; changed: Array<{ from: DiscoveredBackend; to: DiscoveredBackend }> } {
  const byAddress = (list: readonly DiscoveredBackend[]) => new Map(list.map((b) => [hostPort(b.url), b]));
  const before = byAddress(previous);
  const after = byAddress(next);
  const added: DiscoveredBackend[] = [];
  const removed: DiscoveredBackend[] = [];
  const changed: Array<{ from: DiscoveredBackend; to: DiscoveredBackend }> = [];
  for (const [address, to] of after) {
    const from = before.get(address);
    if (!from) added.push(to);
    else if (from.kind !== to.kind) changed.push({ from, to });
  }
  for (const [address, from] of before) if (!after.has(address)) removed.push(from);
  return { added, removed, changed };
}
