import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeGguf } from '../../bench/accuracy/gguf-writer';
import { buildTinyModel, plainMetadata } from '../../bench/accuracy/tiny-models';
import { startFakeServer, type FakeServer } from '../../e2e/fakes/fake-http';
import type { ModelArchitecture } from '../../shared/estimator/architecture';
import type { BackendReading, GpuReading, LoadedModel } from '../../shared/model/snapshot';
import type { BackendCollector } from '../collectors/types';
import { ModelResolver } from './resolver';
import { GiB } from '../../shared/units/bytes';
import { OllamaCollector } from '../collectors/backends/ollama/ollama.collector';
import { blobPathFromModelfile } from '../collectors/backends/ollama/ollama.parse';
import { silentLogger } from '../util/logger';
import { architectureFromGgufMetadata } from '../../shared/estimator/gguf-metadata';
import { PredictionService } from './predictions';

describe('blobPathFromModelfile', () => {
  it.each([
    { text: 'FROM /usr/share/ollama/.ollama/models/blobs/sha256-' + 'a'.repeat(64) + '\nTEMPLATE x', want: '/usr/share/ollama/.ollama/models/blobs/sha256-' + 'a'.repeat(64) },
    { text: 'FROM C:\\Users\\me\\.ollama\\models\\blobs\\sha256-' + 'b'.repeat(64), want: 'C:\\Users\\me\\.ollama\\models\\blobs\\sha256-' + 'b'.repeat(64) },
    { text: '# FROM qwen2.5-coder:14b\nFROM qwen2.5-coder:14b', want: null },
    { text: 'FROM ./relative/model.gguf', want: null },
    { text: 'FROM /models/my.gguf', want: '/models/my.gguf' },
    { text: '', want: null },
  ])('$text', ({ text, want }) => {
    expect(blobPathFromModelfile(text)).toBe(want);
  });
});

let dir: string | null = null;
let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('PredictionService', () => {
  it('uses the GGUF blob beside Ollama for exact weights, after /api/show gave the architecture', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-pred-'));
    const model = buildTinyModel({ name: 'tiny', arch: 'llama', layers: 4, embd: 256, heads: 8, kvHeads: 2, contextTrain: 8192 });
    const blob = join(dir, 'blobs', `sha256-${'c'.repeat(64)}`);
    mkdirSync(join(dir, 'blobs'));
    writeFileSync(blob, writeGguf(model.metadata, model.tensors));
    server = await startFakeServer({
      '/api/version': { body: { version: '0.12.6' } },
      '/api/ps': { body: { models: [{ name: 'tiny:latest', model: 'tiny:latest', size: 50_000_000, digest: 'd', size_vram: 50_000_000, context_length: 4096, details: {} }] } },
      'POST /api/show': { body: { model_info: plainMetadata(model), modelfile: `FROM ${blob}\n` } },
    });
    const collector = new OllamaCollector({ url: server.url, timeoutMs: 1000, logger: silentLogger });
    const gpus: GpuReading[] = [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: 8 * GiB, memoryUsedBytes: GiB, memoryFreeBytes: 7 * GiB, utilizationPct: null, temperatureC: null, powerWatts: null }];
    const service = new PredictionService(silentLogger);
    const reading = await collector.sample(AbortSignal.timeout(2000));
    expect(collector.modelFileOf('tiny:latest')).toBe(blob);
    const first = service.annotate({ backends: [reading], collectors: [collector], gpus, criticalPct: 90 });
    expect(first[0]!.models[0]!.prediction?.architectureSource).toBe('ollama model metadata');
    // The header is read in the background; a later tick has the exact weights.
    let later = first;
    for (let i = 0; i < 50 && later[0]!.models[0]!.prediction?.architectureSource === 'ollama model metadata'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      later = service.annotate({ backends: [reading], collectors: [collector], gpus, criticalPct: 90 });
    }
    const p = later[0]!.models[0]!.prediction!;
    expect(p.architectureSource).toBe(`GGUF header of ${blob}`);
    expect(p.weightsSource).toBe('exact, from the GGUF tensor sizes');
    const expected = model.tensors.reduce((sum, t) => sum + t.dims.reduce((a, d) => a * d, 1) * 4, 0);
    expect(p.weightsBytes).toBe(expected);
    // Ollama 0.12.6 runs its own engine: the card names the llama.cpp rules it allocates like.
    expect(p.ruleSet).toMatch(/^llama\.cpp b5900 rules \(Ollama 0\.12\.6: /);
  });

  it('a llama.cpp server\'s build_info selects that build\'s rules; no build → current rules, said so', () => {
    const llama = (version: string | null) => ({
      id: 'llamacpp@127.0.0.1:8080', kind: 'llamacpp' as const, url: 'http://127.0.0.1:8080', status: 'up' as const, message: null, version,
      models: [{ name: 'qwen', contextLength: 4000, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null }],
    });
    const gpus: GpuReading[] = [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: 24 * GiB, memoryUsedBytes: GiB, memoryFreeBytes: 23 * GiB, utilizationPct: null, temperatureC: null, powerWatts: null }];
    const collector = { id: 'llamacpp@127.0.0.1:8080', architectureOf: () => {
      const r = architectureFromGgufMetadata({ 'general.architecture': 'llama', 'llama.block_count': 32, 'llama.embedding_length': 4096, 'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8, 'llama.context_length': 131072 });
      return r.ok ? r.value : null;
    } } as unknown as BackendCollector;
    const service = new PredictionService(silentLogger);
    const old = service.annotate({ backends: [llama('b4615-aaaaaaa')], collectors: [collector], gpus, criticalPct: 90 })[0]!.models[0]!;
    expect(old.prediction?.ruleSet).toBe('llama.cpp b4615 rules (llama.cpp /props build_info b4615-aaaaaaa)');
    const cur = service.annotate({ backends: [llama(null)], collectors: [collector], gpus, criticalPct: 90 })[0]!.models[0]!;
    expect(cur.prediction?.ruleSet).toBe('current llama.cpp rules (llamacpp does not report its llama.cpp build)');
    // Slots not readable: llama-server's default — 1 slot before b6830 (#16736), 4 unified slots since.
    expect(old.kvSource).toMatch(/1 slot\(s\) \(llamacpp\)$/);
    expect(cur.kvSource).toMatch(/4 slot\(s\) unified \(llamacpp\)$/);
    expect(cur.kvCacheBytes).toBe(4096 * 32 * 8 * 128 * 2 * 2);
  });
});

