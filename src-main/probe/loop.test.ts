import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeReport } from '../../shared/contract/probe';
import type { GpuReading } from '../../shared/model/snapshot';
import { GiB } from '../../shared/units/bytes';
import { startFakeOllamaProbe, scriptedLoad, scriptedSpeed, type FakeOllamaProbe, type OllamaProbeScript } from '../../e2e/fakes/backends/ollama-probe';
import { OllamaProbeDriver } from './drivers/ollama.driver';
import { GpuWatchHub } from './gpu-watch';
import { runProbe, type ProbeSettings } from './loop';

const reading = (used: number, total: number): GpuReading => ({
  id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'Fake GPU', uuid: null, memoryTotalBytes: total, memoryUsedBytes: used, memoryFreeBytes: Math.max(0, total - used),
  utilizationPct: null, temperatureC: null, powerWatts: null,
});

let fake: FakeOllamaProbe | null = null;
let ticker: NodeJS.Timeout | null = null;
afterEach(async () => {
  if (ticker) clearInterval(ticker);
  ticker = null;
  await fake?.close();
  fake = null;
});

/** The fake Ollama plus a GPU stream that reads its memory every 10 ms (like nvidia-smi -lms). */
async function setup(script: Partial<OllamaProbeScript> = {}) {
  const hub = new GpuWatchHub();
  let used = 0;
  fake = await startFakeOllamaProbe(script, (b) => (used = b));
  const total = fake.script.gpuTotalBytes;
  hub.push([reading(used, total)]);
  ticker = setInterval(() => hub.push([reading(used, total)]), 10);
  return { hub, fake };
}

const settings = (over: Partial<ProbeSettings> = {}): ProbeSettings => ({
  fromTokens: 4096, toTokens: null, kvTypes: ['f16'], stopAtPct: 90, minTokensPerSecond: 5, generateTokens: 32, gpuId: null, ...over,
});

async function probe(f: FakeOllamaProbe, hub: GpuWatchHub, s: ProbeSettings, onUpdate?: (r: ProbeReport, abort: () => void) => void) {
  const abort = new AbortController();
  return runProbe({
    id: 'test', driver: new OllamaProbeDriver({ url: f.url, model: f.script.model }), backend: { kind: 'ollama', url: f.url }, model: f.script.model,
    settings: s, gpu: hub, signal: abort.signal, settleMs: 500, ...(onUpdate ? { onUpdate: (r: ProbeReport) => onUpdate(r, () => abort.abort()) } : {}),
  });
}

