/**
 * Probe driver for Ollama: each step loads the model with `options.num_ctx` (an empty prompt
 * loads it, backends.md §1.7), reads `/api/ps` for `size` and `size_vram` (spill), then sends a
 * prompt that fills the context and generates a few dozen tokens; timings are Ollama's own
 * (`prompt_eval_duration`, `eval_duration`, nanoseconds). `restore` reloads what was loaded
 * before at its previous context and unloads what the probe loaded.
 */
import { err, ok, type Result } from '../../../shared/contract/result';
import { architectureFromGgufMetadata } from '../../../shared/estimator/gguf-metadata';
import { quantNameFromFileType, weightsBytesFromParams } from '../../../shared/estimator/weights';
import { hostPort } from '../../util/http';
import { classifyServerError, emptyMeasure, type DriverInfo, type ProbeDriver, type StepMeasure, type StepPlan } from '../driver';
import { PromptSizer } from '../filler';
import { errorText, num, requestJson } from './json-post';

interface PsEntry {
  name: string;
  size: number | null;
  sizeVram: number | null;
  contextLength: number | null;
  /** `expires_at` as epoch ms; null when absent or unreadable. */
  expiresAtMs: number | null;
}

/**
 * The keep_alive that gives a reloaded model the residency it had: forever (Ollama stores a
 * negative keep_alive as a date centuries ahead), else the time it had left (at least a minute).
 */
export function keepAliveFor(expiresAtMs: number | null, nowMs: number): string | number | undefined {
  if (expiresAtMs === null) return undefined;
  if (expiresAtMs - nowMs > 100 * 365 * 86_400_000) return -1;
  return `${Math.max(60, Math.round((expiresAtMs - nowMs) / 1000))}s`;
}

export interface OllamaDriverOptions {
  url: string;
  model: string;
  /** Per-request limit for loads and generations (large contexts on slow GPUs take minutes). */
  timeoutMs?: number;
  keepAlive?: string;
  /** OLLAMA_NUM_PARALLEL as Headroom knows it (the API does not report it). Default 1. */
  numParallel?: number;
}

const NS = 1e6;

export class OllamaProbeDriver implements ProbeDriver {
  private readonly base: string;
  private readonly where: string;
  private readonly timeoutMs: number;
  private readonly sizer = new PromptSizer();
  private before: PsEntry[] = [];
  private prepared = false;

  constructor(private readonly options: OllamaDriverOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.where = `Ollama at ${hostPort(this.base)}`;
    this.timeoutMs = options.timeoutMs ?? 600_000;
  }

  async prepare(signal: AbortSignal): Promise<Result<DriverInfo>> {
    const version = await requestJson(`${this.base}/api/version`, { timeoutMs: 5000, signal });
    if (!version.ok) return err('unavailable', `${this.where}: ${version.message.replace(/^[^:]+:\d+: /, '')}`);
    const ps = await this.ps(signal);
    if (!ps.ok) return ps;
    this.before = ps.value;
    this.prepared = true;
    const show = await requestJson(`${this.base}/api/show`, { method: 'POST', body: { model: this.options.model }, timeoutMs: 15_000, signal });
    if (!show.ok) return err('unavailable', `${this.where}: ${show.message}`);
    if (show.status === 404) return err('bad-request', `${this.where}: model "${this.options.model}" not found. Pull it first (\`ollama pull ${this.options.model}\`) or check the name with \`ollama list\`.`);
    if (show.status >= 400) return err('unavailable', `${this.where}: /api/show answered HTTP ${show.status} (${errorText(show.body, show.text)}).`);
    const info = ((show.body as { model_info?: unknown } | null)?.model_info ?? {}) as Record<string, unknown>;
    const arch = architectureFromGgufMetadata(info);
    const notes: string[] = ["Ollama's KV cache type is OLLAMA_KV_CACHE_TYPE on the server, which its API does not report; to compare f16 and q8_0, restart Ollama with the other type and probe again."];
    let weightsBytes: number | null = null;
    let weightsBasis: string | null = null;
    if (arch.ok && arch.value.parameterCount) {
      const details = (show.body as { details?: { quantization_level?: unknown } } | null)?.details;
      const quant = quantNameFromFileType(arch.value.fileType) ?? (typeof details?.quantization_level === 'string' ? details.quantization_level : null);
      const w = quant ? weightsBytesFromParams(arch.value.parameterCount, quant) : null;
      if (w?.ok) {
        weightsBytes = w.value.bytes;
        weightsBasis = `estimated from ${arch.value.parameterCount.toLocaleString('en-US')} parameters × ${w.value.bitsPerWeight} bits (${quant})`;
      }
    }
    if (!arch.ok) notes.push(`The memory model cannot read this model: ${arch.error.message}`);
    const mine = this.before.find((m) => m.name === this.options.model);
    const others = this.before.filter((m) => m.name !== this.options.model).map((m) => m.name);
    if (others.length) notes.push(`Also loaded before the probe: ${others.join(', ')}. Ollama may evict them to fit larger contexts (the GPU peak then understates what all of them need together); the probe reloads them at the end.`);
    return ok({
      kind: 'ollama',
      version: typeof (version.body as { version?: unknown } | null)?.version === 'string' ? (version.body as { version: string }).version : null,
      isContextVaried: true,
      maxContextTokens: arch.ok ? arch.value.contextLengthTrain : null,
      architecture: arch.ok ? arch.value : null,
      weightsBytes,
      weightsBasis,
      loadedVramBytes: mine?.sizeVram ?? null,
      parallel: this.options.numParallel ?? 1,
      notes,
    });
  }

