/**
 * Probe driver for servers whose context is fixed at start (llama.cpp server, vLLM, LM Studio,
 * other OpenAI-compatible servers): the prompt grows up to the served context through
 * `POST /v1/completions`; the context itself is not varied, and `restartCommand` says how to
 * serve the next size. Timings: llama.cpp's own `timings`; elsewhere the answer is streamed and
 * timed by the wall clock (first token, then the rate of the chunks after it).
 */
import { err, ok, type Result } from '../../../shared/contract/result';
import type { BackendKind } from '../../../shared/model/snapshot';
import { hostPort } from '../../util/http';
import { classifyServerError, emptyMeasure, type DriverInfo, type ProbeDriver, type StepMeasure, type StepPlan } from '../driver';
import { PromptSizer } from '../filler';
import { errorText, num, requestJson } from './json-post';
import { streamPost } from './stream-post';

export interface FixedContextDriverOptions {
  kind: Exclude<BackendKind, 'ollama'>;
  url: string;
  model: string;
  apiKey?: string | null;
  timeoutMs?: number;
}

const labels: Record<FixedContextDriverOptions['kind'], string> = { llamacpp: 'llama.cpp server', vllm: 'vLLM', lmstudio: 'LM Studio', openai: 'OpenAI-compatible server' };

export class FixedContextProbeDriver implements ProbeDriver {
  private readonly base: string;
  private readonly where: string;
  private readonly sizer = new PromptSizer();
  private modelPath: string | null = null;

  constructor(private readonly options: FixedContextDriverOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.where = `${labels[options.kind]} at ${hostPort(this.base)}`;
  }

  async prepare(signal: AbortSignal): Promise<Result<DriverInfo>> {
    const get = (path: string) => requestJson(`${this.base}${path}`, { timeoutMs: 5000, signal, apiKey: this.options.apiKey ?? null });
    const models = await get('/v1/models');
    if (!models.ok) return err('unavailable', `${this.where}: ${models.message.replace(/^[^ ]+: /, '')}`);
    if (models.status === 401 || models.status === 403) return err('unavailable', `${this.where}: needs an API key (HTTP ${models.status}).`);
    let served: number | null = null;
    const list = (models.body as { data?: Record<string, unknown>[] } | null)?.data ?? [];
    const entry = list.find((m) => m.id === this.options.model) ?? (list.length === 1 ? list[0] : undefined);
    if (!entry && list.length > 0) return err('bad-request', `${this.where}: no model "${this.options.model}"; it serves ${list.map((m) => String(m.id)).join(', ')}.`);
    if (this.options.kind === 'vllm') served = num(entry?.max_model_len);
    if (this.options.kind === 'llamacpp') {
      const props = await get('/props');
      if (props.ok && props.status < 400) {
        const p = props.body as { default_generation_settings?: { n_ctx?: unknown }; n_ctx?: unknown; model_path?: unknown } | null;
        served = num(p?.default_generation_settings?.n_ctx) ?? num(p?.n_ctx);
        this.modelPath = typeof p?.model_path === 'string' ? p.model_path : null;
      }
    }
    if (this.options.kind === 'lmstudio') {
      const v0 = await get('/api/v0/models');
      const m = (v0.ok ? ((v0.body as { data?: Record<string, unknown>[] } | null)?.data ?? []) : []).find((x) => x.id === this.options.model);
      served = num(m?.loaded_context_length) ?? num(m?.max_context_length);
    }
    return ok({
      kind: this.options.kind,
      version: null,
      isContextVaried: false,
      maxContextTokens: served,
      architecture: null,
      weightsBytes: null,
      weightsBasis: null,
      loadedVramBytes: null,
      notes: served === null ? [`${this.where} did not say its context size; the probe stops at the --to size or at the first "context too long" answer.`] : [],
    });
  }

