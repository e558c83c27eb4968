import { describe, expect, it } from 'vitest';
import type { GpuReading, Snapshot } from '../../../shared/model/snapshot';
import { modelsOnGpu } from './GpuCard';

const gpu = (id: string, backendIds: string[]): GpuReading => ({
  id, index: Number(id.slice(4)), vendor: 'nvidia', name: id, uuid: null, memoryTotalBytes: 1, memoryUsedBytes: 0, memoryFreeBytes: 1, utilizationPct: null, temperatureC: null, powerWatts: null,
  processes: backendIds.map((b, i) => ({ pid: i, name: 'x', usedBytes: 1, backendId: b })),
});
const model = (name: string) => ({ name, contextLength: null, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null });
const snap = (gpus: GpuReading[]): Snapshot => ({
  atMs: 0, demo: false, system: null, sources: [], alerts: [], gpus,
  backends: [
    { id: 'ollama@h:1', kind: 'ollama', url: 'http://h:1', status: 'up', message: null, version: null, models: [model('big:70b')] },
    { id: 'vllm@h:2', kind: 'vllm', url: 'http://h:2', status: 'up', message: null, version: null, models: [model('Qwen/Q')] },
  ],
});

describe('modelsOnGpu', () => {
  it('a model split across two GPUs shows on each; another server only where its process runs', () => {
    const g0 = gpu('gpu:0', ['ollama@h:1']);
    const g1 = gpu('gpu:1', ['ollama@h:1', 'vllm@h:2']);
    const s = snap([g0, g1]);
    expect(modelsOnGpu(g0, s)).toEqual(['big:70b (Ollama)']);
    expect(modelsOnGpu(g1, s)).toEqual(['big:70b (Ollama)', 'Qwen/Q (vLLM)']);
  });
  it('one GPU without a process list: every loaded model; several GPUs without one: unknown', () => {
    expect(modelsOnGpu(gpu('gpu:0', []), snap([gpu('gpu:0', [])]))).toHaveLength(2);
    expect(modelsOnGpu(gpu('gpu:0', []), snap([gpu('gpu:0', []), gpu('gpu:1', [])]))).toEqual([]);
  });
});