  async runStep(step: StepPlan, signal: AbortSignal): Promise<StepMeasure> {
    const { model } = this.options;
    const keepAlive = this.options.keepAlive ?? '10m';
    const load = await requestJson(`${this.base}/api/generate`, { method: 'POST', body: { model, prompt: '', stream: false, keep_alive: keepAlive, options: { num_ctx: step.contextTokens } }, timeoutMs: this.timeoutMs, signal });
    if (!load.ok) return emptyMeasure(load.aborted ? 'cancelled' : 'crash', `${this.where}: ${load.message}`);
    if (load.status >= 400) {
      const text = errorText(load.body, load.text);
      return emptyMeasure(classifyServerError(text), text);
    }
    const loadMs = (num((load.body as Record<string, unknown>)?.load_duration) ?? 0) / NS;
    const ps = await this.ps(signal);
    const entry = ps.ok ? ps.value.find((m) => m.name === model) : undefined;
    const sizeBytes = entry?.size ?? null;
    const sizeVramBytes = entry?.sizeVram ?? null;
    if (sizeBytes !== null && sizeVramBytes !== null && sizeVramBytes < sizeBytes) {
      // Spilled: a full prompt would run on the CPU for minutes. Measured, not pushed further.
      return { ...emptyMeasure('ok', `spilled: ${Math.round(((sizeBytes - sizeVramBytes) / sizeBytes) * 100)}% of the model in system RAM`), sizeBytes, sizeVramBytes, loadMs };
    }
    if (!this.sizer.isCalibrated) {
      // Calibrate the filler to this model's tokenizer at the already-loaded context (no reload).
      const probeTokens = Math.min(1024, Math.max(64, Math.floor(step.targetPromptTokens / 4)));
      const prompt = this.sizer.build(probeTokens, `${step.nonce}-cal`);
      const cal = await this.generate(prompt, step.contextTokens, 1, keepAlive, signal);
      if (cal.ok) this.sizer.learn(prompt.length, num(cal.body.prompt_eval_count));
    }
    const prompt = this.sizer.build(step.targetPromptTokens, step.nonce);
    const gen = await this.generate(prompt, step.contextTokens, step.generateTokens, keepAlive, signal);
    if (!gen.ok) return { ...emptyMeasure(gen.outcome, gen.message), sizeBytes, sizeVramBytes, loadMs };
    const b = gen.body;
    const promptTokens = num(b.prompt_eval_count);
    this.sizer.learn(prompt.length, promptTokens);
    const promptNs = num(b.prompt_eval_duration);
    const evalCount = num(b.eval_count);
    const evalNs = num(b.eval_duration);
    const perTokenMs = evalCount && evalNs ? evalNs / NS / evalCount : null;
    return {
      promptTokens,
      sizeBytes,
      sizeVramBytes,
      // First token = the prompt's prefill + one decode step (what `ollama run --verbose` splits out).
      ttftMs: promptNs !== null ? promptNs / NS + (perTokenMs ?? 0) : null,
      tokensPerSecond: evalCount && evalNs ? evalCount / (evalNs / 1e9) : null,
      promptTokensPerSecond: promptTokens && promptNs ? promptTokens / (promptNs / 1e9) : null,
      loadMs: loadMs + (num(b.load_duration) ?? 0) / NS,
      outcome: 'ok',
      message: null,
    };
  }

