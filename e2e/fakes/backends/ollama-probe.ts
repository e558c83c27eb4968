/**
 * A scripted fake Ollama for the context probe: its memory and speed answer `num_ctx` the way a
 * real one does. Loading at a context allocates weights + KV (grows with the context) + compute
 * + the runner's CUDA context; past the free VRAM the model spills into system RAM (`size_vram`
 * < `size`), and past that as well the load fails out of memory. Prefill slows as the prompt
 * grows, generation slows with the context and falls off a cliff when spilled. Every change of
 * what is loaded is reported through `onGpuUsed`, so a fake nvidia-smi (or a GPU watch in unit
 * tests) moves with it.
 */
import { GiB, MiB } from '../../../shared/units/bytes';
import { startFakeServer, type FakeReply, type FakeServer } from '../fake-http';
import { readJsonFixture } from './fixtures';

export interface OllamaProbeScript {
  model: string;
  /** The GPU the fake runs on, and what other apps hold on it. */
  gpuTotalBytes: number;
  otherAppsBytes: number;
  /** Driver reservation nvidia-smi shows as `memory.reserved` (not usable). */
  reservedBytes: number;
  weightsBytes: number;
  /** KV bytes per token (qwen2.5 14B, f16: 48 layers × 8 heads × 128 × 2 × 2 B). */
  kvBytesPerToken: number;
  computeBytes: number;
  /** The runner process's CUDA context. */
  runnerOverheadBytes: number;
  /** System RAM available for spilled layers; beyond it the load fails out of memory. */
  spillRamBytes: number;
  /** Characters per token of the fake tokenizer. */
  charsPerToken: number;
  /** The model's trained context (`qwen2.context_length` in /api/show). */
  contextLengthTrain: number;
  /** Prefill speed at an empty context and generation speed at a small one, tokens/s. */
  prefillTokensPerSecond: number;
  generationTokensPerSecond: number;
  /** Real delay of each generation (so progress can be watched), ms. */
  stepDelayMs: number;
  /** What was loaded before the probe (restored afterwards). */
  preloaded: { model: string; contextLength: number } | null;
}

export const defaultOllamaProbeScript: OllamaProbeScript = {
  model: 'qwen2.5-coder:14b',
  gpuTotalBytes: 24564 * MiB,
  otherAppsBytes: 1000 * MiB,
  reservedBytes: 300 * MiB,
  weightsBytes: Math.round(8.6 * GiB),
  kvBytesPerToken: 48 * 8 * 128 * 2 * 2,
  computeBytes: 310 * MiB,
  runnerOverheadBytes: 457 * MiB,
  spillRamBytes: 16 * GiB,
  charsPerToken: 3.7,
  contextLengthTrain: 131072,
  prefillTokensPerSecond: 2400,
  generationTokensPerSecond: 42,
  stepDelayMs: 0,
  preloaded: { model: 'qwen2.5-coder:14b', contextLength: 4096 },
};

/** What loading at `contextTokens` does, by the script: the figures a test expects back. */
export function scriptedLoad(s: OllamaProbeScript, contextTokens: number): { sizeBytes: number; sizeVramBytes: number; spilled: boolean; oom: boolean; gpuUsedBytes: number } {
  const size = s.weightsBytes + s.kvBytesPerToken * contextTokens + s.computeBytes + s.runnerOverheadBytes;
  const free = s.gpuTotalBytes - s.reservedBytes - s.otherAppsBytes;
  const oom = size > free + s.spillRamBytes;
  const vram = Math.min(size, free);
  return { sizeBytes: size, sizeVramBytes: vram, spilled: size > free, oom, gpuUsedBytes: s.otherAppsBytes + (oom ? 0 : vram) };
}

/** Prefill and generation speed at a context and prompt size, by the script (tokens/s). */
export function scriptedSpeed(s: OllamaProbeScript, contextTokens: number, promptTokens: number, spilled: boolean): { prefill: number; generation: number } {
  const cliff = spilled ? 0.12 : 1;
  return {
    prefill: (s.prefillTokensPerSecond / (1 + promptTokens / 16384)) * cliff,
    generation: (s.generationTokensPerSecond / (1 + contextTokens / 32768)) * cliff,
  };
}

export interface FakeOllamaProbe extends FakeServer {
  script: OllamaProbeScript;
  /** What is loaded now. */
  loaded(): { model: string; contextLength: number }[];
}

