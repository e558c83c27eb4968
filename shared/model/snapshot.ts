import { z } from 'zod';

/**
 * The Snapshot: the complete picture at one instant. Tools outside the project read these
 * field names; do not rename them. Bytes are integers, times are epoch milliseconds.
 */

const bytes = z.number().int().nonnegative();
const nullableNumber = z.number().finite().nullable();

export const gpuVendorSchema = z.enum(['nvidia', 'amd', 'apple', 'other']);

/** Memory one process holds on one GPU (nvidia-smi compute apps, Windows GPU Process Memory). */
export const gpuProcessSchema = z.object({
  pid: z.number().int(),
  name: z.string(),
  usedBytes: bytes.nullable(),
  /** Backend id (e.g. `ollama@127.0.0.1:11434`) when the process is a known LLM server; else null. */
  backendId: z.string().nullable(),
});

export const gpuSchema = z.object({
  /** Stable id, `gpu:<index>`. */
  id: z.string(),
  index: z.number().int().nonnegative(),
  vendor: gpuVendorSchema,
  name: z.string(),
  uuid: z.string().nullable(),
  memoryTotalBytes: bytes,
  memoryUsedBytes: bytes,
  memoryFreeBytes: bytes,
  /** 0–100, null where the driver does not report it (`[N/A]`, MIG). */
  utilizationPct: nullableNumber,
  temperatureC: nullableNumber,
  powerWatts: nullableNumber,
  /** Memory the driver/firmware reserves (nvidia-smi `memory.reserved`), when known. */
  memoryReservedBytes: bytes.nullable().optional(),
  /** Id of the source that produced this reading (e.g. `nvidia-smi`). */
  sourceId: z.string().optional(),
  /** True when the reading is older than expected (a stalled stream). */
  stale: z.boolean().optional(),
  /** Per-process usage where the platform reports it. */
  processes: z.array(gpuProcessSchema).optional(),
  /**
   * Who holds this GPU's used memory: each LLM server (by process), other apps, and memory no
   * listed process accounts for (driver, graphics-only apps). `bytes` null = not reported.
   */
  owners: z
    .array(z.object({ label: z.string(), kind: z.enum(['llm', 'other', 'unattributed']), backendId: z.string().nullable(), bytes: bytes.nullable() }))
    .optional(),

  // ── Platform extras (issue 5). All optional: absent means the platform does not report it. ──
  /**
   * Windows (`GPU Adapter Memory\Shared Usage`): bytes of shared system RAM the GPU uses.
   * On a discrete GPU, shared usage above a small floor while a model is loaded means the
   * driver is spilling VRAM into system RAM (generation slows 5–10×).
   */
  sharedUsedBytes: bytes.nullable().optional(),
  /** True on unified-memory GPUs (Apple Silicon): total is a budget shared with the OS and apps. */
  unifiedMemory: z.boolean().optional(),
  /** One sentence on how to read this GPU's figures (e.g. the unified-memory budget). */
  note: z.string().optional(),
});

export const systemSchema = z.object({
  memoryTotalBytes: bytes,
  memoryUsedBytes: bytes,
  swapTotalBytes: bytes,
  swapUsedBytes: bytes,
});

export const backendKindSchema = z.enum(['ollama', 'vllm', 'llamacpp', 'lmstudio', 'openai']);
export const backendStatusSchema = z.enum(['up', 'down', 'error', 'unauthorized']);

export const slotSchema = z.object({
  id: z.number().int(),
  contextTokens: z.number().int().nonnegative(),
  usedTokens: z.number().int().nonnegative().nullable(),
  processing: z.boolean(),
});

/** One point of a predicted VRAM-vs-context curve. */
export const curvePointSchema = z.object({
  contextTokens: z.number().int().nonnegative(),
  kvBytes: bytes,
  totalBytes: bytes,
});

/**
 * The memory model's prediction for a loaded model on the GPU that holds it: VRAM against
 * context per KV cache type, the largest context under the threshold per type, and how many
 * sequences fit at common per-user contexts. Totals include estimated parts (`estimates`).
 */
