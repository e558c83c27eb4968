/**
 * Pure readers for vLLM's `/v1/models`, `/version` and `/metrics` (both metric generations:
 * `vllm:kv_cache_usage_perc` from v0.9.2 and the older `vllm:gpu_cache_usage_perc`).
 * Source: ../shared/reference/backends.md §2.
 */
import { z } from 'zod';
import { parsePrometheusText, type PromSample } from './prometheus-text.parse';

/** `GET /v1/models` ModelCard (extra fields allowed; only what Headroom reads is checked). */
export const vllmModelCardSchema = z.object({
  id: z.string(),
  object: z.string().optional(),
  owned_by: z.string().optional(),
  root: z.string().nullable().optional(),
  parent: z.string().nullable().optional(),
  max_model_len: z.number().int().positive().nullable().optional(),
});

export const vllmModelListSchema = z.object({
  object: z.string().optional(),
  data: z.array(vllmModelCardSchema),
});

export const vllmVersionSchema = z.object({ version: z.string() });

export type VllmModelCard = z.infer<typeof vllmModelCardSchema>;
export type VllmModelList = z.infer<typeof vllmModelListSchema>;

/** `vllm:cache_config_info` labels that matter for memory, per engine where V1 labels engines. */
export interface VllmCacheConfig {
  /** Tokens per KV block (`block_size`, default 16). */
  blockSize: number | null;
  /** KV capacity in blocks, summed over engines. */
  gpuBlocks: number | null;
  /** `auto` = model dtype, `fp8`, `fp8_e4m3`, ... */
  cacheDtype: string | null;
  /** `--gpu-memory-utilization`, 0–1. */
  gpuMemoryUtilizationRatio: number | null;
  /** KV capacity in tokens, summed over engines: `kv_cache_size_tokens` where given, else blocks × block size. */
  capacityTokens: number | null;
  /** `kv_cache_max_concurrency` where given (recent versions), summed over engines. */
  maxConcurrency: number | null;
}

export interface VllmMetrics {
  /** Whether any `vllm:` series was present (false: not a vLLM `/metrics`). */
  isVllm: boolean;
  /** `engine` label values (V1); `[]` for V0, which has one unlabelled engine. */
  engines: string[];
  /** `model_name` label values. */
  modelNames: string[];
  /** The fullest engine's KV-cache block usage, 0–1. */
  kvCacheUsageRatio: number | null;
  /** Which generation of the KV metric was read. */
  kvCacheMetric: 'kv_cache_usage_perc' | 'gpu_cache_usage_perc' | null;
  /** Summed over engines. */
  requestsRunning: number | null;
  requestsWaiting: number | null;
  /** Cumulative counters, summed over engines (rates are the collector's job). */
  preemptionsTotal: number | null;
  promptTokensTotal: number | null;
  generationTokensTotal: number | null;
  cacheConfig: VllmCacheConfig | null;
}

const MAX_LABEL_VALUES = 64;

const WANTED = new Set([
  'vllm:kv_cache_usage_perc',
  'vllm:gpu_cache_usage_perc',
  'vllm:num_requests_running',
  'vllm:num_requests_waiting',
  'vllm:num_preemptions_total',
  'vllm:prompt_tokens_total',
  'vllm:generation_tokens_total',
  'vllm:cache_config_info',
]);