/**
 * Starts the fake on 127.0.0.1 and a run-time port. `onGpuUsed(bytes)` is called with the GPU's
 * used memory at start and after every load or unload.
 */
export async function startFakeOllamaProbe(overrides: Partial<OllamaProbeScript> = {}, onGpuUsed: (usedBytes: number) => void = () => {}): Promise<FakeOllamaProbe> {
  const s: OllamaProbeScript = { ...defaultOllamaProbeScript, ...overrides };
  const show = readJsonFixture('ollama/show.qwen2.5-coder-14b.json') as { model_info: Record<string, unknown> };
  show.model_info['qwen2.context_length'] = s.contextLengthTrain;
  let loaded: { model: string; contextLength: number; sizeBytes: number; sizeVramBytes: number } | null = null;
  const report = () => onGpuUsed(s.otherAppsBytes + (loaded?.sizeVramBytes ?? 0));
  const load = (model: string, ctx: number): FakeReply | null => {
    if (model !== s.model) return { status: 404, body: { error: `model "${model}" not found, try pulling it first` } };
    if (loaded && loaded.contextLength === ctx) return null;
    loaded = null; // a new num_ctx stops the runner and starts another
    const l = scriptedLoad(s, ctx);
    if (l.oom) {
      report();
      return { status: 500, body: { error: 'llama runner process has terminated: cudaMalloc failed: out of memory' } };
    }
    loaded = { model, contextLength: ctx, sizeBytes: l.sizeBytes, sizeVramBytes: l.sizeVramBytes };
    report();
    return null;
  };
  if (s.preloaded) load(s.preloaded.model, s.preloaded.contextLength);
  else report();

  const generate = (req: { body: string }): FakeReply => {
    let body: { model?: string; prompt?: string; keep_alive?: unknown; options?: { num_ctx?: number; num_predict?: number } };
    try {
      body = JSON.parse(req.body) as typeof body;
    } catch {
      return { status: 400, body: { error: 'invalid JSON' } };
    }
    const model = body.model ?? '';
    if (body.keep_alive === 0 || body.keep_alive === '0') {
      if (loaded?.model === model) loaded = null;
      report();
      return { body: { model, response: '', done: true, done_reason: 'unload' } };
    }
    const ctx = body.options?.num_ctx ?? loaded?.contextLength ?? 4096;
    const failed = load(model, ctx);
    if (failed) return failed;
    const loadNs = 1_500_000_000;
    if (!body.prompt) return { body: { model, response: '', done: true, done_reason: 'load', load_duration: loadNs } };
    const spilled = loaded!.sizeVramBytes < loaded!.sizeBytes;
    const promptTokens = Math.min(ctx, Math.ceil(body.prompt.length / s.charsPerToken));
    const evalCount = Math.min(body.options?.num_predict ?? 128, 512);
    const speed = scriptedSpeed(s, ctx, promptTokens, spilled);
    return {
      delayMs: s.stepDelayMs,
      body: {
        model,
        response: 'The notes describe a probe. '.repeat(4),
        done: true,
        done_reason: 'length',
        total_duration: 0,
        load_duration: 1_000_000,
        prompt_eval_count: promptTokens,
        prompt_eval_duration: Math.round((promptTokens / speed.prefill) * 1e9),
        eval_count: evalCount,
        eval_duration: Math.round((evalCount / speed.generation) * 1e9),
      },
    };
  };

  const server = await startFakeServer({
    'GET /': { body: 'Ollama is running', contentType: 'text/plain; charset=utf-8' },
    'GET /api/version': { body: { version: '0.12.3' } },
    'POST /api/show': (req) => (JSON.parse(req.body || '{}').model === s.model ? { body: show } : { status: 404, body: { error: `model '${JSON.parse(req.body || '{}').model}' not found` } }),
    'GET /api/ps': () => ({
      body: {
        models: loaded
          ? [{ name: loaded.model, model: loaded.model, size: loaded.sizeBytes, size_vram: loaded.sizeVramBytes, context_length: loaded.contextLength, digest: 'fake', expires_at: '2099-01-01T00:00:00Z', details: { family: 'qwen2', parameter_size: '14.8B', quantization_level: 'Q4_K_M' } }]
          : [],
      },
    }),
    'POST /api/generate': generate,
    'GET /api/tags': { body: { models: [{ name: s.model, model: s.model }] } },
  });
  return Object.assign(server, { script: s, loaded: () => (loaded ? [{ model: loaded.model, contextLength: loaded.contextLength }] : []) });
}
