import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../model/snapshot';
import { computeCapacity, fillForecastSeconds } from './capacity';

type Model = Snapshot['backends'][number]['models'][number];
const model = (m: Partial<Model>): Model => ({ name: 'm', contextLength: 32768, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null, ...m });
const snap = (atMs: number, backends: Snapshot['backends'], freeBytes = 10 * 1024 ** 3): Snapshot => ({
  atMs,
  demo: false,
  gpus: [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: 80 * 1024 ** 3, memoryUsedBytes: 80 * 1024 ** 3 - freeBytes, memoryFreeBytes: freeBytes, utilizationPct: null, temperatureC: null, powerWatts: null }],
  system: null,
  backends,
  sources: [],
  alerts: [],
});
const vllm = (m: Partial<Model>): Snapshot['backends'][number] => ({ id: 'vllm@h:8000', kind: 'vllm', url: 'http://h:8000', status: 'up', message: null, version: null, models: [model({ name: 'qwen', ...m })] });

describe('capacity', () => {
  it('vLLM: pool → users at 4k/8k/32k, room in the free part of the pool, the headline', () => {
    // 400,000-token pool, 25 % used: 100k in use, 300k free → 36 more users at 8k.
    const r = computeCapacity(snap(0, [vllm({ kvCacheCapacityTokens: 400_000, kvCacheUsageRatio: 0.25, requestsRunning: 6, requestsWaiting: 0, preemptionsPerMinute: 0 })]), []);
    expect(r.models[0]!.usersAt).toEqual([
      { contextTokens: 4096, users: 97 },
      { contextTokens: 8192, users: 48 },
      { contextTokens: 32768, users: 12 },
    ]);
    expect(r.models[0]!.moreUsers).toBe(36);
    expect(r.headline).toBe('Room for 36 more users at 8k context.');
    expect(r.models[0]!.sentence).toBe('qwen: room for 36 more users at 8k context (6 active now).');
  });

  it('vLLM: blocks × block size when the pool size is not given; 32k per user over max_model_len is 0; waiting means full', () => {
    const r = computeCapacity(snap(0, [vllm({ contextLength: 16384, cacheConfig: { blockSize: 16, gpuBlocks: 10_000, cacheDtype: 'auto', gpuMemoryUtilizationRatio: 0.9 }, kvCacheUsageRatio: 0.99, requestsRunning: 9, requestsWaiting: 3 })]), [], { perUserContextTokens: 32768 });
    expect(r.models[0]!.poolTokens).toBe(160_000);
    expect(r.models[0]!.usersAt.find((u) => u.contextTokens === 32768)!.users).toBe(0);
    expect(r.models[0]!.moreUsers).toBe(0);
    expect(r.models[0]!.sentence).toBe('qwen: full: 3 requests waiting for KV-cache room.');
    expect(r.headline).toBe('No room for more users at 32k context: new requests queue now.');
    const sched = computeCapacity(snap(0, [vllm({ kvCacheCapacityTokens: 100_000, kvCacheUsageRatio: 0.42, requestsRunning: 6, requestsWaiting: 2 })]), []);
    expect(sched.models[0]!.sentence).toBe("qwen: full: 2 requests waiting although the KV pool is 42 % used (the scheduler's limit, max_num_seqs, not memory).");
  });

  it('forecasts when the pool fills from a significant rising trend, never from noise or a flat pool', () => {
    const rising = Array.from({ length: 60 }, (_, i) => ({ t: i * 2000, y: 0.3 + 0.005 * i })); // +0.15/min
    const now = rising[rising.length - 1]!.y;
    const s = fillForecastSeconds(rising, now);
    expect(s).toBe(162); // at 0.595, rising 0.0025 per second: (1 − 0.595) / 0.0025 = 162 s
    expect(fillForecastSeconds(Array.from({ length: 60 }, (_, i) => ({ t: i * 2000, y: 0.5 + (i % 2 ? 0.01 : -0.01) })), 0.5)).toBeNull();
    expect(fillForecastSeconds(Array.from({ length: 60 }, (_, i) => ({ t: i * 2000, y: 0.5 })), 0.5)).toBeNull();
    expect(fillForecastSeconds(rising.slice(0, 10), 0.345)).toBeNull(); // under a minute of evidence
    const snaps = rising.map((p) => snap(p.t, [vllm({ kvCacheCapacityTokens: 100_000, kvCacheUsageRatio: p.y })]));
    expect(computeCapacity(snaps[snaps.length - 1]!, snaps).models[0]!.fillsInSeconds).toBe(s);
  });

  it('llama.cpp: slots in use of total; a slot smaller than the context fits nobody', () => {
    const slots = [0, 1, 2, 3].map((id) => ({ id, contextTokens: 8192, usedTokens: 100, processing: id < 1 }));
    const b = { id: 'llamacpp@h:8080', kind: 'llamacpp' as const, url: 'http://h:8080', status: 'up' as const, message: null, version: null, models: [model({ name: 'q', slots })] };
    const r = computeCapacity(snap(0, [b]), []);
    expect(r.models[0]).toMatchObject({ slots: { inUse: 1, total: 4 }, moreUsers: 3, sentence: 'q: 1 of 4 slots in use: room for 3 more users at 8k context.' });
    expect(computeCapacity(snap(0, [b]), [], { perUserContextTokens: 32768 }).models[0]!.moreUsers).toBe(0);
  });

  it('Ollama: NUM_PARALLEL × num_ctx, and what one more model would evict', () => {
    const b = { id: 'ollama@h:11434', kind: 'ollama' as const, url: 'http://h:11434', status: 'up' as const, message: null, version: null, models: [model({ name: 'big', contextLength: 8192, vramBytes: 20 * 1024 ** 3 }), model({ name: 'small', contextLength: 4096, vramBytes: 5 * 1024 ** 3 })] };
    const r = computeCapacity(snap(0, [b], 6 * 1024 ** 3), [], { ollamaNumParallel: 2 });
    expect(r.models.map((m) => m.moreUsers)).toEqual([2, 0]);
    expect(r.models[1]!.sentence).toBe('small: loaded with 4k context; a request for 8k makes Ollama reload it with a larger KV cache.');
    expect(r.ollamaEviction).toEqual(['One more model up to 6.0 GiB loads beside the 2 loaded; a bigger one makes Ollama unload small (its keep-alive ends first), freeing 5.0 GiB.']);
  });

  it('says so when nothing can tell', () => {
    expect(computeCapacity(snap(0, []), []).headline).toBe('No LLM server with capacity figures is running.');
  });
});
