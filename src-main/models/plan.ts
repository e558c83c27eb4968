/**
 * The plan for a resolved model: what fits on a GPU at a context, per KV type, and concurrent
 * users. Shared by `headroom plan` (cli/commands/plan.ts) and the dashboard's Planner (monitor).
 */
import type { KvCacheType } from '../../shared/estimator/ggml-types';
import { llamaCppRuleSet } from '../../shared/estimator/engine-build';
import { llamaCppKvCache } from '../../shared/estimator/kv-cache';
import { contextSearchLimit, DEFAULT_THRESHOLD_RATIO, predictForModel } from '../../shared/estimator/predict';
import { quantNameFromFileType, weightsBytesFromParams } from '../../shared/estimator/weights';
import { findCatalogModel } from './catalog';
import type { ResolvedModel } from './resolver';

export interface PlanArgs {
  gpuBytes: number;
  model: string | null;
  gguf: string | null;
  quant: string | null;
  ctxTokens: number;
  kv: KvCacheType[];
  users: number | null;
  json: boolean;
  /** Share of the GPU the plan must stay under (0–1). Default 0.9, as the model cards' default critical level. */
  thresholdRatio?: number;
  /** llama.cpp build whose allocation rules apply; absent/null = the current release. */
  engineBuild?: number | null;
}

/** The plan for a resolved model (shared by `headroom plan` and the dashboard's Planner). */
export function computePlan(model: ResolvedModel, args: PlanArgs) {
  const resolved = { value: model };
  const weights = weightsFor(resolved.value, args);
  if (!weights.ok) {
    return { ok: false as const, message: weights.message };
  }
  const arch = resolved.value.architecture;
  // The same call, with the same settings, as a live model card (predictions.ts) makes: the Planner
  // and a card never disagree for the same model, context, GPU and threshold.
  const pred = predictForModel(arch, {
    gpuTotalBytes: args.gpuBytes, thresholdRatio: args.thresholdRatio ?? DEFAULT_THRESHOLD_RATIO, weightsBytes: weights.bytes, weightsIsEstimate: weights.isEstimate,
    cacheTypes: args.kv, perUserContexts: [4096, 8192, 32768], contextPoints: [args.ctxTokens],
    maxContextTokens: contextSearchLimit(arch, args.ctxTokens), engineBuild: args.engineBuild ?? null,
  });
  if (!pred.ok) {
    return { ok: false as const, message: pred.error.message };
  }
  const p = pred.value;
  const atCtx = args.kv.map((t) => {
    const curve = p.curves.find((c) => c.cacheType === t);
    const point = curve?.points[0];
    return {
      cacheType: t, error: curve?.error ?? null, kvBytes: point?.kvBytes ?? null, computeBytes: point?.computeBytes ?? null, totalBytes: point?.totalBytes ?? null,
      fits: point ? point.totalBytes <= p.thresholdBytes : false, largestContextTokens: curve?.largestContextTokens ?? null, bytesPerToken: curve?.bytesPerToken ?? null,
    };
  });
  let users: { users: number; perUserContextTokens: number; rows: { cacheType: KvCacheType; kvBytes: number | null; fits: boolean }[] } | null = null;
  if (args.users !== null) {
    const n = args.users;
    users = {
      users: n, perUserContextTokens: args.ctxTokens,
      rows: args.kv.map((t) => {
        const kv = llamaCppKvCache(arch, { contextTokens: args.ctxTokens * n, parallel: n, cacheTypeK: t, cacheTypeV: t, flashAttention: true, ubatch: 512, engineBuild: args.engineBuild ?? null });
        const max = p.concurrency.length ? maxUsers(arch, args, weights.bytes, t) : 0;
        return { cacheType: t, kvBytes: kv.ok ? kv.value.bytes : null, fits: max >= n };
      }),
    };
  }
  const result = {
    model: args.model ?? args.gguf, source: resolved.value.source, architecture: arch.architecture, gpuBytes: args.gpuBytes,
    thresholdBytes: p.thresholdBytes, weightsBytes: weights.bytes, weightsIsEstimate: weights.isEstimate, quant: weights.quant,
    overheadBytes: p.overheadBytes, contextTokens: args.ctxTokens, atContext: atCtx, concurrency: p.concurrency, users,
    estimates: p.estimates, notes: p.notes, provenance: p.provenance, ruleSet: llamaCppRuleSet(args.engineBuild ?? null).label,
  };
  return { ok: true as const, value: result, prediction: p, weights };
}

/** Result of `computePlan` (the `headroom plan --json` output). */
export type PlanResult = Extract<ReturnType<typeof computePlan>, { ok: true }>['value'];

function maxUsers(arch: ResolvedModel['architecture'], args: PlanArgs, weights: number, t: KvCacheType): number {
  const r = predictForModel(arch, {
    gpuTotalBytes: args.gpuBytes, thresholdRatio: args.thresholdRatio ?? DEFAULT_THRESHOLD_RATIO, weightsBytes: weights, cacheTypes: [t],
    perUserContexts: [args.ctxTokens], contextPoints: [], maxContextTokens: contextSearchLimit(arch, args.ctxTokens), engineBuild: args.engineBuild ?? null,
  });
  return r.ok ? (r.value.concurrency[0]?.maxSequences ?? 0) : 0;
}

function weightsFor(model: ResolvedModel, args: PlanArgs): { ok: true; bytes: number; isEstimate: boolean; quant: string } | { ok: false; message: string } {
  if (model.weightsBytes !== null && args.quant === null) {
    return { ok: true, bytes: model.weightsBytes, isEstimate: false, quant: quantNameFromFileType(model.architecture.fileType) ?? 'from file' };
  }
  const quant = args.quant ?? (args.model ? findCatalogModel(args.model)?.defaultQuant : null) ?? quantNameFromFileType(model.architecture.fileType) ?? 'Q4_K_M';
  const params = model.architecture.parameterCount;
  if (params === null) return { ok: false, message: 'the model has no parameter count, so weights cannot be estimated; pass --gguf FILE' };
  const w = weightsBytesFromParams(params, quant);
  if (!w.ok) return { ok: false, message: `--quant: ${w.error.message}` };
  return { ok: true, bytes: w.value.bytes, isEstimate: true, quant };
}
