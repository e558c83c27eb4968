import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

describe('streamed answers (vLLM, LM Studio)', () => {
  it('times the first token and the rate of the chunks after it; prompt tokens from the usage chunk', async () => {
    const models = readJsonFixture('vllm/models.json');
    const srv = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.method === 'GET' && req.url === '/v1/models') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(models));
          return;
        }
        const { prompt, max_tokens: max } = JSON.parse(body) as { prompt: string; max_tokens: number };
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        let i = 0;
        const next = () => {
          if (i < max) {
            res.write(`data: ${JSON.stringify({ choices: [{ index: 0, text: ` t${i}` }] })}\n\n`);
            i++;
            setTimeout(next, 4);
            return;
          }
          res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: Math.ceil(prompt.length / 4), completion_tokens: max } })}\n\ndata: [DONE]\n\n`);
          res.end();
        };
        setTimeout(next, 60); // prefill
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const model = 'Qwen/Qwen2.5-Coder-14B-Instruct';
      const r = await runProbe({ id: 's', driver: new FixedContextProbeDriver({ kind: 'vllm', url, model }), backend: { kind: 'vllm', url }, model, settings: { ...settings, toTokens: 2048 }, gpu: null, signal: new AbortController().signal });
      expect(r.status).toBe('done');
      expect(r.steps.map((x) => x.contextTokens)).toEqual([1024, 2048]);
      for (const step of r.steps) {
        expect(step.promptTokens! / step.targetPromptTokens).toBeGreaterThan(0.9);
        expect(step.ttftMs!).toBeGreaterThanOrEqual(55);
        // 16 chunks 4 ms apart (timers on a busy machine only stretch that): well under 250 tokens/s.
        expect(step.tokensPerSecond!).toBeGreaterThan(5);
        expect(step.tokensPerSecond!).toBeLessThan(260);
      }
    } finally {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
    }
  });
});
