import { afterEach, describe, expect, it } from 'vitest';
import type { BackendKind } from '../../shared/model/snapshot';
import type { BackendCollector } from '../collectors/types';
import { silentLogger } from '../util/logger';
import { BackendDiscovery, defaultOllamaUrl } from './backend-discovery';

const made: string[] = [];
const createCollector = (kind: BackendKind, url: string): BackendCollector => {
  const id = `${kind}@${new URL(url).host}`;
  made.push(id);
  return { id, kind, url, sample: async () => ({ id, kind, url, status: 'up', message: null, version: null, models: [] }), dispose() {} };
};

let d: BackendDiscovery | null = null;
afterEach(() => {
  d?.dispose();
  d = null;
  made.length = 0;
});

describe('BackendDiscovery', () => {
  it('adds configured servers, detects a kind when none is given, finds defaults, follows a port changing kind, drops one that is gone', async () => {
    const answers = new Map<string, BackendKind | null>([
      ['http://10.0.0.2:9000', 'vllm'],
      ['http://127.0.0.1:11434', 'ollama'],
      ['http://127.0.0.1:8080', null],
    ]);
    d = new BackendDiscovery({
      configured: [
        { kind: 'llamacpp', url: 'http://10.0.0.1:8080', apiKey: null },
        { kind: null, url: 'http://10.0.0.2:9000', apiKey: 'k' },
      ],
      discover: true,
      timeoutMs: 100,
      logger: silentLogger,
      candidates: ['http://127.0.0.1:11434', 'http://127.0.0.1:8080'],
      createCollector,
      identify: async (url) => answers.get(url) ?? null,
    });
    await d.start();
    expect(d.list().map((c) => c.id).sort()).toEqual(['llamacpp@10.0.0.1:8080', 'ollama@127.0.0.1:11434', 'vllm@10.0.0.2:9000']);
    expect(d.sourceStatus()).toEqual([]);

    // :11434 now answers as LM Studio; :8080 starts a llama.cpp server.
    answers.set('http://127.0.0.1:11434', 'lmstudio');
    answers.set('http://127.0.0.1:8080', 'llamacpp');
    await (d as unknown as { probe(): Promise<void> }).probe();
    expect(d.list().map((c) => c.id).sort()).toEqual(['llamacpp@10.0.0.1:8080', 'llamacpp@127.0.0.1:8080', 'lmstudio@127.0.0.1:11434', 'vllm@10.0.0.2:9000']);

    // :8080 goes away: dropped after two rounds; configured servers are never dropped.
    answers.set('http://127.0.0.1:8080', null);
    await (d as unknown as { probe(): Promise<void> }).probe();
    expect(d.list().some((c) => c.id === 'llamacpp@127.0.0.1:8080')).toBe(true);
    await (d as unknown as { probe(): Promise<void> }).probe();
    expect(d.list().map((c) => c.id).sort()).toEqual(['llamacpp@10.0.0.1:8080', 'lmstudio@127.0.0.1:11434', 'vllm@10.0.0.2:9000']);
  });

  it('empty state names the addresses probed; an unidentifiable configured server says so', async () => {
    d = new BackendDiscovery({
      configured: [{ kind: null, url: 'http://10.9.9.9:1', apiKey: null }],
      discover: true,
      timeoutMs: 100,
      logger: silentLogger,
      candidates: ['http://127.0.0.1:11434'],
      createCollector,
      identify: async () => null,
    });
    await d.start();
    expect(d.sourceStatus().map((s) => s.message)).toEqual([
      expect.stringContaining('No known LLM server answers at 10.9.9.9:1'),
      'No LLM server found at 127.0.0.1:11434. Start one, or add one with --backend KIND=URL.',
    ]);
  });

  it.each([
    { env: {}, want: 'http://127.0.0.1:11434' },
    { env: { OLLAMA_HOST: '0.0.0.0' }, want: 'http://127.0.0.1:11434' },
    { env: { OLLAMA_HOST: '192.168.1.5:9999' }, want: 'http://192.168.1.5:9999' },
    { env: { OLLAMA_HOST: 'https://ollama.lan' }, want: 'https://ollama.lan:11434' },
  ])('defaultOllamaUrl($env)', ({ env, want }) => {
    expect(defaultOllamaUrl(env)).toBe(want);
  });
});
