import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../../e2e/fakes/fake-http';
import { architectureFromGgufMetadata } from '../../shared/estimator/gguf-metadata';
import { llamaCppKvCache } from '../../shared/estimator/kv-cache';
import { MODEL_CATALOG, findCatalogModel } from './catalog';
import { ModelResolver } from './resolver';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../../e2e/fixtures/backends/ollama', name), 'utf8'));

describe('catalog', () => {
  it.each(MODEL_CATALOG.map((e) => ({ id: e.id, entry: e })))('$id parses and sizes', ({ entry }) => {
    const a = architectureFromGgufMetadata(entry.modelInfo);
    if (!a.ok) throw new Error(a.error.message);
    expect(llamaCppKvCache(a.value, { contextTokens: 4096 }).ok).toBe(true);
  });
  it.each([
    { name: 'qwen2.5-coder:14b', id: 'qwen2.5-coder-14b' },
    { name: 'QWEN2.5-CODER:7B', id: 'qwen2.5-coder-7b' },
    { name: 'gpt-oss:20b', id: 'gpt-oss-20b' },
    { name: 'deepseek-r1:32b', id: 'deepseek-r1-distill-qwen-32b' },
    { name: 'llama3.1:8b:latest', id: 'llama-3.1-8b' },
    { name: 'not-a-model', id: undefined },
    { name: 'gemma3:27b', id: 'gemma-3-27b' },
  ])('finds $name', ({ name, id }) => expect(findCatalogModel(name)?.id).toBe(id));
  it('worked number: Qwen2.5-Coder-14B is 192 KiB/token at f16', () => {
    const a = architectureFromGgufMetadata(findCatalogModel('qwen2.5-coder:14b')?.modelInfo ?? {});
    if (!a.ok) throw new Error(a.error.message);
    const kv = llamaCppKvCache(a.value, { contextTokens: 4096 });
    expect(kv.ok && kv.value.bytes).toBe(768 * 2 ** 20);
  });
});

describe('ModelResolver.fromOllama (fake HTTP)', () => {
  let server: FakeServer;
  beforeAll(async () => {
    server = await startFakeServer({
      'POST /api/show': (req) => {
        const body = JSON.parse(req.body) as { model: string; verbose?: boolean };
        if (body.model === 'qwen2.5-coder:14b') return { body: fixture('show.qwen2.5-coder-14b.json') };
        if (body.model === 'deepseek-coder-v2') return { body: fixture('show.deepseek2.json') };
        if (body.model === 'gemma3') return { body: fixture('show.gemma3.json') };
        if (body.model === 'perlayer') {
          const kv = body.verbose ? [8, 8, 4, 4] : null;
          return { body: { model_info: { 'general.architecture': 'llama', 'llama.block_count': 4, 'llama.embedding_length': 4096, 'llama.attention.head_count': 32, 'llama.attention.head_count_kv': kv } } };
        }
        return { status: 404, body: fixture('show.error.not-found.json') };
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('reads model_info and caches by digest', async () => {
    const r = new ModelResolver();
    const a = await r.fromOllama(server.url, 'qwen2.5-coder:14b', 'sha256:abc');
    const b = await r.fromOllama(server.url, 'qwen2.5-coder:14b', 'sha256:abc');
    expect(a.ok && a.value.architecture.layerCount).toBe(48);
    expect(b).toBe(a);
    expect(server.requests.filter((q) => q.body.includes('qwen2.5-coder:14b'))).toHaveLength(1);
  });
  it('legacy deepseek2 and gemma3 SWA fixtures', async () => {
    const r = new ModelResolver();
    const ds = await r.fromOllama(server.url, 'deepseek-coder-v2');
    expect(ds.ok && ds.value.architecture.attention).toBe('mla-legacy');
    const g = await r.fromOllama(server.url, 'gemma3');
    expect(g.ok && g.value.architecture.slidingWindowTokens).toBe(1024);
  });
  it('asks again with verbose: true when arrays are null', async () => {
    const r = new ModelResolver();
    const a = await r.fromOllama(server.url, 'perlayer');
    expect(a.ok && a.value.architecture.layers.map((l) => l.headCountKv)).toEqual([8, 8, 4, 4]);
    const bodies = server.requests.filter((q) => q.body.includes('perlayer')).map((q) => JSON.parse(q.body));
    expect(bodies).toEqual([{ model: 'perlayer' }, { model: 'perlayer', verbose: true }]);
  });
  it('404 names the model', async () => {
    const a = await new ModelResolver().fromOllama(server.url, 'qwen2.5-coder:32b');
    expect(!a.ok && a.error.message).toMatch(/not found/);
  });
  it('connection refused is unavailable, not cached', async () => {
    const r = new ModelResolver({ timeoutMs: 1000 });
    const a = await r.fromOllama('http://127.0.0.1:1', 'x');
    expect(!a.ok && a.error.code).toBe('unavailable');
  });
});

describe('ModelResolver.fromGgufFile', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-gguf-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads metadata and exact tensor bytes through an injected reader, cached by path', async () => {
    let calls = 0;
    const r = new ModelResolver({
      readGgufHeader: async () => {
        calls++;
        return {
          metadata: { 'general.architecture': 'llama', 'llama.block_count': 2, 'llama.embedding_length': 256, 'llama.attention.head_count': 8 },
          tensorInfos: [{ name: 'token_embd.weight', shape: [256n, 1000n], dtype: 8 }],
        };
      },
    });
    const a = await r.fromGgufFile('/models/x.gguf');
    await r.fromGgufFile('/models/x.gguf');
    expect(a.ok && a.value.weightsBytes).toBe((256 * 1000 / 32) * 34);
    expect(calls).toBe(1);
  });
  it('a file that is not GGUF is a sentence, not a throw', async () => {
    const f = join(dir, 'bad.gguf');
    writeFileSync(f, 'not a gguf');
    const a = await new ModelResolver().fromGgufFile(f);
    expect(!a.ok && a.error.message).toMatch(/cannot read the header/);
  });
});

describe('ModelResolver.fromHfConfig / fromCatalog', () => {
  it('hf config cached by key; catalog miss is bad-request', () => {
    const r = new ModelResolver();
    const a = r.fromHfConfig('m', { model_type: 'qwen2', num_hidden_layers: 28, hidden_size: 3584, num_attention_heads: 28, num_key_value_heads: 4 });
    expect(a.ok && a.value.source).toBe('hf-config');
    expect(r.fromHfConfig('m', {})).toBe(a);
    const miss = r.fromCatalog('nope');
    expect(!miss.ok && miss.error.code).toBe('bad-request');
  });
});
