import { afterEach, describe, expect, it } from 'vitest';
import type { BackendKind } from '../../../shared/model/snapshot';
import { startFakeServer, type FakeRoute, type FakeServer } from '../../../e2e/fakes/fake-http';
import { startFakeBackend, type FakeBackendOptions } from '../../../e2e/fakes/backends/fake-backends';
import { refusedUrl } from '../../../e2e/fakes/backends/fault-replies';
import { silentLogger } from '../../util/logger';
import { createBackendCollector } from './create-backend-collector';
import { DEFAULT_DISCOVERY_URLS, diffBackends, discoverBackends, identifyBackend, type DiscoveredBackend } from './discovery';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function fake(kind: BackendKind, options: FakeBackendOptions = {}) {
  const server = await startFakeBackend(kind, options);
  servers.push(server);
  return server;
}

const timeoutMs = 500;

describe('identifyBackend', () => {
  it.each([
    { name: 'Ollama', kind: 'ollama', options: {}, key: null, want: 'ollama' },
    { name: 'vLLM', kind: 'vllm', options: {}, key: null, want: 'vllm' },
    { name: 'vLLM with --api-key, no key (public /metrics)', kind: 'vllm', options: { apiKey: 's' }, key: null, want: 'vllm' },
    { name: 'llama.cpp (recorded build)', kind: 'llamacpp', options: {}, key: null, want: 'llamacpp' },
    { name: 'llama.cpp while loading (503)', kind: 'llamacpp', options: { scene: 'loading' }, key: null, want: 'llamacpp' },
    { name: 'llama.cpp with --api-key, no key (error shape)', kind: 'llamacpp', options: { apiKey: 's' }, key: null, want: 'llamacpp' },
    { name: 'llama.cpp README shapes', kind: 'llamacpp', options: { scene: 'docs' }, key: null, want: 'llamacpp' },
    { name: 'LM Studio 0.4+', kind: 'lmstudio', options: {}, key: null, want: 'lmstudio' },
    { name: 'LM Studio before 0.4', kind: 'lmstudio', options: { scene: 'v0-only' }, key: null, want: 'lmstudio' },
    { name: 'LM Studio requiring a token, none given', kind: 'lmstudio', options: { apiKey: 't' }, key: null, want: 'lmstudio' },
    { name: 'LM Studio requiring a token, given', kind: 'lmstudio', options: { apiKey: 't' }, key: 't', want: 'lmstudio' },
    { name: 'generic OpenAI-compatible', kind: 'openai', options: {}, key: null, want: 'openai' },
  ] as const)('$name → $want', async ({ kind, options, key, want }) => {
    const server = await fake(kind, options);
    expect(await identifyBackend(server.url, { timeoutMs, apiKey: key })).toBe(want);
  });

  it.each<{ name: string; routes: Record<string, FakeRoute> }>([
    { name: 'a web server that is no LLM server', routes: { 'GET /': { body: '<html>hi</html>', contentType: 'text/html' } } },
    { name: 'HTML for every path', routes: { '/v1/models': { body: '<html></html>', contentType: 'text/html' }, '/': { body: '<html></html>', contentType: 'text/html' } } },
    { name: 'a server that hangs past the timeout', routes: { '/': { hang: true } } },
  ])('$name → null', async ({ routes }) => {
    const server = await startFakeServer(routes);
    servers.push(server);
    expect(await identifyBackend(server.url, { timeoutMs: 200 })).toBeNull();
  });

  it('connection refused → null after one request', async () => {
    const url = await refusedUrl(() => startFakeServer());
    expect(await identifyBackend(url, { timeoutMs })).toBeNull();
  });

  it('sends a configured key, but not to / and /health', async () => {
    const server = await fake('llamacpp', { apiKey: 'secret' });
    expect(await identifyBackend(server.url, { timeoutMs, apiKey: 'secret' })).toBe('llamacpp');
    const keyless = server.requests.filter((r) => !r.headers.authorization).map((r) => r.path).sort();
    expect(keyless).toEqual(['/', '/health']);
  });
});

describe('discoverBackends', () => {
  it('finds several servers, two of one kind, keeps configured kinds and keys, skips dead ones', async () => {
    const a = await fake('llamacpp');
    const b = await fake('llamacpp', { scene: 'docs' });
    const v = await fake('vllm', { apiKey: 'k' });
    const dead = await refusedUrl(() => startFakeServer());
    const found = await discoverBackends(
      [{ url: `${a.url}/` }, { url: b.url }, { url: v.url, apiKey: 'k' }, { url: dead }, { url: dead, kind: 'ollama' }, { url: a.url }],
      { timeoutMs, includeDefaults: false },
    );
    expect(found).toEqual([
      { id: `llamacpp@127.0.0.1:${a.port}`, kind: 'llamacpp', url: a.url, apiKey: null },
      { id: `llamacpp@127.0.0.1:${b.port}`, kind: 'llamacpp', url: b.url, apiKey: null },
      { id: `vllm@127.0.0.1:${v.port}`, kind: 'vllm', url: v.url, apiKey: 'k' },
    ]);
  });

  it('probes the default ports unless told not to', () => {
    expect(DEFAULT_DISCOVERY_URLS.map((u) => new URL(u).port)).toEqual(['11434', '8000', '8080', '9931', '1234']);
  });

  it('re-run: a server that changes kind on the same port is seen as changed', async () => {
    const server = await fake('vllm');
    const first = await discoverBackends([{ url: server.url }], { timeoutMs, includeDefaults: false });
    server.becomeKind('lmstudio');
    const second = await discoverBackends([{ url: server.url }], { timeoutMs, includeDefaults: false });
    expect(first.map((b) => b.kind)).toEqual(['vllm']);
    expect(diffBackends(first, second)).toMatchObject({ added: [], removed: [], changed: [{ from: { kind: 'vllm' }, to: { kind: 'lmstudio' } }] });
  });
});

describe('diffBackends', () => {
  const b = (kind: BackendKind, port: number): DiscoveredBackend => ({ id: `${kind}@127.0.0.1:${port}`, kind, url: `http://127.0.0.1:${port}`, apiKey: null });
  it.each([
    { name: 'nothing changed', prev: [b('vllm', 1)], next: [b('vllm', 1)], want: { added: [], removed: [], changed: [] } },
    { name: 'a server appeared', prev: [], next: [b('vllm', 1)], want: { added: [b('vllm', 1)], removed: [], changed: [] } },
    { name: 'a server went away', prev: [b('vllm', 1), b('ollama', 2)], next: [b('ollama', 2)], want: { added: [], removed: [b('vllm', 1)], changed: [] } },
    { name: 'kind changed', prev: [b('vllm', 1)], next: [b('llamacpp', 1)], want: { added: [], removed: [], changed: [{ from: b('vllm', 1), to: b('llamacpp', 1) }] } },
  ])('$name', ({ prev, next, want }) => {
    expect(diffBackends(prev, next)).toEqual(want);
  });
});

describe('createBackendCollector', () => {
  it.each(['ollama', 'vllm', 'llamacpp', 'lmstudio', 'openai'] as const)('%s', (kind) => {
    const c = createBackendCollector(kind, { url: 'http://127.0.0.1:1/', timeoutMs: 100, logger: silentLogger });
    expect(c).toMatchObject({ kind, id: `${kind}@127.0.0.1:1` });
    c.dispose();
  });
});