/** Reads vLLM's Prometheus text. Never throws; unknown or missing series give nulls. */
export function parseVllmMetrics(text: string): VllmMetrics {
  let isVllm = false;
  const samples = parsePrometheusText(text, (name) => {
    if (name.startsWith('vllm:')) isVllm = true;
    return WANTED.has(name);
  });
  const byName = new Map<string, PromSample[]>();
  for (const s of samples) {
    const list = byName.get(s.name) ?? [];
    list.push(s);
    byName.set(s.name, list);
  }
  const get = (name: string) => byName.get(name) ?? [];

  // Real servers have a handful of engines and served names; a hostile one may label thousands.
  const engines = unique(samples.map((s) => s.labels.engine).filter(isString)).slice(0, MAX_LABEL_VALUES);
  const modelNames = unique(samples.map((s) => s.labels.model_name).filter(isString)).slice(0, MAX_LABEL_VALUES);

  // Per engine: the new name where the engine reports it, else the deprecated alias (both are
  // emitted between v0.9.2 and 0.11). The server's headroom is its fullest engine.
  const kvNew = perEngine(get('vllm:kv_cache_usage_perc'));
  const kvOld = perEngine(get('vllm:gpu_cache_usage_perc'));
  let kvCacheUsageRatio: number | null = null;
  let kvCacheMetric: VllmMetrics['kvCacheMetric'] = null;
  for (const engine of new Set([...kvNew.keys(), ...kvOld.keys()])) {
    const fromNew = kvNew.get(engine);
    const value = fromNew ?? kvOld.get(engine);
    if (value === undefined || !Number.isFinite(value)) continue;
    kvCacheMetric ??= fromNew !== undefined ? 'kv_cache_usage_perc' : 'gpu_cache_usage_perc';
    const ratio = Math.min(1, Math.max(0, value));
    kvCacheUsageRatio = kvCacheUsageRatio === null ? ratio : Math.max(kvCacheUsageRatio, ratio);
  }

  return {
    isVllm,
    engines,
    modelNames,
    kvCacheUsageRatio,
    kvCacheMetric,
    requestsRunning: sum(get('vllm:num_requests_running')),
    requestsWaiting: sum(get('vllm:num_requests_waiting')),
    preemptionsTotal: sum(get('vllm:num_preemptions_total')),
    promptTokensTotal: sum(get('vllm:prompt_tokens_total')),
    generationTokensTotal: sum(get('vllm:generation_tokens_total')),
    cacheConfig: readCacheConfig(get('vllm:cache_config_info')),
  };
}

function readCacheConfig(samples: PromSample[]): VllmCacheConfig | null {
  if (samples.length === 0) return null;
  let gpuBlocks: number | null = null;
  let capacityTokens: number | null = null;
  let maxConcurrency: number | null = null;
  const first = samples[0]!.labels;
  for (const { labels } of samples) {
    const blocks = labelNumber(labels.num_gpu_blocks);
    const blockSize = labelNumber(labels.block_size);
    const sizeTokens = labelNumber(labels.kv_cache_size_tokens);
    const concurrency = labelNumber(labels.kv_cache_max_concurrency);
    if (blocks !== null) gpuBlocks = (gpuBlocks ?? 0) + blocks;
    // kv_cache_size_tokens is group-aware (hybrid models); blocks × block size is wrong there.
    const tokens = sizeTokens ?? (blocks !== null && blockSize !== null ? blocks * blockSize : null);
    if (tokens !== null) capacityTokens = (capacityTokens ?? 0) + tokens;
    if (concurrency !== null) maxConcurrency = (maxConcurrency ?? 0) + concurrency;
  }
  const utilization = labelNumber(first.gpu_memory_utilization);
  return {
    blockSize: labelNumber(first.block_size),
    gpuBlocks,
    cacheDtype: labelString(first.cache_dtype),
    gpuMemoryUtilizationRatio: utilization !== null && utilization >= 0 && utilization <= 1 ? utilization : null,
    capacityTokens: capacityTokens === null ? null : Math.round(capacityTokens),
    maxConcurrency,
  };
}

/** vLLM stringifies Python values: "None", "True", "16", "0.9". */
function labelString(value: string | undefined): string | null {
  if (value === undefined || value === '' || value === 'None') return null;
  return value;
}

function labelNumber(value: string | undefined): number | null {
  const s = labelString(value);
  if (s === null) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

function perEngine(samples: PromSample[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const s of samples) map.set(s.labels.engine ?? '', s.value);
  return map;
}

function sum(samples: PromSample[]): number | null {
  const finite = samples.filter((s) => Number.isFinite(s.value));
  if (finite.length === 0) return null;
  return finite.reduce((acc, s) => acc + s.value, 0);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function isString(value: string | undefined): value is string {
  return typeof value === 'string';
}

/**
 * Requests at the full context that fit the KV cache at once: the server's own figure where it
 * reports one, else capacity tokens / max_model_len.
 */
export function maxConcurrencyFor(config: VllmCacheConfig | null, maxModelLen: number | null): number | null {
  if (!config) return null;
  if (config.maxConcurrency !== null) return config.maxConcurrency;
  if (config.capacityTokens === null || maxModelLen === null || maxModelLen <= 0) return null;
  return Math.round((config.capacityTokens / maxModelLen) * 100) / 100;
}

/** Base models only: LoRA adapter cards (`parent` set) share the base model's memory. */
export function servedBaseModels(list: VllmModelList): VllmModelCard[] {
  return list.data.filter((card) => !card.parent);
}
