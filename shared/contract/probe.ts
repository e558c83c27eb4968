/**
 * The context probe (issue 16): one run steps a model's context (Ollama) or prompt size (servers
 * whose context is fixed at start) upwards and measures VRAM, spill, time to first token and
 * generation speed at each step, stopping before harm. Plain JSON: the same report is what the
 * CLI prints with --json, what the dashboard shows and what `<data>/probes/<id>.json` holds.
 */
import { z } from 'zod';
import { KV_CACHE_TYPES } from '../estimator/ggml-types';
import { backendKindSchema } from '../model/snapshot';

const httpUrl = z
  .string()
  .trim()
  .min(1, 'enter the server address, e.g. http://127.0.0.1:11434')
  .max(2048)
  .refine((v) => {
    try {
      const u = new URL(/^[a-z]+:\/\//i.test(v) ? v : `http://${v}`);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// address');

/** What to probe and when to stop. Contexts are tokens; `stopAtPct` is percent of the GPU's memory. */
export const probeRequestSchema = z
  .object({
    /** Server address, e.g. `http://127.0.0.1:11434`. */
    backendUrl: httpUrl,
    /** Server kind; absent → detected from its answers. */
    kind: backendKindSchema.optional(),
    /** Model name as the server knows it (Ollama `qwen2.5-coder:14b`). */
    model: z.string().trim().min(1, 'enter the model name').max(300),
    /** First context (tokens). Default 4096. */
    fromTokens: z.number().int().min(256, 'must be at least 256 tokens').max(10_000_000).optional(),
    /** Last context (tokens); absent/null → the model's maximum (Ollama) or the served context. */
    toTokens: z.number().int().min(256, 'must be at least 256 tokens').max(10_000_000).nullable().optional(),
    /** KV type(s) the server runs with / to compare with in the prediction; the first is the measured one. */
    kvTypes: z.array(z.enum(KV_CACHE_TYPES)).min(1).max(4).optional(),
    /** Stop once measured VRAM reaches this percent of the GPU. Default 90. */
    stopAtPct: z.number().min(10, 'must be 10–100').max(100, 'must be 10–100').optional(),
    /** Stop once generation falls below this many tokens per second. Default 5. */
    minTokensPerSecond: z.number().min(0, 'must be 0 or more').max(10_000).optional(),
    /** Tokens generated per step. Default 32. */
    generateTokens: z.number().int().min(1).max(512).optional(),
    /** GPU the model runs on (`gpu:0`); default the first. */
    gpuId: z.string().regex(/^gpu:\d+$/, 'must be a GPU id like gpu:0').optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.toTokens != null && r.fromTokens !== undefined && r.toTokens < r.fromTokens) {
      ctx.addIssue({ code: 'custom', path: ['toTokens'], message: `must not be below the first context (${r.fromTokens})` });
    }
  });
export type ProbeRequest = z.infer<typeof probeRequestSchema>;

/** How a step ended. `oom`, `crash`, `spill` and `context-too-long` stop the run. */
export type ProbeOutcome = 'ok' | 'oom' | 'context-too-long' | 'crash' | 'error' | 'cancelled';

/** One step of a probe. Bytes are integers; null where not measured. */
export interface ProbeStep {
  index: number;
  /** Context the model was loaded with (Ollama `num_ctx`), or the served context (fixed servers). */
  contextTokens: number;
  /** Prompt tokens the server counted (`prompt_eval_count` / `usage.prompt_tokens`). */
  promptTokens: number | null;
  /** Prompt tokens aimed at. */
  targetPromptTokens: number;
  /** Highest GPU memory in use during the step (the GPU stream), and just before it. */
  peakVramBytes: number | null;
  baselineVramBytes: number | null;
  /** Ollama `/api/ps`: model size, and the part of it in VRAM (`size_vram`). */
  sizeBytes: number | null;
  sizeVramBytes: number | null;
  /** Part of the model in system RAM (`size - size_vram` > 0). */
  isSpilled: boolean;
  /** Time to first token and generation speed, as measured by the client (wall clock). */
  ttftMs: number | null;
  tokensPerSecond: number | null;
  /** Prompt processing speed as the server reports it, when it does. */
  promptTokensPerSecond: number | null;
  loadMs: number | null;
  /** The memory model's prediction for this context (weights + KV + compute + overhead). */
  predictedBytes: number | null;
  /** (measured − predicted) / predicted × 100, measured = the model's own VRAM where known. */
  predictionErrorPct: number | null;
  /** Which measurement the error is against ("size_vram", "GPU peak − baseline"). */
  measuredBasis: string | null;
  durationMs: number;
  outcome: ProbeOutcome;
  /** The server's or the probe's sentence for a non-ok outcome. */
  message: string | null;
}

export type ProbeStatus = 'running' | 'done' | 'stopped' | 'cancelled' | 'failed';

/** A probe run: settings, steps, verdicts. */
export interface ProbeReport {
  id: string;
  status: ProbeStatus;
  startedAtMs: number;
  finishedAtMs: number | null;
  backend: { kind: string; url: string; version: string | null };
  model: string;
  /** The KV type the server runs with (Ollama: `OLLAMA_KV_CACHE_TYPE`, which its API does not report). */
  cacheType: string;
  /** False on servers whose context is fixed at start: only the prompt size was stepped. */
  isContextVaried: boolean;
  settings: { fromTokens: number; toTokens: number; stopAtPct: number; minTokensPerSecond: number; generateTokens: number; kvTypes: string[] };
  gpu: { id: string; name: string; totalBytes: number } | null;
  thresholdBytes: number | null;
  /** GPU memory in use without the probed model when the run started (other apps, other models), bytes. */
  baselineBytes: number | null;
  /** The contexts the run meant to try, in order. */
  plannedContexts: number[];
  steps: ProbeStep[];
  /** Why the run ended early ("VRAM reached 91% (threshold 90%) at 32,768 tokens"), or null. */
  stopReason: string | null;
  /** Largest context (tokens) whose step stayed under the threshold, unspilled, at or above the speed floor. */
  largestUsableContextTokens: number | null;
  /** First context where TTFT per prompt token grows past 1.5× the first step's (prefill slows sharply), or null. */
  kneeContextTokens: number | null;
  /** Predicted VRAM against context for each KV type compared (the memory model, shared/estimator). */
  predicted: { cacheType: string; points: { contextTokens: number; totalBytes: number }[] }[];
  /** What the probe did to put the server back ("reloaded qwen2.5 at 8,192 tokens"). */
  restore: { ok: boolean; message: string } | null;
  /** For fixed-context servers: the command that would try the next context size. */
  restartCommand: string | null;
  notes: string[];
  /** Live progress while running. */
  progress: { stepIndex: number; stepCount: number; contextTokens: number | null; phase: string; etaMs: number | null } | null;
}

/** The list entry of a saved or running probe. */
export interface ProbeSummary {
  id: string;
  status: ProbeStatus;
  startedAtMs: number;
  model: string;
  backendKind: string;
  cacheType: string;
  stepCount: number;
  largestUsableContextTokens: number | null;
  stopReason: string | null;
}

export const probeIdSchema = z.string().regex(/^[\w.-]{1,80}$/, 'must be a probe id');