export const predictionSchema = z.object({
  gpuId: z.string(),
  gpuTotalBytes: bytes,
  /** The critical threshold in bytes (e.g. 90 % of the GPU). */
  thresholdBytes: bytes,
  /** Weights as used in the totals, and how they were obtained. */
  weightsBytes: bytes.nullable(),
  weightsSource: z.string(),
  overheadBytes: bytes,
  /** The KV type the model runs with now (as far as Headroom can tell). */
  currentCacheType: z.string(),
  currentContextTokens: z.number().int().nonnegative().nullable(),
  curves: z.array(
    z.object({
      cacheType: z.string(),
      bytesPerToken: bytes.nullable(),
      largestContextTokens: z.number().int().nonnegative().nullable(),
      error: z.string().nullable(),
      points: z.array(curvePointSchema),
    }),
  ),
  concurrency: z.array(z.object({ perUserContextTokens: z.number().int().positive(), cacheType: z.string(), maxSequences: z.number().int().nonnegative().nullable() })),
  isEstimate: z.boolean(),
  estimates: z.array(z.string()),
  notes: z.array(z.string()),
  /** Where the architecture came from (Ollama /api/show, GGUF header, catalog). */
  architectureSource: z.string(),
  /** The llama.cpp allocation rules the KV figures follow, and why ("llama.cpp b7108 rules: /props build_info b7108-…"). */
  ruleSet: z.string().optional(),
  /** Predicted compute buffer at the current context (estimate), bytes; compared with `measured`. */
  currentComputeBytes: bytes.nullable().optional(),
});

/** What the engine itself logged when it loaded the model (llama.cpp-style load log), bytes. */
export const measuredSchema = z.object({
  kvBytes: bytes.nullable(),
  weightsBytes: bytes.nullable(),
  computeBytes: bytes.nullable(),
  /** The log file and load it came from ("llama-server log /var/log/llama.log, load at line 1042"). */
  source: z.string(),
  /** The same figures per device (`CUDA0`, `CPU`, `Metal`…), where the log names devices. */
  devices: z.array(z.object({ device: z.string(), kvBytes: bytes, weightsBytes: bytes, computeBytes: bytes })).optional(),
});

export const modelSchema = z.object({
  name: z.string(),
  /** The context the server actually serves per sequence (tokens). */
  contextLength: z.number().int().nonnegative().nullable(),
  /** Total memory the loaded model occupies (weights + KV + graph), CPU + GPU. */
  sizeBytes: bytes.nullable(),
  /** The part of `sizeBytes` resident in GPU memory. */
  vramBytes: bytes.nullable(),
  /** KV-cache bytes per token of context (all layers, K + V). */
  kvBytesPerToken: bytes.nullable(),
  /** KV-cache bytes at the loaded context. */
  kvCacheBytes: bytes.nullable(),
  /** vLLM: fraction 0–1 of KV-cache blocks in use. */
  kvCacheUsageRatio: z.number().min(0).max(1).nullable().optional(),
  requestsRunning: z.number().int().nonnegative().nullable().optional(),
  requestsWaiting: z.number().int().nonnegative().nullable().optional(),
  slots: z.array(slotSchema).optional(),
  /** Architecture family (GGUF `general.architecture`), parameter size label, quantization. */
  family: z.string().nullable().optional(),
  parameterSize: z.string().nullable().optional(),
  quantization: z.string().nullable().optional(),
  /** Where kvBytesPerToken came from, in words ("Ollama /api/show model_info: qwen2.* keys"). */
  kvSource: z.string().nullable().optional(),

  // ── Issue 4: per-backend extras. All optional; absent or null where a backend does not report them. ──
  /**
   * KV-cache capacity in tokens. vLLM: `kv_cache_size_tokens`, else GPU blocks × block size,
   * summed over engines. llama.cpp: the slot context when slots share one cache, else n_ctx × slots.
   */
  kvCacheCapacityTokens: z.number().int().nonnegative().nullable().optional(),
  /** vLLM: requests at the full context (`max_model_len`) that fit in the KV cache at once. */
  maxConcurrency: z.number().nonnegative().nullable().optional(),
  /** vLLM `vllm:cache_config_info`: how the KV cache was sized at start-up. */
  cacheConfig: z
    .object({
      /** Tokens per KV block. */
      blockSize: z.number().int().positive().nullable(),
      /** KV blocks on the GPU, summed over engines. */
      gpuBlocks: z.number().int().nonnegative().nullable(),
      /** `auto` (model dtype), `fp8`, ... */
      cacheDtype: z.string().nullable(),
      /** `--gpu-memory-utilization`, 0–1: the share of the GPU vLLM preallocates. */
      gpuMemoryUtilizationRatio: z.number().min(0).max(1).nullable(),
    })
    .nullable()
    .optional(),
  /** vLLM: preemptions per minute between the last two reads (KV-cache pressure); null on the first read. */
  preemptionsPerMinute: nullableNumber.optional(),
  /** vLLM `vllm:num_preemptions_total` summed over engines (the counter; alerts use its increase). */
  preemptionsTotal: z.number().nonnegative().nullable().optional(),
  /** Prompt (prefill) and generated tokens per second between the last two reads. */
  promptTokensPerSecond: nullableNumber.optional(),
  generationTokensPerSecond: nullableNumber.optional(),
  /** llama.cpp: whether all slots share one KV cache (`--kv-unified`); null where it cannot be told. */
  kvUnified: z.boolean().nullable().optional(),
  /** Size of the model file on disk (GGUF/MLX), bytes: not the memory it takes once loaded. */
  fileSizeBytes: bytes.nullable().optional(),

  // ── Issue 3: what the memory model predicts for this model on its GPU. ──
  prediction: predictionSchema.nullable().optional(),
  /** Why there is no prediction ("cannot predict: missing qwen2.attention.head_count"), else null. */
  predictionError: z.string().nullable().optional(),
  /** Issue 13: the engine's own allocation from its load log, when Headroom can read the log; else null. */
  measured: measuredSchema.nullable().optional(),
});