describe('probe step loop against the scripted fake Ollama', () => {
  it('steps the context up, stops at the VRAM threshold, reloads the previous context; figures match the script', async () => {
    const { hub, fake } = await setup();
    const r = await probe(fake, hub, settings());
    expect(r.plannedContexts).toEqual([4096, 8192, 16384, 32768, 65536, 131072]);
    expect(r.steps.map((s) => s.contextTokens)).toEqual([4096, 8192, 16384, 32768, 65536]);
    expect(r.status).toBe('stopped');
    expect(r.stopReason).toMatch(/^VRAM reached 9\d% \(threshold 90%\) at 65,536 tokens$/);
    for (const step of r.steps) {
      const want = scriptedLoad(fake.script, step.contextTokens);
      expect(step.sizeBytes).toBe(want.sizeBytes);
      expect(step.sizeVramBytes).toBe(want.sizeVramBytes);
      expect(step.peakVramBytes).toBe(want.gpuUsedBytes);
      expect(step.isSpilled).toBe(false);
      // The filler is calibrated to the server's own count: the prompt fills ~95% of the context.
      expect(step.promptTokens! / step.targetPromptTokens).toBeGreaterThan(0.97);
      expect(step.promptTokens!).toBeLessThanOrEqual(step.contextTokens);
      const speed = scriptedSpeed(fake.script, step.contextTokens, step.promptTokens!, false);
      expect(step.tokensPerSecond!).toBeCloseTo(speed.generation, 1);
      expect(step.ttftMs!).toBeCloseTo((step.promptTokens! / speed.prefill) * 1000 + 1000 / speed.generation, 0);
      // The memory model (estimated weights) against the measured: within 10% for this script.
      expect(Math.abs(step.predictionErrorPct!)).toBeLessThan(10);
    }
    expect(r.largestUsableContextTokens).toBe(32768);
    expect(r.kneeContextTokens).toBe(16384);
    expect(r.restore).toEqual({ ok: true, message: expect.stringContaining('reloaded qwen2.5-coder:14b at 4,096 tokens') });
    expect(fake.loaded()).toEqual([{ model: 'qwen2.5-coder:14b', contextLength: 4096 }]);
    expect(r.predicted[0]!.points.map((p) => p.contextTokens)).toEqual(r.plannedContexts);
  });

  it('stops at the first spill and unloads the model it loaded', async () => {
    const { hub, fake } = await setup({ gpuTotalBytes: 16 * GiB, preloaded: null });
    const r = await probe(fake, hub, settings({ stopAtPct: 100, fromTokens: 32768 }));
    const last = r.steps.at(-1)!;
    expect(last.isSpilled).toBe(true);
    expect(last.sizeVramBytes).toBe(scriptedLoad(fake.script, 32768).sizeVramBytes);
    // Spilled: no full prompt is pushed through a model half on the CPU.
    expect(last.ttftMs).toBeNull();
    expect(r.stopReason).toMatch(/^the model spilled out of VRAM at 32,768 tokens \(\d+% of the model in system RAM\)$/);
    expect(r.largestUsableContextTokens).toBeNull();
    expect(r.restore?.message).toContain('unloaded qwen2.5-coder:14b, which the probe had loaded');
    expect(fake.loaded()).toEqual([]);
  });

  it('records an out-of-memory load as the outcome and stops', async () => {
    const { hub, fake } = await setup({ gpuTotalBytes: 12 * GiB, spillRamBytes: 0, preloaded: null });
    const r = await probe(fake, hub, settings({ stopAtPct: 100 }));
    const last = r.steps.at(-1)!;
    expect(last.outcome).toBe('oom');
    expect(last.message).toContain('out of memory');
    expect(r.stopReason).toMatch(/^out of memory at \d[\d,]* tokens: llama runner process has terminated/);
    expect(fake.loaded()).toEqual([]);
  });

  it('stops when generation falls below the speed floor', async () => {
    const { hub, fake } = await setup({ gpuTotalBytes: 48 * GiB });
    const r = await probe(fake, hub, settings({ minTokensPerSecond: 30 }));
    expect(r.steps.map((s) => s.contextTokens)).toEqual([4096, 8192, 16384]);
    expect(r.stopReason).toMatch(/^generation fell to 28\.\d tokens\/s \(floor 30\) at 16,384 tokens$/);
    expect(r.largestUsableContextTokens).toBe(8192);
  });

  it('a cancel stops after the current request and still restores the server', async () => {
    const { hub, fake } = await setup({ gpuTotalBytes: 48 * GiB, stepDelayMs: 50 });
    const r = await probe(fake, hub, settings(), (rep, abort) => {
      if (rep.steps.length === 2) abort();
    });
    expect(r.status).toBe('cancelled');
    expect(r.stopReason).toBe('cancelled by the user');
    expect(r.steps.length).toBeLessThanOrEqual(3);
    expect(fake.loaded()).toEqual([{ model: 'qwen2.5-coder:14b', contextLength: 4096 }]);
  });

  it('an unknown model fails with a sentence and changes nothing', async () => {
    const { hub, fake } = await setup();
    const abort = new AbortController();
    const r = await runProbe({ id: 't', driver: new OllamaProbeDriver({ url: fake.url, model: 'nope:1b' }), backend: { kind: 'ollama', url: fake.url }, model: 'nope:1b', settings: settings(), gpu: hub, signal: abort.signal });
    expect(r.status).toBe('failed');
    expect(r.stopReason).toContain('model "nope:1b" not found. Pull it first');
    expect(r.steps).toEqual([]);
    expect(fake.loaded()).toEqual([{ model: 'qwen2.5-coder:14b', contextLength: 4096 }]);
  });

  it('a server that is not running fails with a sentence', async () => {
    const hub = new GpuWatchHub();
    const r = await runProbe({ id: 't', driver: new OllamaProbeDriver({ url: 'http://127.0.0.1:9', model: 'm' }), backend: { kind: 'ollama', url: 'http://127.0.0.1:9' }, model: 'm', settings: settings(), gpu: hub, signal: new AbortController().signal });
    expect(r.status).toBe('failed');
    expect(r.stopReason).toBe('Ollama at 127.0.0.1:9: connection refused. Is it running?');
  });
});

describe('stop before harm', () => {
  it('does not load a context the measured growth puts past the GPU total', async () => {
    const { hub, fake } = await setup({ gpuTotalBytes: 16 * GiB, preloaded: null });
    const r = await probe(fake, hub, settings({ stopAtPct: 100, fromTokens: 8192 }));
    expect(r.steps.map((s) => s.contextTokens)).toEqual([8192, 16384]);
    expect(r.stopReason).toMatch(/^the next step \(32,768 tokens\) would need about 1\d\d% of the GPU, going by the steps so far; stopped before loading it$/);
    const loads = fake.requests.filter((q) => q.path === '/api/generate').map((q) => (JSON.parse(q.body) as { options?: { num_ctx?: number } }).options?.num_ctx);
    expect(loads).not.toContain(32768);
    expect(fake.loaded()).toEqual([]);
  });
});
