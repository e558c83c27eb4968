/**
 * One HTTP read of one backend endpoint, every failure turned into a value that says what went
 * wrong (transport, status, content type, shape). Shared by the vLLM, llama.cpp, LM Studio and
 * OpenAI-compatible collectors; the Bearer key is added only where the caller says the path needs it.
 */
import type { ZodType } from 'zod';
import { httpRequest, parseJson, type HttpFailureKind } from '../../../util/http';
import { prometheusLimitViolation } from '../vllm/prometheus-text.parse';
import type { BodyCache } from './body-cache';
import { DEFAULT_JSON_LIMITS, jsonLimitViolation, type JsonLimits } from './json-limits';

export type EndpointFailureKind =
  | HttpFailureKind
  | 'unauthorized'
  | 'not-found'
  | 'not-supported'
  | 'unavailable'
  | 'http-error'
  | 'wrong-content-type'
  | 'malformed';

export interface EndpointFailure {
  kind: EndpointFailureKind;
  path: string;
  /** HTTP status where one came back. */
  status: number | null;
  /** Short cause, without the server name ("connection refused", "HTTP 500"). */
  detail: string;
  /** The parsed JSON error body, where there was one (llama.cpp's 503 "Loading model"). */
  body?: unknown;
}

export type EndpointResult<T> = { ok: true; value: T; status: number } | { ok: false; failure: EndpointFailure };

/**
 * Body cap per backend response, counted after decompression. The largest real answers
 * (vLLM `/metrics` with many engines and adapters, an OpenAI-compatible proxy listing hundreds
 * of models) stay well under it; Ollama's verbose `/api/show` has its own, larger cap.
 */
export const BACKEND_MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface EndpointClient {
  /** Base URL without a trailing slash. */
  baseUrl: string;
  timeoutMs: number;
  apiKey?: string | null;
  maxBytes?: number;
  /** Successful answers of slow-changing endpoints, reused for `EndpointCall.maxAgeMs`. */
  cache?: Map<string, { atMs: number; text: string; status: number }>;
  /** Decoded JSON of the last body per path, reused while the body is byte-identical (body-cache.ts). */
  bodies?: BodyCache;
  now?: () => number;
}

export interface EndpointCall {
  /** Send `Authorization: Bearer <key>` (only when a key is configured). */
  withKey: boolean;
  signal?: AbortSignal;
  /**
   * Reuse a successful answer younger than this (endpoints that change only on a model reload,
   * such as llama.cpp `/props`): fewer requests per tick. Needs `client.cache`.
   */
  maxAgeMs?: number;
  /** Nesting and list-length limits the JSON body must keep (default DEFAULT_JSON_LIMITS). */
  jsonLimits?: JsonLimits;
}

/** GET a text endpoint (Prometheus `/metrics`, vLLM's empty `/health`). 2xx only. */
export async function getText(client: EndpointClient, path: string, call: EndpointCall): Promise<EndpointResult<string>> {
  const now = client.now ?? Date.now;
  if (call.maxAgeMs && client.cache) {
    const hit = client.cache.get(path);
    if (hit && now() - hit.atMs < call.maxAgeMs) return { ok: true, value: hit.text, status: hit.status };
  }
  const result = await fetchText(client, path, call);
  if (client.cache) {
    if (result.ok && call.maxAgeMs) client.cache.set(path, { atMs: now(), text: result.value, status: result.status });
    else client.cache.delete(path);
  }
  return result;
}

async function fetchText(client: EndpointClient, path: string, call: EndpointCall): Promise<EndpointResult<string>> {
  const res = await httpRequest(client.baseUrl + path, {
    timeoutMs: client.timeoutMs,
    maxBytes: client.maxBytes ?? BACKEND_MAX_BODY_BYTES,
    headers: headersFor(client, call.withKey),
    signal: call.signal,
  });
  if (!res.ok) return fail(res.kind, path, null, res.message);
  if (res.status < 200 || res.status > 299) return statusFailure(path, res.status, res.text);
  if (isHtml(res.contentType)) {
    return fail('wrong-content-type', path, res.status, `answered with ${mediaType(res.contentType)}, not plain text`);
  }
  return { ok: true, value: res.text, status: res.status };
}

/**
 * GET a Prometheus text endpoint (`/metrics`) and refuse, with a sentence, a body with more
 * lines or longer lines than any real server sends (a million series, one 4 MB line).
 */
