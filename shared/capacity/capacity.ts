/**
 * Live capacity for N users: how many people a server takes at the context each of them uses,
 * computed from Snapshots (pure; the server's `/api/capacity` and the Capacity page both use it).
 *
 * - vLLM: the KV pool (GPU blocks × block size, or `kv_cache_size_tokens`) holds
 *   `pool / context` users whose whole context is resident. Room now: the free part of the pool
 *   (`(1 − usage) × pool`) over the per-user context. Active = running requests, waiting =
 *   queued ones; preemptions per minute; a forecast of when the pool fills at the recent trend.
 * - Ollama: each loaded model serves `OLLAMA_NUM_PARALLEL` requests at its `num_ctx`; a user
 *   needing more context than `num_ctx` forces a reload. What one more model would evict:
 *   anything bigger than the GPU's free memory makes Ollama unload the model whose keep-alive
 *   ends first (the last one `/api/ps` lists).
 * - llama.cpp: slots in use of total; a slot holds one user up to its context.
 */
import type { BackendKind, Snapshot } from '../model/snapshot';

export const CAPACITY_COLUMNS = [4096, 8192, 32768] as const;
export const DEFAULT_USER_CONTEXT = 8192;

export interface CapacityUsersAt {
  contextTokens: number;
  /** Users whose whole context fits at once (null: unknown). */
  users: number | null;
}

export interface ModelCapacity {
  backendId: string;
  kind: BackendKind;
  model: string;
  /** KV pool in tokens (vLLM, llama.cpp unified) or slots × context; null where unknown. */
  poolTokens: number | null;
  /** Fraction of the pool in use now (vLLM), 0–1. */
  usedRatio: number | null;
  /** Users at each of the 4k / 8k / 32k columns (and the chosen context). */
  usersAt: CapacityUsersAt[];
  /** Requests being served now and waiting for room. */
  active: number | null;
  waiting: number | null;
  preemptionsPerMinute: number | null;
  /** Slots in use of total (llama.cpp, Ollama's parallel requests). */
  slots: { inUse: number | null; total: number } | null;
  /** More users at the chosen context before requests queue (null: unknown). */
  moreUsers: number | null;
  /** Seconds until the pool is full at the recent trend; null when not filling or not enough evidence. */
  fillsInSeconds: number | null;
  /** One sentence per model, for people. */
  sentence: string;
  notes: string[];
}

export interface CapacityReport {
  atMs: number;
  perUserContextTokens: number;
  models: ModelCapacity[];
  /** Sum of `moreUsers` where known; null when no model could tell. */
  moreUsers: number | null;
  /** "Room for 12 more users at 8k context." */
  headline: string;
  /** Ollama: what one more model would do, per GPU with Ollama models on it. */
  ollamaEviction: string[];
}

export interface CapacityOptions {
  perUserContextTokens?: number;
  /** OLLAMA_NUM_PARALLEL on the monitored server (not visible through its API); default 1. */
  ollamaNumParallel?: number;
}

/** `8k`, `32k`, `4096` → the label people use. */
export function contextLabel(tokens: number): string {
  return tokens % 1024 === 0 ? `${tokens / 1024}k` : `${tokens}`;
}

/** Least-squares slope (per ms) of y over t, with the residual standard error; null under 3 points. */
export function trend(points: readonly { t: number; y: number }[]): { slope: number; stderr: number } | null {
  const n = points.length;
  if (n < 3) return null;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.t - mt) ** 2;
    sxy += (p.t - mt) * (p.y - my);
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  let sse = 0;
  for (const p of points) sse += (p.y - (my + slope * (p.t - mt))) ** 2;
  const stderr = Math.sqrt(sse / Math.max(1, n - 2) / sxx);
  return { slope, stderr };
}

/**
 * When a usage ratio reaches 1 at its recent trend: only with a rising, significant slope
 * (t > 3) over at least a minute of samples; null otherwise.
 */
