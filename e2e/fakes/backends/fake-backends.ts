/**
 * Scripted fake LLM servers for collector tests and e2e: each kind's routes replay the recorded
 * payloads in e2e/fixtures/backends/, with that kind's auth rule when an API key is set.
 * `startFakeBackend('vllm')` → a real HTTP server on 127.0.0.1 and a run-time port.
 */
import type { BackendKind } from '../../../shared/model/snapshot';
import { startFakeServer, type FakeReply, type FakeRequest, type FakeRoute, type FakeServer } from '../fake-http';
import { readFixture, readJsonFixture } from './fixtures';

export interface FakeBackendOptions {
  /** Require `Authorization: Bearer <apiKey>` on the paths this kind protects. */
  apiKey?: string;
  /** Which recorded moment to serve (kind-specific; see each routes function). */
  scene?: string;
  port?: number;
}

export interface FakeBackend extends FakeServer {
  kind: BackendKind;
  /** Swap every route for another kind's (a server that changes kind on the same port). */
  becomeKind(kind: BackendKind, options?: FakeBackendOptions): void;
}

const json = (body: unknown, status = 200): FakeReply => ({ status, body });
const text = (body: string, contentType = 'text/plain; version=0.0.4; charset=utf-8'): FakeReply => ({ body, contentType });

function guarded(apiKey: string | undefined, unauthorized: FakeReply, reply: FakeReply): FakeRoute {
  if (!apiKey) return reply;
  return (req: FakeRequest) => (req.headers.authorization === `Bearer ${apiKey}` ? reply : unauthorized);
}

/** vLLM: scenes `v1` (default), `v0` (old metric names), `dead` (/health 503). Auth on /v1/* only. */
export function vllmRoutes(options: FakeBackendOptions = {}): Record<string, FakeRoute> {
  const unauthorized = json(readJsonFixture('vllm/unauthorized.json'), 401);
  return {
    'GET /health': options.scene === 'dead' ? { status: 503, body: '' } : { status: 200, body: '' },
    'GET /version': json(readJsonFixture('vllm/version.json')),
    'GET /metrics': text(readFixture(options.scene === 'v0' ? 'vllm/metrics.v0.txt' : 'vllm/metrics.v1.txt')),
    'GET /v1/models': guarded(options.apiKey, unauthorized, json(readJsonFixture('vllm/models.json'))),
  };
}

/**
 * llama.cpp, replaying the real recordings of build b1-de3ff81: scenes `idle` (default),
 * `busy-first`, `busy-last`, `after`, `loading` (/health 503), `docs` (README examples, 2 busy slots),
 * `no-metrics` (/metrics 501). With a key, everything but /health and /v1/health needs it
 * (as the recorded build does).
 */
export function llamaCppRoutes(options: FakeBackendOptions = {}): Record<string, FakeRoute> {
  const rec = 'llamacpp/recorded-b1-de3ff81/qwen2-c8192/';
  const unauthorized = json(readJsonFixture('llamacpp/error.unauthorized.401.json'), 401);
  const scene = options.scene ?? 'idle';
  if (scene === 'loading') {
    const loading = json(JSON.parse(readFixture(`${rec}health.loading.json`)), 503);
    return { 'GET /health': loading, 'GET /v1/health': loading, 'GET /v1/models': loading, 'GET /props': loading, 'GET /slots': loading, 'GET /metrics': loading };
  }
  const moment = ['idle', 'busy-first', 'busy-last', 'after'].includes(scene) ? scene : 'idle';
  const props = scene === 'docs' ? readJsonFixture('llamacpp/props.json') : JSON.parse(readFixture(`${rec}props.${moment === 'after' ? 'after' : 'idle'}.json`));
  const slots = scene === 'docs' ? readJsonFixture('llamacpp/slots.json') : JSON.parse(readFixture(`${rec}slots.${moment}.json`));
  const models = scene === 'docs' ? readJsonFixture('llamacpp/models.json') : JSON.parse(readFixture(`${rec}v1-models.${moment === 'after' ? 'after' : 'idle'}.json`));
  const metrics: FakeReply =
    scene === 'no-metrics'
      ? json(readJsonFixture('llamacpp/error.metrics-disabled.501.json'), 501)
      : text(scene === 'docs' ? readFixture('llamacpp/metrics.txt') : readFixture(`${rec}metrics.${moment}.txt`));
  const ok = json({ status: 'ok' });
  return {
    'GET /health': ok,
    'GET /v1/health': ok,
    'GET /props': guarded(options.apiKey, unauthorized, json(props)),
    'GET /slots': guarded(options.apiKey, unauthorized, json(slots)),
    'GET /metrics': guarded(options.apiKey, unauthorized, metrics),
    'GET /v1/models': guarded(options.apiKey, unauthorized, json(models)),
    'GET /models': guarded(options.apiKey, unauthorized, json(models)),
  };
}