  async restore(): Promise<{ ok: boolean; message: string }> {
    if (!this.prepared) return { ok: true, message: 'Nothing changed on the server.' };
    const signal = AbortSignal.timeout(this.timeoutMs);
    const now = await this.ps(signal);
    const done: string[] = [];
    const failed: string[] = [];
    const loadedNow = now.ok ? now.value : [];
    for (const prev of this.before) {
      const cur = loadedNow.find((m) => m.name === prev.name);
      if (cur && cur.contextLength === prev.contextLength) continue;
      const options = prev.contextLength ? { num_ctx: prev.contextLength } : {};
      const keepAlive = keepAliveFor(prev.expiresAtMs, Date.now());
      const r = await requestJson(`${this.base}/api/generate`, { method: 'POST', body: { model: prev.name, prompt: '', stream: false, options, ...(keepAlive !== undefined ? { keep_alive: keepAlive } : {}) }, timeoutMs: this.timeoutMs, signal });
      const what = `${prev.name}${prev.contextLength ? ` at ${prev.contextLength.toLocaleString('en-US')} tokens` : ''}`;
      if (r.ok && r.status < 400) done.push(`reloaded ${what}`);
      else failed.push(`could not reload ${what} (${r.ok ? errorText(r.body, r.text) : r.message})`);
    }
    const wasLoaded = this.before.some((m) => m.name === this.options.model);
    if (!wasLoaded) {
      const r = await requestJson(`${this.base}/api/generate`, { method: 'POST', body: { model: this.options.model, keep_alive: 0 }, timeoutMs: 30_000, signal });
      if (r.ok && r.status < 400) done.push(`unloaded ${this.options.model}, which the probe had loaded`);
      else failed.push(`could not unload ${this.options.model} (${r.ok ? errorText(r.body, r.text) : r.message}); run \`ollama stop ${this.options.model}\``);
    }
    if (failed.length) return { ok: false, message: `${this.where}: ${[...done, ...failed].join('; ')}.` };
    return { ok: true, message: done.length ? `${this.where}: ${done.join('; ')}.` : `${this.where}: as before the probe.` };
  }

  restartCommand(): string | null {
    return null;
  }

  private async generate(prompt: string, numCtx: number, numPredict: number, keepAlive: string, signal: AbortSignal): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; outcome: StepMeasure['outcome']; message: string }> {
    const r = await requestJson(`${this.base}/api/generate`, {
      method: 'POST',
      body: { model: this.options.model, prompt, raw: true, stream: false, keep_alive: keepAlive, options: { num_ctx: numCtx, num_predict: numPredict, temperature: 0, seed: 1 } },
      timeoutMs: this.timeoutMs,
      signal,
    });
    if (!r.ok) return { ok: false, outcome: r.aborted ? 'cancelled' : 'crash', message: `${this.where}: ${r.message}` };
    if (r.status >= 400) {
      const text = errorText(r.body, r.text);
      return { ok: false, outcome: classifyServerError(text), message: text };
    }
    return { ok: true, body: (r.body ?? {}) as Record<string, unknown> };
  }

  private async ps(signal: AbortSignal): Promise<Result<PsEntry[]>> {
    const r = await requestJson(`${this.base}/api/ps`, { timeoutMs: 5000, signal });
    if (!r.ok) return err('unavailable', `${this.where}: ${r.message}`);
    if (r.status >= 400) return err('unavailable', `${this.where}: /api/ps answered HTTP ${r.status}.`);
    const models = (r.body as { models?: unknown } | null)?.models;
    if (!Array.isArray(models)) return ok([]);
    return ok(
      models.map((m: Record<string, unknown>) => ({
        name: String(m.name ?? m.model ?? ''),
        size: num(m.size),
        sizeVram: num(m.size_vram),
        contextLength: num(m.context_length),
        expiresAtMs: typeof m.expires_at === 'string' && Number.isFinite(Date.parse(m.expires_at)) ? Date.parse(m.expires_at) : null,
      })),
    );
  }
}