export function fillForecastSeconds(points: readonly { t: number; y: number }[], nowRatio: number): number | null {
  if (points.length < 5) return null;
  const span = points[points.length - 1]!.t - points[0]!.t;
  if (span < 60_000) return null;
  const tr = trend(points);
  if (!tr || tr.slope <= 0) return null;
  if (tr.stderr > 0 && tr.slope / tr.stderr < 3) return null;
  const ms = (1 - nowRatio) / tr.slope;
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms / 1000) : 0;
}

const floorOrNull = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.max(0, Math.floor(x)));

/**
 * The capacity report for the latest Snapshot; `recent` (oldest first, the last ~10 minutes)
 * gives the fill trend.
 */
export function computeCapacity(latest: Snapshot, recent: readonly Pick<Snapshot, 'atMs' | 'backends'>[], options: CapacityOptions = {}): CapacityReport {
  const ctx = options.perUserContextTokens ?? DEFAULT_USER_CONTEXT;
  const parallel = options.ollamaNumParallel ?? 1;
  const columns = [...new Set([...CAPACITY_COLUMNS, ctx])].sort((a, b) => a - b);
  const models: ModelCapacity[] = [];
  const ollamaEviction: string[] = [];
  const label = contextLabel(ctx);

  for (const b of latest.backends) {
    if (b.status !== 'up') continue;
    for (const m of b.models) {
      const notes: string[] = [];
      let poolTokens: number | null = null;
      let usedRatio: number | null = null;
      let slots: ModelCapacity['slots'] = null;
      let usersAt: (c: number) => number | null = () => null;
      let moreUsers: number | null = null;
      let fillsInSeconds: number | null = null;
      let sentence: string;
      const active = m.requestsRunning ?? null;
      const waiting = m.requestsWaiting ?? null;

      if (b.kind === 'vllm') {
        poolTokens = m.kvCacheCapacityTokens ?? (m.cacheConfig?.gpuBlocks != null && m.cacheConfig.blockSize != null ? m.cacheConfig.gpuBlocks * m.cacheConfig.blockSize : null);
        usedRatio = m.kvCacheUsageRatio ?? null;
        const maxLen = m.contextLength;
        usersAt = (c) => (poolTokens === null ? null : maxLen !== null && c > maxLen ? 0 : floorOrNull(poolTokens / c));
        if (maxLen !== null && ctx > maxLen) notes.push(`This model serves at most ${contextLabel(maxLen)} tokens per request (max_model_len).`);
        if (poolTokens !== null && usedRatio !== null) moreUsers = maxLen !== null && ctx > maxLen ? 0 : floorOrNull(((1 - usedRatio) * poolTokens) / ctx);
        else if (poolTokens === null) notes.push('vLLM did not report its KV pool size (cache_config_info).');
        const points = recent.flatMap((s) => {
          const r = s.backends.find((x) => x.id === b.id)?.models.find((x) => x.name === m.name)?.kvCacheUsageRatio;
          return r == null ? [] : [{ t: s.atMs, y: r }];
        });
        if (usedRatio !== null) fillsInSeconds = fillForecastSeconds(points, usedRatio);
        if (waiting !== null && waiting > 0) moreUsers = 0;
        sentence =
          moreUsers === null
            ? `${m.name}: capacity unknown (no KV pool figures).`
            : waiting !== null && waiting > 0
              ? usedRatio !== null && usedRatio < 0.9
                ? `${m.name}: full: ${waiting} request${waiting === 1 ? '' : 's'} waiting although the KV pool is ${Math.round(usedRatio * 100)} % used (the scheduler's limit, max_num_seqs, not memory).`
                : `${m.name}: full: ${waiting} request${waiting === 1 ? '' : 's'} waiting for KV-cache room.`
              : `${m.name}: room for ${moreUsers} more user${moreUsers === 1 ? '' : 's'} at ${label} context${active !== null ? ` (${active} active now)` : ''}.`;
      } else if (b.kind === 'llamacpp' && m.slots?.length) {
        const total = m.slots.length;
        const inUse = m.slots.filter((s) => s.processing).length;
        slots = { inUse, total };
        const slotCtx = Math.min(...m.slots.map((s) => s.contextTokens));
        if (m.kvUnified && m.kvCacheCapacityTokens) {
          poolTokens = m.kvCacheCapacityTokens;
          usersAt = (c) => Math.min(total, floorOrNull(poolTokens! / c) ?? 0);
          notes.push('Slots share one KV cache (--kv-unified): long contexts take room from the other slots.');
        } else {
          poolTokens = slotCtx * total;
          usersAt = (c) => (c <= slotCtx ? total : 0);
        }
        const fitsCtx = (usersAt(ctx) ?? 0) > 0;
        moreUsers = fitsCtx ? Math.max(0, (usersAt(ctx) ?? 0) - inUse) : 0;
        if (!fitsCtx) notes.push(`Each slot holds ${contextLabel(slotCtx)} tokens: less than ${label}.`);
        sentence = fitsCtx
          ? `${m.name}: ${inUse} of ${total} slots in use: room for ${moreUsers} more user${moreUsers === 1 ? '' : 's'} at ${label} context.`
          : `${m.name}: slots hold ${contextLabel(slotCtx)} tokens; a user at ${label} does not fit (restart with a larger -c).`;
      } else if (b.kind === 'ollama') {
        const numCtx = m.contextLength;
        slots = { inUse: null, total: parallel };
        poolTokens = numCtx === null ? null : numCtx * parallel;
        usersAt = (c) => (numCtx === null ? null : c <= numCtx ? parallel : 0);
        moreUsers = usersAt(ctx);
        notes.push(`Assumes OLLAMA_NUM_PARALLEL=${parallel} (Ollama does not report it; set capacity "ollamaNumParallel").`);
        sentence =
          numCtx === null
            ? `${m.name}: context unknown (Ollama older than 0.10 does not report it).`
            : numCtx >= ctx
              ? `${m.name}: ${parallel} request${parallel === 1 ? '' : 's'} at once at up to ${contextLabel(numCtx)} context; more wait in Ollama's queue.`
              : `${m.name}: loaded with ${contextLabel(numCtx)} context; a request for ${label} makes Ollama reload it with a larger KV cache.`;
      } else {
        continue;
      }
      models.push({
        backendId: b.id,
        kind: b.kind,
        model: m.name,
        poolTokens,
        usedRatio,
        usersAt: columns.map((c) => ({ contextTokens: c, users: usersAt(c) })),
        active,
        waiting,
        preemptionsPerMinute: m.preemptionsPerMinute ?? null,
        slots,
        moreUsers,
        fillsInSeconds,
        sentence,
        notes,
      });
    }
    if (b.kind === 'ollama' && b.status === 'up' && b.models.length) {
      const gpu = latest.gpus.find((g) => g.owners?.some((o) => o.backendId === b.id)) ?? latest.gpus[0];
      const last = b.models[b.models.length - 1]!;
      if (gpu) {
        const free = gpu.memoryFreeBytes;
        const gib = (x: number) => `${(x / 1024 ** 3).toFixed(1)} GiB`;
        ollamaEviction.push(`One more model up to ${gib(free)} loads beside ${b.models.length === 1 ? b.models[0]!.name : `the ${b.models.length} loaded`}; a bigger one makes Ollama unload ${last.name} (its keep-alive ends first)${last.vramBytes ? `, freeing ${gib(last.vramBytes)}` : ''}.`);
      }
    }
  }
  const known = models.filter((m) => m.moreUsers !== null);
  const moreUsers = known.length ? known.reduce((a, m) => a + (m.moreUsers ?? 0), 0) : null;
  const headline =
    moreUsers === null
      ? models.length
        ? `Capacity unknown: the LLM servers do not report their KV pool.`
        : 'No LLM server with capacity figures is running.'
      : moreUsers === 0
        ? `No room for more users at ${label} context: new requests ${models.some((m) => (m.waiting ?? 0) > 0) ? 'queue now' : 'would queue'}.`
        : `Room for ${moreUsers} more user${moreUsers === 1 ? '' : 's'} at ${label} context.`;
  return { atMs: latest.atMs, perUserContextTokens: ctx, models, moreUsers, headline, ollamaEviction };
}