/** LM Studio: scenes `v1` (default: /api/v1 and /api/v0), `v0-only` (/api/v1 404). Auth on every path. */
export function lmStudioRoutes(options: FakeBackendOptions = {}): Record<string, FakeRoute> {
  const unauthorized = json({ error: { message: 'Invalid or missing API token', type: 'invalid_request_error' } }, 401);
  const routes: Record<string, FakeRoute> = {
    'GET /api/v0/models': guarded(options.apiKey, unauthorized, json(readJsonFixture('lmstudio/api-v0-models.loaded.json'))),
    'GET /v1/models': guarded(options.apiKey, unauthorized, json(readJsonFixture('lmstudio/openai-v1-models.json'))),
  };
  if (options.scene !== 'v0-only') {
    routes['GET /api/v1/models'] = guarded(options.apiKey, unauthorized, json(readJsonFixture('lmstudio/api-v1-models.docs.json')));
  }
  return routes;
}

/** A generic OpenAI-compatible server (here: Ollama's /v1/models list without Ollama's own API). */
export function openAiRoutes(options: FakeBackendOptions = {}): Record<string, FakeRoute> {
  const unauthorized = json({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }, 401);
  return { 'GET /v1/models': guarded(options.apiKey, unauthorized, json(readJsonFixture('openai/models.ollama-v1.json'))) };
}

/** Ollama's own API, enough for discovery (`GET /` and `/api/version`, `/api/ps`). */
export function ollamaRoutes(_options: FakeBackendOptions = {}): Record<string, FakeRoute> {
  return {
    'GET /': text('Ollama is running', 'text/plain; charset=utf-8'),
    'GET /api/version': json(readJsonFixture('ollama/version.json')),
    'GET /api/ps': json(readJsonFixture('ollama/ps.qwen2.5-coder-14b.json')),
    'GET /v1/models': json(readJsonFixture('openai/models.ollama-v1.json')),
  };
}

export const fakeRoutesFor: Record<BackendKind, (options?: FakeBackendOptions) => Record<string, FakeRoute>> = {
  ollama: ollamaRoutes,
  vllm: vllmRoutes,
  llamacpp: llamaCppRoutes,
  lmstudio: lmStudioRoutes,
  openai: openAiRoutes,
};

/** Starts a fake server of `kind` on 127.0.0.1 (run-time port unless `options.port`). */
export async function startFakeBackend(kind: BackendKind, options: FakeBackendOptions = {}): Promise<FakeBackend> {
  let routes = fakeRoutesFor[kind](options);
  const server = await startFakeServer(routes, options.port ?? 0);
  const backend: FakeBackend = Object.assign(server, {
    kind,
    becomeKind(next: BackendKind, nextOptions: FakeBackendOptions = {}) {
      for (const key of Object.keys(routes)) server.setRoute(key, undefined);
      routes = fakeRoutesFor[next](nextOptions);
      for (const [key, route] of Object.entries(routes)) server.setRoute(key, route);
      backend.kind = next;
    },
  });
  return backend;
}
