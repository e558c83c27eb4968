import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { architectureFromGgufMetadata } from '../../shared/estimator/gguf-metadata';
import type { KvCacheType } from '../../shared/estimator/ggml-types';
import type { BackendReading, GpuReading } from '../../shared/model/snapshot';
import { GiB } from '../../shared/units/bytes';
import type { BackendCollector } from '../collectors/types';
import { silentLogger } from '../util/logger';
import { computePlan } from './plan';
import { PredictionService } from './predictions';
import { ModelResolver } from './resolver';

const repoRoot = join(__dirname, '..', '..');
const KV: KvCacheType[] = ['f16', 'q8_0', 'q4_0'];

function card(model: string, ctx: number, gpuGiB: number, criticalPct: number, version: string | null) {
  const backend: BackendReading = {
    id: 'llamacpp@127.0.0.1:8080', kind: 'llamacpp', url: 'http://127.0.0.1:8080', status: 'up', message: null, version,
    models: [{ name: model, contextLength: ctx, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null, quantization: 'Q4_K_M' }],
  };
  const gpus: GpuReading[] = [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: gpuGiB * GiB, memoryUsedBytes: GiB, memoryFreeBytes: (gpuGiB - 1) * GiB, utilizationPct: null, temperatureC: null, powerWatts: null }];
  const out = new PredictionService(silentLogger).annotate({ backends: [backend], collectors: [], gpus, criticalPct });
  return out[0]!.models[0]!.prediction!;
}

function plan(model: string, ctx: number, gpuGiB: number, criticalPct: number, engineBuild: number | null) {
  const resolved = new ModelResolver().fromCatalog(model);
  if (!resolved.ok) throw new Error(resolved.error.message);
  const r = computePlan(resolved.value, { gpuBytes: gpuGiB * GiB, model, gguf: null, quant: 'Q4_K_M', ctxTokens: ctx, kv: KV, users: 2, json: true, thresholdRatio: criticalPct / 100, engineBuild });
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('the Planner and a live model card agree', () => {
  it.each([
    { model: 'qwen2.5-coder:14b', ctx: 8192, gpu: 16, pct: 90, version: null, build: null },
    { model: 'qwen2.5-coder:14b', ctx: 32768, gpu: 24, pct: 85, version: 'b4615-aaaaaaa', build: 4615 },
    { model: 'gemma3:12b', ctx: 16384, gpu: 24, pct: 90, version: 'b6000-bbbbbbb', build: 6000 },
    { model: 'gemma3:12b', ctx: 131072, gpu: 48, pct: 95, version: null, build: null },
    { model: 'qwen3:8b', ctx: 4096, gpu: 12, pct: 80, version: null, build: null },
    { model: 'llama3.1:8b', ctx: 65536, gpu: 8, pct: 90, version: null, build: null },
  ])('$model at $ctx on $gpu GiB, critical $pct%, build $build', ({ model, ctx, gpu, pct, version, build }) => {
    const c = card(model, ctx, gpu, pct, version);
    const p = plan(model, ctx, gpu, pct, build);
    expect(p.thresholdBytes).toBe(c.thresholdBytes);
    expect(p.weightsBytes).toBe(c.weightsBytes);
    expect(p.overheadBytes).toBe(c.overheadBytes);
    expect(c.ruleSet).toContain(p.ruleSet);
    // Compute + output buffers at the running context: the card's figure is the Planner's.
    expect(p.atContext[0]!.computeBytes).toBe(c.currentComputeBytes);
    for (const row of p.atContext) {
      const curve = c.curves.find((x) => x.cacheType === row.cacheType)!;
      expect(row.largestContextTokens).toBe(curve.largestContextTokens);
      const point = curve.points.find((x) => x.contextTokens === ctx);
      expect(point, `the card's curve has a point at ${ctx}`).toBeDefined();
      expect(row.kvBytes).toBe(point!.kvBytes);
      expect(row.totalBytes).toBe(point!.totalBytes);
    }
    expect(p.concurrency).toEqual(c.concurrency);
  });

  it('the rule set changes the Planner as it changes a card (no sliding-window cache before b5380)', () => {
    const old = plan('gemma3:12b', 32768, 24, 90, 4615);
    const cur = plan('gemma3:12b', 32768, 24, 90, null);
    expect(old.ruleSet).toBe('llama.cpp b4615 rules');
    expect(cur.ruleSet).toBe('current llama.cpp rules');
    expect(old.atContext[0]!.kvBytes).toBeGreaterThan(4 * cur.atContext[0]!.kvBytes!);
  });
});

describe("a card from Ollama's metadata (vocabulary only a lower bound)", () => {
  it('takes the catalog vocabulary, so its compute buffers are the Planner\'s', () => {
    const show = JSON.parse(readFileSync(join(repoRoot, 'e2e/fixtures/backends/ollama/show.qwen2.5-coder-14b.json'), 'utf8')) as { model_info: Record<string, unknown> };
    const arch = architectureFromGgufMetadata(show.model_info);
    if (!arch.ok) throw new Error(arch.error.message);
    expect(arch.value.provenance.vocabSize).toMatch(/^lower bound/);
    const backend: BackendReading = {
      id: 'ollama@127.0.0.1:11434', kind: 'ollama', url: 'http://127.0.0.1:11434', status: 'up', message: null, version: '0.12.6',
      models: [{ name: 'qwen2.5-coder:14b', contextLength: 4096, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null }],
    };
    const collector = { id: backend.id, architectureOf: () => arch.value } as unknown as BackendCollector;
    const gpus: GpuReading[] = [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: 24 * GiB, memoryUsedBytes: GiB, memoryFreeBytes: 23 * GiB, utilizationPct: null, temperatureC: null, powerWatts: null }];
    const service = new PredictionService(silentLogger);
    const c = service.annotate({ backends: [backend], collectors: [collector], gpus, criticalPct: 90 })[0]!.models[0]!.prediction!;
    const p = plan('qwen2.5-coder:14b', 4096, 24, 90, null);
    expect(p.atContext[0]!.computeBytes).toBe(c.currentComputeBytes);
    // The completed architecture keeps its identity: the next tick reuses the annotation.
    const before = service.computations;
    service.annotate({ backends: [backend], collectors: [collector], gpus, criticalPct: 90 });
    expect(service.computations).toBe(before);
  });
});