  async runStep(step: StepPlan, signal: AbortSignal): Promise<StepMeasure> {
    const prompt = this.sizer.build(step.targetPromptTokens, step.nonce);
    if (this.options.kind !== 'llamacpp') return this.streamedStep(step, prompt, signal);
    const t0 = performance.now();
    const r = await requestJson(`${this.base}/v1/completions`, {
      method: 'POST',
      body: { model: this.options.model, prompt, max_tokens: step.generateTokens, temperature: 0, stream: false, cache_prompt: false },
      timeoutMs: this.options.timeoutMs ?? 600_000,
      signal,
      apiKey: this.options.apiKey ?? null,
    });
    const wallMs = performance.now() - t0;
    if (!r.ok) return emptyMeasure(r.aborted ? 'cancelled' : 'crash', `${this.where}: ${r.message}`);
    if (r.status >= 400) {
      const text = errorText(r.body, r.text);
      return emptyMeasure(classifyServerError(text), text);
    }
    const b = (r.body ?? {}) as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown }; timings?: Record<string, unknown> };
    const promptTokens = num(b.usage?.prompt_tokens) ?? num(b.timings?.prompt_n);
    this.sizer.learn(prompt.length, promptTokens);
    const t = b.timings;
    const promptMs = num(t?.prompt_ms);
    const predictedN = num(t?.predicted_n);
    const predictedMs = num(t?.predicted_ms);
    const completion = num(b.usage?.completion_tokens) ?? predictedN;
    return {
      promptTokens,
      sizeBytes: null,
      sizeVramBytes: null,
      ttftMs: promptMs !== null ? promptMs + (predictedN && predictedMs ? predictedMs / predictedN : 0) : null,
      // Without server timings the rate includes the prefill (wall clock over the whole request).
      tokensPerSecond: num(t?.predicted_per_second) ?? (completion ? completion / (wallMs / 1000) : null),
      promptTokensPerSecond: num(t?.prompt_per_second),
      loadMs: null,
      outcome: 'ok',
      message: null,
    };
  }

  /** vLLM, LM Studio, others: `stream: true`; TTFT = first text chunk, speed = the chunks after it. */
  private async streamedStep(step: StepPlan, prompt: string, signal: AbortSignal): Promise<StepMeasure> {
    const t0 = performance.now();
    const r = await streamPost(
      `${this.base}/v1/completions`,
      { model: this.options.model, prompt, max_tokens: step.generateTokens, temperature: 0, stream: true, stream_options: { include_usage: true } },
      { timeoutMs: this.options.timeoutMs ?? 600_000, signal, apiKey: this.options.apiKey ?? null },
    );
    if (!r.ok) return emptyMeasure(r.aborted ? 'cancelled' : 'crash', `${this.where}: ${r.message}`);
    if (r.status >= 400) {
      let body: unknown = null;
      try {
        body = JSON.parse(r.text);
      } catch {
        body = null;
      }
      const text = errorText(body, r.text);
      return emptyMeasure(classifyServerError(text), text);
    }
    let promptTokens: number | null = null;
    let completion: number | null = null;
    const tokenTimes: number[] = [];
    for (const e of r.events) {
      if (e.data === '[DONE]') continue;
      let chunk: { choices?: { text?: unknown }[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null };
      try {
        chunk = JSON.parse(e.data) as typeof chunk;
      } catch {
        continue;
      }
      if (chunk.usage) {
        promptTokens = num(chunk.usage.prompt_tokens) ?? promptTokens;
        completion = num(chunk.usage.completion_tokens) ?? completion;
      }
      if (typeof chunk.choices?.[0]?.text === 'string' && chunk.choices[0].text !== '') tokenTimes.push(e.atMs);
    }
    this.sizer.learn(prompt.length, promptTokens);
    const first = tokenTimes[0];
    const last = tokenTimes[tokenTimes.length - 1];
    const generated = completion ?? tokenTimes.length;
    const spanS = first !== undefined && last !== undefined ? (last - first) / 1000 : 0;
    return {
      promptTokens, sizeBytes: null, sizeVramBytes: null,
      ttftMs: first !== undefined ? first - t0 : null,
      tokensPerSecond: generated > 1 && spanS > 0 ? (generated - 1) / spanS : null,
      promptTokensPerSecond: null, loadMs: null, outcome: 'ok', message: null,
    };
  }

  async restore(): Promise<{ ok: boolean; message: string }> {
    return { ok: true, message: `${this.where}: the context was not changed; nothing to restore.` };
  }

  restartCommand(contextTokens: number): string | null {
    const m = this.options.model;
    switch (this.options.kind) {
      case 'llamacpp':
        return `llama-server -m ${this.modelPath ?? '<model.gguf>'} -c ${contextTokens}   (plus your other flags)`;
      case 'vllm':
        return `vllm serve ${m} --max-model-len ${contextTokens}`;
      case 'lmstudio':
        return `lms unload ${m} && lms load ${m} --context-length ${contextTokens}`;
      default:
        return null;
    }
  }
}
