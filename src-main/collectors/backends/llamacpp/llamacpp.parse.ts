/**
 * Pure readers for llama.cpp `llama-server`: `/health`, `/props`, `/slots`, `/metrics`,
 * `/v1/models`. Shapes change quickly between builds (reference §3), so every field Headroom
 * does not strictly need is optional, and both the README shapes and the recorded build
 * b1-de3ff81 are accepted.
 */
import { z } from 'zod';
import type { Slot } from '../../../../shared/model/snapshot';
import { parsePrometheusText } from '../vllm/prometheus-text.parse';

const count = z.number().int();

export const llamaCppHealthSchema = z.object({ status: z.string() });

/** `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}` */
export const llamaCppErrorSchema = z.object({
  error: z.object({ code: z.number().optional(), message: z.string().optional(), type: z.string().optional() }),
});

export const llamaCppPropsSchema = z.object({
  default_generation_settings: z
    .object({
      n_ctx: count.optional(),
      // Before b4283 (#10704) n_ctx lived in params.
      params: z.object({ n_ctx: count.optional() }).loose().optional(),
    })
    .loose()
    .optional(),
  total_slots: count.positive().optional(),
  model_path: z.string().optional(),
  model_alias: z.string().optional(),
  model_ftype: z.string().optional(),
  build_info: z.string().optional(),
  /** `"router"` when llama-server runs without `-m` and serves several models. */
  role: z.string().optional(),
  endpoint_slots: z.boolean().optional(),
  endpoint_metrics: z.boolean().optional(),
});

const nextTokenSchema = z.object({ n_decoded: count.optional() }).loose();

export const llamaCppSlotSchema = z.object({
  id: count,
  /** -1 (or absent in recent builds) when the slot was never used. */
  id_task: count.optional(),
  n_ctx: count.nonnegative().optional(),
  /** Replaced the `state` integer (0 idle / 1 processing) in b4027 (#10162). */
  is_processing: z.boolean().optional(),
  state: count.optional(),
  /** Tokens in the slot's context (prompt + generated so far) in recent builds. */
  n_prompt_tokens: count.nonnegative().optional(),
  params: z.object({ n_ctx: count.optional() }).loose().optional(),
  // An object in the README shape, an array of objects in recent builds.
  next_token: z.union([nextTokenSchema, z.array(nextTokenSchema)]).optional(),
});
export const llamaCppSlotsSchema = z.array(llamaCppSlotSchema);

export const llamaCppModelSchema = z.object({
  id: z.string(),
  owned_by: z.string().optional(),
  /** null while the model loads. */
  meta: z
    .object({
      n_ctx: count.optional(),
      n_ctx_train: count.optional(),
      n_params: z.number().optional(),
      size: z.number().optional(),
      ftype: z.string().optional(),
    })
    .loose()
    .nullable()
    .optional(),
  /** Router mode: `unloaded | loading | loaded | sleeping | downloading`. */
  status: z.object({ value: z.string() }).loose().optional(),
});
export const llamaCppModelListSchema = z.object({ data: z.array(llamaCppModelSchema) });

export type LlamaCppProps = z.infer<typeof llamaCppPropsSchema>;
export type LlamaCppSlots = z.infer<typeof llamaCppSlotsSchema>;
export type LlamaCppModelList = z.infer<typeof llamaCppModelListSchema>;

/** Each slot's context (per-slot n_ctx), the tokens it holds where the build reports them, and whether it is busy. */
export function readSlots(slots: LlamaCppSlots): Slot[] {
  return slots.map((slot) => {
    const nCtx = slot.n_ctx ?? slot.params?.n_ctx ?? 0;
    let usedTokens: number | null;
    if (slot.n_prompt_tokens !== undefined) usedTokens = Math.min(slot.n_prompt_tokens, nCtx || slot.n_prompt_tokens);
    else if (slot.id_task === undefined || slot.id_task === -1) usedTokens = 0; // never used
    else usedTokens = null; // used, but this build does not say how many tokens it holds
    return {
      id: slot.id,
      contextTokens: nCtx,
      usedTokens,
      processing: slot.is_processing ?? slot.state === 1,
    };
  });
}

/**
 * Whether the slots share one KV cache, and its capacity in tokens. With `--kv-unified` (the
 * default when `-np` is auto) every slot reports the whole context; without it each slot has
 * context / slots. `/v1/models` `meta.n_ctx` (recent builds) is the whole context, which tells them apart.
 */
export function kvLayout(
  slotContextTokens: number | null,
  totalSlots: number | null,
  totalContextTokens: number | null,
): { unified: boolean | null; capacityTokens: number | null } {
  if (slotContextTokens === null || slotContextTokens <= 0) return { unified: null, capacityTokens: null };
  if (totalSlots === 1) return { unified: null, capacityTokens: slotContextTokens };
  if (totalSlots === null || totalContextTokens === null) return { unified: null, capacityTokens: null };
  if (totalContextTokens === slotContextTokens) return { unified: true, capacityTokens: slotContextTokens };
  if (totalContextTokens === slotContextTokens * totalSlots) return { unified: false, capacityTokens: totalContextTokens };
  return { unified: null, capacityTokens: null };
}

export interface LlamaCppMetrics {
  isLlamaCpp: boolean;
  requestsProcessing: number | null;
  requestsDeferred: number | null;
  promptTokensTotal: number | null;
  tokensPredictedTotal: number | null;
  /** Only builds before PR #13660 (May 2025). */
  kvCacheUsageRatio: number | null;
  kvCacheTokens: number | null;
}

/** Reads `/metrics` (no labels on any llama.cpp series). */
export function parseLlamaCppMetrics(text: string): LlamaCppMetrics {
  const values = new Map<string, number>();
  let isLlamaCpp = false;
  for (const s of parsePrometheusText(text, (name) => name.startsWith('llamacpp:'))) {
    isLlamaCpp = true;
    if (Number.isFinite(s.value)) values.set(s.name, s.value);
  }
  const get = (name: string) => values.get(`llamacpp:${name}`) ?? null;
  const ratio = get('kv_cache_usage_ratio');
  return {
    isLlamaCpp,
    requestsProcessing: get('requests_processing'),
    requestsDeferred: get('requests_deferred'),
    promptTokensTotal: get('prompt_tokens_total'),
    tokensPredictedTotal: get('tokens_predicted_total'),
    kvCacheUsageRatio: ratio === null ? null : Math.min(1, Math.max(0, ratio)),
    kvCacheTokens: get('kv_cache_tokens'),
  };
}

/** The loading message of a 503 `/health`, or null when the body is not llama.cpp's error shape. */
export function loadingMessage(body: unknown): string | null {
  const parsed = llamaCppErrorSchema.safeParse(body);
  return parsed.success ? (parsed.data.error.message ?? null) : null;
}
