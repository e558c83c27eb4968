import { afterEach, describe, expect, it } from 'vitest';
import { llamaCppRoutes } from '../../../e2e/fakes/backends/fake-backends';
import { startFakeServer, type FakeReply, type FakeServer } from '../../../e2e/fakes/fake-http';
import { readJsonFixture } from '../../../e2e/fakes/backends/fixtures';
import { runProbe } from '../loop';
import { FixedContextProbeDriver } from './fixed-context.driver';

let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

/** llama.cpp's recorded build (n_ctx 8192) plus a scripted /v1/completions: `acceptsTokens` is where it refuses. */
async function fakeLlamaCpp(acceptsTokens: number) {
  const completions = (req: { body: string }): FakeReply => {
    const body = JSON.parse(req.body) as { prompt: string; max_tokens: number };
    const n = Math.ceil(body.prompt.length / 3.5);
    if (n + body.max_tokens > acceptsTokens) {
      return { status: 400, body: { error: { code: 400, message: `the request exceeds the available context size (${acceptsTokens} tokens), try increasing it`, type: 'exceed_context_size_error' } } };
    }
    const promptMs = n * 0.2 + (n * n) / 10_000;
    return { body: { choices: [{ text: 'x', index: 0 }], usage: { prompt_tokens: n, completion_tokens: body.max_tokens }, timings: { prompt_n: n, prompt_ms: promptMs, prompt_per_second: n / (promptMs / 1000), predicted_n: body.max_tokens, predicted_ms: body.max_tokens * 4, predicted_per_second: 250 } } };
  };
  server = await startFakeServer({ ...llamaCppRoutes(), 'POST /v1/completions': completions });
  return server;
}

const settings = { fromTokens: 1024, toTokens: null, kvTypes: ['f16' as const], stopAtPct: 90, minTokensPerSecond: 5, generateTokens: 16, gpuId: null };

describe('probe on a server whose context is fixed at start (llama.cpp)', () => {
  it('steps the prompt up to the served context, says the context was not varied, and prints the restart command', async () => {
    const s = await fakeLlamaCpp(8192);
    const model = '/models/tiny-qwen2.gguf';
    const r = await runProbe({ id: 'f', driver: new FixedContextProbeDriver({ kind: 'llamacpp', url: s.url, model }), backend: { kind: 'llamacpp', url: s.url }, model, settings, gpu: null, signal: new AbortController().signal });
    expect(r.status).toBe('done');
    expect(r.isContextVaried).toBe(false);
    expect(r.steps.map((x) => x.contextTokens)).toEqual([1024, 2048, 4096, 8192]);
    expect(r.notes.join(' ')).toContain('The context itself was not varied: this llamacpp server');
    expect(r.restartCommand).toBe('llama-server -m /models/tiny-qwen2.gguf -c 16384   (plus your other flags)');
    for (const step of r.steps) {
      expect(step.outcome).toBe('ok');
      expect(step.promptTokens! / step.targetPromptTokens).toBeGreaterThan(0.97);
      const n = step.promptTokens!;
      expect(step.ttftMs!).toBeCloseTo(n * 0.2 + (n * n) / 10_000 + 4, 3);
      expect(step.tokensPerSecond).toBe(250);
    }
    expect(r.kneeContextTokens).toBe(4096);
    expect(r.restore).toEqual({ ok: true, message: `llama.cpp server at 127.0.0.1:${s.port}: the context was not changed; nothing to restore.` });
  });

  it('a "context too long" answer is its own outcome and stops the run', async () => {
    const s = await fakeLlamaCpp(4096);
    const model = '/models/tiny-qwen2.gguf';
    const r = await runProbe({ id: 'f', driver: new FixedContextProbeDriver({ kind: 'llamacpp', url: s.url, model }), backend: { kind: 'llamacpp', url: s.url }, model, settings, gpu: null, signal: new AbortController().signal });
    expect(r.steps.at(-1)!.outcome).toBe('context-too-long');
    expect(r.stopReason).toMatch(/^the server refused the context at 8,192 tokens: the request exceeds the available context size/);
    expect(r.largestUsableContextTokens).toBe(4096);
  });

  it('vLLM: the served context from max_model_len; a model it does not serve is named with what it serves', async () => {
    server = await startFakeServer({ 'GET /v1/models': { body: readJsonFixture('vllm/models.served-name-and-lora.json') } });
    const run = (model: string) => runProbe({ id: 'v', driver: new FixedContextProbeDriver({ kind: 'vllm', url: server!.url, model }), backend: { kind: 'vllm', url: server!.url }, model, settings: { ...settings, toTokens: 1024 }, gpu: null, signal: new AbortController().signal });
    const bad = await run('other');
    expect(bad.status).toBe('failed');
    expect(bad.stopReason).toBe(`vLLM at 127.0.0.1:${server.port}: no model "other"; it serves qwen-coder, sql-lora.`);
    const good = await run('qwen-coder');
    expect(good.settings.toTokens).toBe(1024);
    expect(good.restartCommand).toBe('vllm serve qwen-coder --max-model-len 32768');
    // No completions endpoint on this fake: the step fails with the server's answer, and the run stops.
    expect(good.steps[0]!.outcome).toBe('error');
  });
});