describe('vLLM KV bytes', () => {
  const gpus: GpuReading[] = [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: 80 * GiB, memoryUsedBytes: 72 * GiB, memoryFreeBytes: 8 * GiB, utilizationPct: null, temperatureC: null, powerWatts: null }];
  const vllm = (name: string, dtype = 'auto') => ({
    id: 'vllm@127.0.0.1:8000', kind: 'vllm' as const, url: 'http://127.0.0.1:8000', status: 'up' as const, message: null, version: '0.11.0',
    models: [{ name, contextLength: 32768, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null, kvCacheCapacityTokens: 218_448, cacheConfig: { blockSize: 16, gpuBlocks: 13_653, cacheDtype: dtype, gpuMemoryUtilizationRatio: 0.9 } }],
  });

  it.each([
    { name: 'catalog match, 16-bit KV', model: 'Qwen/Qwen2.5-Coder-14B-Instruct', dtype: 'auto', bpt: 48 * 8 * 256 * 2 },
    { name: 'fp8 KV halves it', model: 'Qwen/Qwen2.5-Coder-14B-Instruct', dtype: 'fp8_e4m3', bpt: 48 * 8 * 256 },
  ])('$name', ({ model, dtype, bpt }) => {
    const out = new PredictionService(silentLogger).annotate({ backends: [vllm(model, dtype)], collectors: [], gpus, criticalPct: 90 });
    const m = out[0]!.models[0]!;
    expect(m.kvBytesPerToken).toBe(bpt);
    expect(m.kvCacheBytes).toBe(218_448 * bpt);
    expect(m.kvSource).toMatch(/vLLM paged KV pool: 218,448 tokens/);
  });

  it('reads config.json from the local Hugging Face cache', () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-hf-'));
    const snap = join(dir, 'models--acme--tiny-coder', 'snapshots', 'abc123');
    mkdirSync(snap, { recursive: true });
    writeFileSync(join(snap, 'config.json'), JSON.stringify({ model_type: 'llama', architectures: ['LlamaForCausalLM'], num_hidden_layers: 4, hidden_size: 512, num_attention_heads: 8, num_key_value_heads: 2, max_position_embeddings: 4096, vocab_size: 1000, intermediate_size: 1024 }));
    process.env.HF_HUB_CACHE = dir;
    try {
      const out = new PredictionService(silentLogger).annotate({ backends: [vllm('acme/tiny-coder')], collectors: [], gpus, criticalPct: 90 });
      expect(out[0]!.models[0]!.kvBytesPerToken).toBe(4 * 2 * 64 * 2 * 2);
      expect(out[0]!.models[0]!.kvSource).toContain('HF config');
    } finally {
      delete process.env.HF_HUB_CACHE;
    }
  });
});

