import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeRoute, type FakeServer } from '../../../../e2e/fakes/fake-http';
import { silentLogger } from '../../../util/logger';
import { OllamaCollector } from './ollama.collector';
import { basicKvBytesPerToken } from './ollama.parse';

const fx = (name: string): unknown => JSON.parse(readFileSync(join(__dirname, '../../../../e2e/fixtures/backends/ollama', name), 'utf8'));

let servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(routes: Record<string, FakeRoute>) {
  const s = await startFakeServer(routes);
  servers.push(s);
  return { server: s, collector: new OllamaCollector({ url: s.url, timeoutMs: 300, logger: silentLogger }) };
}

const healthy = () => ({
  '/api/version': { body: fx('version.json') },
  '/api/ps': { body: fx('ps.qwen2.5-coder-14b.json') },
  'POST /api/show': { body: fx('show.qwen2.5-coder-14b.json') },
});

describe('basicKvBytesPerToken', () => {
  it.each([
    { name: 'qwen2.5-coder 14b (48 × 8 × 128 × 2 × 2)', info: (fx('show.qwen2.5-coder-14b.json') as { model_info: Record<string, unknown> }).model_info, want: 196_608 },
    { name: 'llama3 8B from docs numbers', info: { 'general.architecture': 'llama', 'llama.block_count': 32, 'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8, 'llama.embedding_length': 4096 }, want: 131_072 },
    { name: 'no architecture', info: { 'llama.block_count': 32 }, want: null },
    { name: 'missing head count', info: { 'general.architecture': 'llama', 'llama.block_count': 32, 'llama.embedding_length': 4096 }, want: null },
    { name: 'zero layers', info: { 'general.architecture': 'llama', 'llama.block_count': 0, 'llama.attention.head_count': 32, 'llama.embedding_length': 4096 }, want: null },
    { name: 'per-layer array nulled (non-verbose)', info: { 'general.architecture': 'x', 'x.block_count': 4, 'x.attention.head_count': 8, 'x.attention.head_count_kv': null, 'x.embedding_length': 512 }, want: 4 * 8 * 64 * 2 * 2 },
    { name: 'hostile string values', info: { 'general.architecture': 'llama', 'llama.block_count': '32', 'llama.attention.head_count': 32, 'llama.embedding_length': 4096 }, want: null },
  ])('$name', ({ info, want }) => {
    expect(basicKvBytesPerToken(info)).toBe(want);
  });
});

describe('OllamaCollector', () => {
  it('reports the loaded model with KV figures', async () => {
    const { collector } = await serve(healthy());
    const r = await collector.sample(AbortSignal.timeout(2000));
    expect(r).toMatchObject({ kind: 'ollama', status: 'up', version: '0.12.6', message: null });
    expect(r.models).toEqual([
      expect.objectContaining({ name: 'qwen2.5-coder:14b', contextLength: 4096, sizeBytes: 10496212992, vramBytes: 10496212992, kvBytesPerToken: 196608, kvCacheBytes: 196608 * 4096, quantization: 'Q4_K_M' }),
    ]);
  });

  it('asks /api/show once per digest, not per tick', async () => {
    const { server, collector } = await serve(healthy());
    for (let i = 0; i < 3; i++) await collector.sample(AbortSignal.timeout(2000));
    expect(server.requests.filter((q) => q.path === '/api/show')).toHaveLength(1);
    expect(server.requests.filter((q) => q.path === '/api/version')).toHaveLength(1);
    expect(server.requests.filter((q) => q.path === '/api/ps')).toHaveLength(3);
  });

  it('asks /api/show again with verbose when per-layer arrays come back null (gemma4 sliding-window pattern)', async () => {
    const show = fx('show.docs-gemma4.json') as { model_info: Record<string, unknown> };
    const layers = show.model_info['gemma4.block_count'] as number;
    const verbose = { ...show, model_info: { ...show.model_info, 'gemma4.attention.sliding_window_pattern': Array.from({ length: layers }, (_, i) => (i + 1) % 6 !== 0) } };
    const ps = { models: [{ ...(fx('ps.qwen2.5-coder-14b.json') as { models: object[] }).models[0], name: 'gemma4', model: 'gemma4', digest: 'd4', context_length: 8192 }] };
    const { server, collector } = await serve({
      ...healthy(),
      '/api/ps': { body: ps },
      'POST /api/show': (req) => ({ body: JSON.parse(req.body).verbose ? verbose : show }),
    });
    const r = await collector.sample(AbortSignal.timeout(2000));
    expect(server.requests.filter((q) => q.path === '/api/show').map((q) => JSON.parse(q.body).verbose)).toEqual([false, true]);
    expect(collector.architectureOf('gemma4')?.slidingWindowTokens).toBeGreaterThan(0);
    expect(r.models[0]?.kvSource).toMatch(/memory model.*sliding window/);
    // Only full-attention layers grow with context: doubling the context adds exactly
    // bytesPerToken × 8192; the sliding-window layers stay at their window.
    const at8k = r.models[0]!.kvCacheBytes!;
    server.setRoute('/api/ps', { body: { models: [{ ...ps.models[0], context_length: 16384 }] } });
    const r16 = await collector.sample(AbortSignal.timeout(2000));
    expect(r16.models[0]!.kvCacheBytes! - at8k).toBe(r.models[0]!.kvBytesPerToken! * 8192);
    expect(at8k).toBeGreaterThan(r.models[0]!.kvBytesPerToken! * 8192);
  });

  it('old servers without context_length → unknown context, no KV cache figure', async () => {
    const { collector } = await serve({ ...healthy(), '/api/ps': { body: fx('ps.docs-mistral.json') } });
    const r = await collector.sample(AbortSignal.timeout(2000));
    expect(r.models[0]).toMatchObject({ name: 'mistral:latest', contextLength: null, kvCacheBytes: null });
  });

  it('partial offload keeps size and size_vram', async () => {
    const { collector } = await serve({ ...healthy(), '/api/ps': { body: fx('ps.partial-offload.json') } });
    const r = await collector.sample(AbortSignal.timeout(2000));
    expect(r.models[0]).toMatchObject({ sizeBytes: 16905166848, vramBytes: 11811160064, contextLength: 32768 });
  });

  it('nothing loaded → up with no models', async () => {
    const { collector } = await serve({ ...healthy(), '/api/ps': { body: fx('ps.empty.json') } });
    expect(await collector.sample(AbortSignal.timeout(2000))).toMatchObject({ status: 'up', models: [] });
  });

  it('issue 17.5: /api/version answering 404 (a proxy) → models still read, with a note', async () => {
    const { collector } = await serve({ ...healthy(), '/api/version': { status: 404, body: '404 page not found' } });
    const r = await collector.sample(AbortSignal.timeout(2000));
    expect(r).toMatchObject({ status: 'up', version: null });
    expect(r.models.map((m) => m.name)).toEqual(['qwen2.5-coder:14b']);
    expect(r.models[0]?.kvBytesPerToken).toBe(196_608);
    expect(r.message).toMatch(/version unknown \(\/api\/version answered HTTP 404: 404 page not found\)\.$/);
  });

  it('issue 17.7: slow /api/show answers do not hold the sample; details arrive on a later sample', async () => {
    const ps = fx('ps.qwen2.5-coder-14b.json') as { models: Array<Record<string, unknown>> };
    const four = { models: [0, 1, 2, 3].map((i) => ({ ...ps.models[0], name: `qwen-${i}`, model: `qwen-${i}`, digest: `d${i}` })) };
    const { collector } = await serve({ ...healthy(), '/api/ps': { body: four }, 'POST /api/show': { body: fx('show.qwen2.5-coder-14b.json'), delayMs: 250 } });
    const t0 = performance.now();
    const first = await collector.sample(AbortSignal.timeout(5000));
    const firstMs = performance.now() - t0;
    // Read one after another, four 250 ms answers held the sample for over a second.
    expect(firstMs).toBeLessThan(900);
    expect(first.models).toHaveLength(4);
    const slow = await serve({ ...healthy(), 'POST /api/show': { hang: true } });
    const t1 = performance.now();
    const hung = await slow.collector.sample(AbortSignal.timeout(5000));
    expect(performance.now() - t1).toBeLessThan(1500);
    expect(hung).toMatchObject({ status: 'up', models: [{ name: 'qwen2.5-coder:14b', kvBytesPerToken: null }] });
    collector.dispose();
    slow.collector.dispose();
  });

  it('show 404 → model still listed, message explains', async () => {
    const { collector } = await serve({ ...healthy(), 'POST /api/show': { status: 404, body: fx('show.error.not-found.json') } });
    const r = await collector.sample(AbortSignal.timeout(2000));
    expect(r.status).toBe('up');
    expect(r.models[0]?.kvBytesPerToken).toBeNull();
    expect(r.message).toMatch(/Model details for qwen2.5-coder:14b unavailable.*HTTP 404/);
  });

  it.each([
    { name: 'malformed JSON', route: { body: '{"models": [', contentType: 'application/json' }, status: 'error', msg: /malformed JSON/ },
    { name: 'wrong shape', route: { body: { models: [{ name: 5 }] } }, status: 'error', msg: /unexpected response shape/ },
    { name: 'HTTP 500', route: { status: 500, body: { error: 'runner crashed' } }, status: 'error', msg: /HTTP 500: runner crashed/ },
    { name: 'HTTP 401', route: { status: 401, body: { error: 'unauthorized' } }, status: 'unauthorized', msg: /needs an API key/ },
    { name: 'hang past timeout', route: { hang: true }, status: 'down', msg: /no answer within 300 ms/ },
    // Declared length: refused before any body is read (the streamed cap is tested in http/limits.test.ts, without a timing race on a busy machine).
    { name: '50 MB body', route: { body: 'x'.repeat(50 * 1024 * 1024), headers: { 'content-length': String(50 * 1024 * 1024) } }, status: 'error', msg: /over the .*-byte limit/ },
    { name: 'HTML instead of JSON', route: { body: '<html>hi</html>', contentType: 'text/html' }, status: 'error', msg: /Is this really Ollama/ },
  ])('/api/ps $name → $status', async ({ route, status, msg }) => {
    const { collector } = await serve({ ...healthy(), '/api/ps': route as FakeRoute });
    const r = await collector.sample(AbortSignal.timeout(5000));
    expect(r.status).toBe(status);
    expect(r.message).toMatch(msg);
    expect(r.models).toEqual([]);
  });

  it('sends a configured API key (for a proxy in front of Ollama), and none otherwise', async () => {
    const { server } = await serve(healthy());
    const keyed = new OllamaCollector({ url: server.url, timeoutMs: 300, logger: silentLogger, apiKey: 's3cret' });
    await keyed.sample(AbortSignal.timeout(2000));
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(expect.arrayContaining(['Bearer s3cret']));
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer s3cret')).toBe(true);
  });

  it('connection refused → down, "Is it running?"', async () => {
    const { server, collector } = await serve(healthy());
    await server.close();
    servers = [];
    const r = await collector.sample(AbortSignal.timeout(2000));
    expect(r).toMatchObject({ status: 'down', message: expect.stringMatching(/connection refused\. Is it running\?/) });
  });
});