export async function getPrometheusText(client: EndpointClient, path: string, call: EndpointCall): Promise<EndpointResult<string>> {
  const res = await getText(client, path, call);
  if (!res.ok) return res;
  // A body byte-identical to the last one that passed passes again: no second scan (issue 12).
  const violation = client.bodies
    ? client.bodies.decode(`limits ${res.status} ${path}`, res.value, (text) => prometheusLimitViolation(text), (v) => v === null)
    : prometheusLimitViolation(res.value);
  return violation ? fail('too-large', path, res.status, `response ${violation}`) : res;
}

/** GET a JSON endpoint and check its shape with `schema`. 2xx only. */
export async function getJson<T>(
  client: EndpointClient,
  path: string,
  schema: ZodType<T>,
  call: EndpointCall,
): Promise<EndpointResult<T>> {
  const res = await getText(client, path, call);
  if (!res.ok) return res;
  const decode = (text: string) => decodeJson(path, res.status, text, schema, call.jsonLimits);
  if (!client.bodies) return decode(res.value);
  return client.bodies.decode(`${res.status} ${path}`, res.value, decode, (r) => r.ok);
}

/**
 * Parses and validates a JSON body already read. Nesting and list lengths are checked first,
 * without recursion, so a 10⁵-deep or million-entry body is refused with a sentence before
 * `JSON.parse` or zod spend time (or stack) on it.
 */
export function decodeJson<T>(path: string, status: number, text: string, schema: ZodType<T>, limits: JsonLimits = DEFAULT_JSON_LIMITS): EndpointResult<T> {
  const violation = jsonLimitViolation(text, limits);
  if (violation) return fail('too-large', path, status, `response ${violation}`);
  const json = parseJson(text);
  if (!json.ok) {
    const looksJson = /^\s*[[{]/.test(text);
    return fail(looksJson ? 'malformed' : 'wrong-content-type', path, status, looksJson ? json.message : 'answered with something that is not JSON');
  }
  const parsed = schema.safeParse(json.value);
  if (!parsed.success) return fail('malformed', path, status, describeZodIssue(parsed.error.issues));
  return { ok: true, value: parsed.data, status };
}

/** "data.0.id: Invalid input: expected string, received number" */
export function describeZodIssue(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const first = issues[0];
  if (!first) return 'unexpected shape';
  const where = first.path.map(String).join('.');
  return where ? `${where}: ${first.message}` : first.message;
}

/** Error bodies are read only when small and plain (llama.cpp's `{"error":{…}}` is ~100 bytes). */
const MAX_ERROR_BODY_CHARS = 16 * 1024;

function statusFailure(path: string, status: number, text: string): { ok: false; failure: EndpointFailure } {
  const readable = text.length <= MAX_ERROR_BODY_CHARS && jsonLimitViolation(text, { maxDepth: 8, maxArrayItems: 64 }) === null;
  const body = readable ? parseJson(text) : { ok: false as const };
  const extra = body.ok ? { body: body.value } : {};
  const base = { path, status };
  if (status === 401 || status === 403) return { ok: false, failure: { ...base, kind: 'unauthorized', detail: `HTTP ${status}`, ...extra } };
  if (status === 404) return { ok: false, failure: { ...base, kind: 'not-found', detail: 'HTTP 404', ...extra } };
  if (status === 501) return { ok: false, failure: { ...base, kind: 'not-supported', detail: 'HTTP 501', ...extra } };
  if (status === 503) return { ok: false, failure: { ...base, kind: 'unavailable', detail: 'HTTP 503', ...extra } };
  return { ok: false, failure: { ...base, kind: 'http-error', detail: `HTTP ${status}`, ...extra } };
}

function fail(kind: EndpointFailureKind, path: string, status: number | null, detail: string): { ok: false; failure: EndpointFailure } {
  return { ok: false, failure: { kind, path, status, detail } };
}

const ACCEPT = 'application/json, text/plain;q=0.9, */*;q=0.5';
const PLAIN_HEADERS: Readonly<Record<string, string>> = Object.freeze({ accept: ACCEPT });
/** The headers with the key, per client (the same object every poll: the HTTP client caches the request it builds from it). */
const keyed = new WeakMap<EndpointClient, { apiKey: string; headers: Record<string, string> }>();

function headersFor(client: EndpointClient, withKey: boolean): Record<string, string> {
  if (!withKey || !client.apiKey) return PLAIN_HEADERS;
  const hit = keyed.get(client);
  if (hit && hit.apiKey === client.apiKey) return hit.headers;
  const headers = Object.freeze({ accept: ACCEPT, authorization: `Bearer ${client.apiKey}` });
  keyed.set(client, { apiKey: client.apiKey, headers });
  return headers;
}

function isHtml(contentType: string): boolean {
  return /text\/html|application\/xhtml/i.test(contentType);
}

function mediaType(contentType: string): string {
  return contentType.split(';')[0]?.trim() || 'an unknown content type';
}
