import { z } from 'zod';
import { describeZodError } from '../contract/schemas';
import { err, ok, type Result } from '../contract/result';
import { GiB, MiB } from '../units/bytes';

/**
 * Alert settings: validated, with a default for every field, so `{}` parses to the defaults and
 * an old settings file keeps working when fields are added. Percentages are 0–100 of GPU
 * memory, ratios 0–1, durations ms, sizes bytes. Nested objects use `prefault({})` so zod 4
 * parses the inner defaults (a plain `.default({})` would skip them).
 */

const pct = z.number().finite().min(1).max(100);
const ratio = z.number().finite().min(0).max(1);
const durationMs = z.number().int().nonnegative();
const samples = z.number().int().min(1).max(10_000);
const bytes = z.number().int().nonnegative();

/** Per-GPU overrides, keyed by GPU id (`gpu:0`). Missing fields fall back to `vram`. */
export const gpuAlertOverrideSchema = z.object({
  warningPct: pct.optional(),
  criticalPct: pct.optional(),
  /** Skip VRAM threshold and forecast rules for this GPU (e.g. a display-only card). */
  ignoreVram: z.boolean().optional(),
});

export const alertSettingsSchema = z
  .object({
    /** Master switch: when false the engine raises nothing and clears what is active. */
    enabled: z.boolean().default(true),
    vram: z
      .object({
        warningPct: pct.default(80),
        criticalPct: pct.default(90),
        /** A tier clears only once usage is this many points below its threshold. */
        hysteresisPct: z.number().finite().min(0).max(50).default(3),
        /** Consecutive breaching samples before a tier fires (a single spike never does). */
        forSamples: samples.default(3),
        /** Minimum time between two raises of the same tier. */
        cooldownMs: durationMs.default(60_000),
        /**
         * vLLM preallocates `--gpu-memory-utilization` (0.9) of the GPU, so VRAM tiers would
         * alarm forever. When true, GPUs whose process list shows a vLLM server skip VRAM
         * tiers and forecasts; KV-cache rules watch vLLM instead.
         */
        skipVllmGpus: z.boolean().default(true),
      })
      .prefault({}),
    perGpu: z.record(z.string(), gpuAlertOverrideSchema).default({}),
    forecast: z
      .object({
        enabled: z.boolean().default(true),
        /**
         * The longest history a trend is looked for in (at least the last 16 samples are kept
         * at slow intervals). The forecast itself decides from the evidence: a fast climb is
         * forecast from a few seconds of samples, a slow one once enough samples show it.
         */
        windowMs: durationMs.min(10_000).default(600_000),
        /** Optional floor on the evidence span; 0 lets the evidence decide (the default). */
        minSpanMs: durationMs.default(0),
        /** Fire when the critical level is forecast within this time. */
        horizonMs: durationMs.min(1).default(900_000),
        /** Slopes below this (percentage points per minute) count as flat. */
        minSlopePctPerMin: z.number().finite().nonnegative().default(0.05),
        /** The slope must be this many standard errors above zero (noise is not a trend). */
        minSignificance: z.number().finite().nonnegative().default(4),
        forSamples: samples.default(3),
        cooldownMs: durationMs.default(300_000),
      })
      .prefault({}),
    spill: z
      .object({
        enabled: z.boolean().default(true),
        /** Bytes of a model outside GPU memory before it counts as spilled. */
        minBytes: bytes.default(64 * MiB),
        /** Windows shared GPU memory in use above this, on the GPU holding a model, counts as spilling. */
        sharedFloorBytes: bytes.default(512 * MiB),
        forSamples: samples.default(2),
        cooldownMs: durationMs.default(300_000),
      })
      .prefault({}),
    otherApp: z
      .object({
        enabled: z.boolean().default(true),
        /** Growth of one app's VRAM (summed over its processes) that counts as "took VRAM". */
        minDeltaBytes: bytes.default(1 * GiB),
        /** The growth is measured against the app's lowest usage within this window. */
        windowMs: durationMs.min(1_000).default(600_000),
        /** Only worth saying when the GPU is at least this full. */
        minUsedPct: pct.default(70),
        forSamples: samples.default(2),
        cooldownMs: durationMs.default(300_000),
      })
      .prefault({}),
    backend: z
      .object({
        enabled: z.boolean().default(true),
        /** Consecutive failed polls before "went down" fires (one timeout is not an outage). */
        downForSamples: samples.default(3),
        /** Only a backend that was up since start can "go down" (no alarm for absent ones). */
        requireSeenUp: z.boolean().default(true),
        cooldownMs: durationMs.default(300_000),
      })
      .prefault({}),
    vllm: z
      .object({
        enabled: z.boolean().default(true),
        /** Preemptions are counted over this window. */
        preemptionWindowMs: durationMs.min(1_000).default(300_000),
        /** Consecutive samples with requests waiting before it fires. */
        waitingForSamples: samples.default(10),
        /** KV-cache block usage (0–1) that counts as nearly full. */
        kvNearlyFullRatio: ratio.default(0.9),
        cooldownMs: durationMs.default(300_000),
      })
      .prefault({}),
    context: z
      .object({
        enabled: z.boolean().default(true),
        /** usedTokens / contextTokens at which a slot counts as nearly full. */
        nearlyFullRatio: ratio.default(0.9),
        /** A slot forecast fires when the limit is this close in time … */
        forecastHorizonMs: durationMs.min(1).default(600_000),
        /** … and the slot is at least this full (early on, rates say little). */
        forecastMinRatio: ratio.default(0.5),
        /** Token history the conversation's rate is fitted over. */
        windowMs: durationMs.min(1_000).default(600_000),
        cooldownMs: durationMs.default(300_000),
      })
      .prefault({}),
    /** Rule keys (`vram-warning`) or alert ids (`vram-warning:gpu:0`) whose notifications are muted. */
    mutedRules: z.array(z.string()).default([]),
    delivery: z
      .object({
        desktop: z.boolean().default(true),
        /** Desktop notifications stay quiet this long after start (the dashboard shows alerts at once). */
        quietStartMs: durationMs.default(60_000),
        /** http(s) URL that receives a JSON POST per transition; null = off. */
        webhookUrl: z
          .string()
          .url()
          .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
          .nullable()
          .default(null),
        webhookTimeoutMs: durationMs.min(100).max(60_000).default(5_000),
        /** Body format: plain JSON, Slack, Microsoft Teams; `auto` picks by the URL's host. */
        webhookFormat: z.enum(['auto', 'json', 'slack', 'teams']).default('auto'),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    if (s.vram.warningPct >= s.vram.criticalPct) {
      ctx.addIssue({ code: 'custom', path: ['vram', 'warningPct'], message: 'must be below vram.criticalPct' });
    }
    for (const [gpuId, o] of Object.entries(s.perGpu)) {
      const w = o.warningPct ?? s.vram.warningPct;
      const c = o.criticalPct ?? s.vram.criticalPct;
      if (w >= c) ctx.addIssue({ code: 'custom', path: ['perGpu', gpuId, 'warningPct'], message: 'must be below criticalPct' });
    }
  });

export type AlertSettings = z.infer<typeof alertSettingsSchema>;
export type GpuAlertOverride = z.infer<typeof gpuAlertOverrideSchema>;

/** The defaults (a fresh object each call). */
export function defaultAlertSettings(): AlertSettings {
  return alertSettingsSchema.parse({});
}

/** Parses settings from a file or a request; an error names the field ("vram.warningPct: …"). */
export function parseAlertSettings(input: unknown): Result<AlertSettings> {
  const parsed = alertSettingsSchema.safeParse(input ?? {});
  return parsed.success ? ok(parsed.data) : err('bad-request', `alert settings: ${describeZodError(parsed.error)}`);
}

/** Effective tiers for one GPU: the per-GPU override where set, else the global tiers. */
export interface GpuTiers {
  warningPct: number;
  criticalPct: number;
  ignoreVram: boolean;
}

/** Tiers for `gpuId` (`gpu:0`) with per-GPU overrides applied. */
export function tiersForGpu(settings: AlertSettings, gpuId: string): GpuTiers {
  const o = settings.perGpu[gpuId];
  return {
    warningPct: o?.warningPct ?? settings.vram.warningPct,
    criticalPct: o?.criticalPct ?? settings.vram.criticalPct,
    ignoreVram: o?.ignoreVram ?? false,
  };
}