export const backendSchema = z.object({
  /** Stable id, `<kind>@<host>:<port>`. */
  id: z.string(),
  kind: backendKindSchema,
  url: z.string(),
  status: backendStatusSchema,
  message: z.string().nullable(),
  version: z.string().nullable(),
  models: z.array(modelSchema),
  // ── Issue 4 ──
  /** What this kind of backend can tell at all, e.g. "model list only; no memory data" (OpenAI-compatible). */
  note: z.string().nullable().optional(),
});

export const sourceStatusSchema = z.enum(['ok', 'unavailable', 'error']);

export const sourceSchema = z.object({
  id: z.string(),
  status: sourceStatusSchema,
  message: z.string().nullable(),
  /** Short human label ("NVIDIA (nvidia-smi)", "System memory"). */
  label: z.string().optional(),
});

/** Alert kinds: a fixed, documented set (README "Alerts"). */
export const alertKindSchema = z.enum([
  'threshold',
  'forecast',
  'spill',
  'other-app',
  'backend-down',
  'unauthorized',
  'preemption',
  'context-full',
]);
export const alertSeveritySchema = z.enum(['warning', 'critical']);

export const alertSchema = z.object({
  id: z.string(),
  severity: alertSeveritySchema,
  kind: alertKindSchema,
  /** Names the cause and the remedy. */
  message: z.string(),
  /** The source the alert is about, e.g. `gpu:0`. */
  sourceId: z.string(),
  sinceMs: z.number().int().nonnegative(),
});

export const snapshotSchema = z.object({
  atMs: z.number().int().nonnegative(),
  demo: z.boolean(),
  gpus: z.array(gpuSchema),
  system: systemSchema.nullable(),
  backends: z.array(backendSchema),
  sources: z.array(sourceSchema),
  alerts: z.array(alertSchema),
  /** The thresholds the alerts were computed with, as percentages of GPU memory. */
  thresholds: z
    .object({
      warningPct: z.number(),
      criticalPct: z.number(),
      /** Per-GPU tiers where they differ from the global ones (and GPUs whose VRAM alerts are off). */
      perGpu: z.record(z.string(), z.object({ warningPct: z.number(), criticalPct: z.number(), ignoreVram: z.boolean() })).optional(),
    })
    .optional(),
  /** Monitor tick interval in ms. */
  intervalMs: z.number().int().positive().optional(),
  /** Notification snoozes in force: `untilMs` null = until restart. Alerts still show in the Snapshot. */
  delivery: z
    .object({ snoozes: z.array(z.object({ target: z.string(), untilMs: z.number().nullable() })), mutedRules: z.array(z.string()) })
    .optional(),
  /** Persisted history: being written, or paused with why ("history paused: disk full (…)"). Absent when nothing is persisted. */
  history: z.object({ state: z.enum(['writing', 'paused']), message: z.string().nullable() }).optional(),
});

export type GpuVendor = z.infer<typeof gpuVendorSchema>;
export type GpuProcess = z.infer<typeof gpuProcessSchema>;
export type GpuReading = z.infer<typeof gpuSchema>;
export type SystemMemory = z.infer<typeof systemSchema>;
export type BackendKind = z.infer<typeof backendKindSchema>;
export type BackendStatusValue = z.infer<typeof backendStatusSchema>;
export type Slot = z.infer<typeof slotSchema>;
export type LoadedModel = z.infer<typeof modelSchema>;
export type ModelPredictionView = z.infer<typeof predictionSchema>;
export type MeasuredMemory = z.infer<typeof measuredSchema>;
export type BackendReading = z.infer<typeof backendSchema>;
export type SourceStatus = z.infer<typeof sourceSchema>;
export type AlertKind = z.infer<typeof alertKindSchema>;
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;
export type Alert = z.infer<typeof alertSchema>;
export type Snapshot = z.infer<typeof snapshotSchema>;