describe('per-model prediction cache', () => {
  const gpu = (totalGiB: number): GpuReading[] => [
    { id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: totalGiB * GiB, memoryUsedBytes: GiB, memoryFreeBytes: (totalGiB - 1) * GiB, utilizationPct: null, temperatureC: null, powerWatts: null },
  ];
  const reading = (contextLength: number, extra: Partial<LoadedModel> = {}): BackendReading => ({
    id: 'ollama@127.0.0.1:11434', kind: 'ollama', url: 'http://127.0.0.1:11434', status: 'up', message: null, version: '0.12.6',
    models: [{ name: 'qwen2.5-coder:14b', contextLength, sizeBytes: 12 * GiB, vramBytes: 12 * GiB, kvBytesPerToken: null, kvCacheBytes: null, ...extra }],
  });
  const arch = () => {
    const r = new ModelResolver().fromCatalog('qwen2.5-coder:14b');
    if (!r.ok) throw new Error(r.error.message);
    return r.value.architecture;
  };
  /** A collector that reports the architecture the way Ollama's /api/show does. */
  const collector = (a: ModelArchitecture): BackendCollector => ({
    id: 'ollama@127.0.0.1:11434', kind: 'ollama', url: 'http://127.0.0.1:11434',
    sample: () => Promise.reject(new Error('not used')), dispose: () => undefined,
    architectureOf: () => a,
  });

  it('reuses the annotation while nothing it depends on changes (rates may change)', () => {
    const service = new PredictionService(silentLogger);
    const c = collector(arch());
    const first = service.annotate({ backends: [reading(8192)], collectors: [c], gpus: gpu(24), criticalPct: 90 });
    const second = service.annotate({ backends: [reading(8192, { requestsRunning: 3, generationTokensPerSecond: 41 })], collectors: [c], gpus: gpu(24), criticalPct: 90 });
    expect(service.computations).toBe(1);
    expect(second[0]!.models[0]!.prediction).toBe(first[0]!.models[0]!.prediction);
    expect(second[0]!.models[0]!.kvCacheBytes).toBe(first[0]!.models[0]!.kvCacheBytes);
    expect(second[0]!.models[0]!.requestsRunning).toBe(3);
  });

  it.each([
    { name: 'a changed body (another context length)', change: { context: 16384 }, check: (m: LoadedModel) => expect(m.prediction?.currentContextTokens).toBe(16384) },
    { name: 'a settings change (critical threshold)', change: { criticalPct: 80 }, check: (m: LoadedModel) => expect(m.prediction?.thresholdBytes).toBe(Math.floor(24 * GiB * 0.8)) },
    { name: 'a settings change (KV cache type)', change: { cacheType: 'q8_0' as const }, check: (m: LoadedModel) => expect(m.prediction?.currentCacheType).toBe('q8_0') },
    { name: 'another GPU size', change: { gpuGiB: 48 }, check: (m: LoadedModel) => expect(m.prediction?.gpuTotalBytes).toBe(48 * GiB) },
    { name: 'a reloaded model (new architecture object)', change: { reload: true }, check: (m: LoadedModel) => expect(m.prediction).not.toBeNull() },
  ])('recomputes after $name', ({ change, check }) => {
    const service = new PredictionService(silentLogger);
    const c = collector(arch());
    const base = { backends: [reading(8192)], collectors: [c], gpus: gpu(24), criticalPct: 90, cacheTypeOf: () => 'f16' as const };
    const before = service.annotate(base)[0]!.models[0]!;
    const next = {
      backends: [reading(change.context ?? 8192)],
      collectors: [change.reload ? collector(arch()) : c],
      gpus: gpu(change.gpuGiB ?? 24),
      criticalPct: change.criticalPct ?? 90,
      cacheTypeOf: () => change.cacheType ?? ('f16' as const),
    };
    const after = service.annotate(next)[0]!.models[0]!;
    expect(service.computations).toBe(2);
    expect(after.prediction).not.toBe(before.prediction);
    check(after);
  });

  it('hands out the same objects while the reading is unchanged, new ones once anything changes', () => {
    const service = new PredictionService(silentLogger);
    const c = collector(arch());
    const b = reading(8192);
    const first = service.annotate({ backends: [b], collectors: [c], gpus: gpu(24), criticalPct: 90 });
    // The same reading again (an idle server), and an equal copy of it: the very same objects.
    expect(service.annotate({ backends: [b], collectors: [c], gpus: gpu(24), criticalPct: 90 })[0]).toBe(first[0]);
    expect(service.annotate({ backends: [reading(8192)], collectors: [c], gpus: gpu(24), criticalPct: 90 })[0]!.models[0]).toBe(first[0]!.models[0]);
    // A rate that moved: a new model object with the new rate, the prediction still reused.
    const busy = service.annotate({ backends: [reading(8192, { requestsRunning: 2 })], collectors: [c], gpus: gpu(24), criticalPct: 90 })[0]!;
    expect(busy).not.toBe(first[0]);
    expect(busy.models[0]!.requestsRunning).toBe(2);
    expect(busy.models[0]!.prediction).toBe(first[0]!.models[0]!.prediction);
    // Another threshold: a new object with the new figures.
    const stricter = service.annotate({ backends: [reading(8192, { requestsRunning: 2 })], collectors: [c], gpus: gpu(24), criticalPct: 80 })[0]!.models[0]!;
    expect(stricter).not.toBe(busy.models[0]);
    expect(stricter.prediction?.thresholdBytes).toBe(Math.floor(24 * GiB * 0.8));
  });

  it('forgets an unloaded model: loading it again computes afresh', () => {
    const service = new PredictionService(silentLogger);
    const c = collector(arch());
    service.annotate({ backends: [reading(8192)], collectors: [c], gpus: gpu(24), criticalPct: 90 });
    service.annotate({ backends: [{ ...reading(8192), models: [] }], collectors: [c], gpus: gpu(24), criticalPct: 90 });
    service.annotate({ backends: [reading(8192)], collectors: [c], gpus: gpu(24), criticalPct: 90 });
    expect(service.computations).toBe(2);
  });
});
