import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeGguf } from '../../bench/accuracy/gguf-writer';
import { buildTinyModel, plainMetadata } from '../../bench/accuracy/tiny-models';
import { startFakeServer, type FakeServer } from '../../e2e/fakes/fake-http';
import type { GpuReading } from '../../shared/model/snapshot';
import { GiB } from '../../shared/units/bytes';
import { OllamaCollector } from '../collectors/backends/ollama/ollama.collector';
import { blobPathFromModelfile } from '../collectors/backends/ollama/ollama.parse';
import { silentLogger } from '../util/logger';
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
    (await import('node:fs')).mkdirSync(join(dir, 'blobs'));
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
  });
});
