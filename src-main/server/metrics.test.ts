import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/model/snapshot';
import { createMetrics } from './metrics';

const snapshot: Snapshot = {
  atMs: 1_700_000_000_000, demo: false, system: { memoryTotalBytes: 64, memoryUsedBytes: 32, swapTotalBytes: 0, swapUsedBytes: 0 }, sources: [],
  gpus: [{
    id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'RTX', uuid: 'GPU-1', memoryTotalBytes: 1000, memoryUsedBytes: 600, memoryFreeBytes: 400, utilizationPct: 50, temperatureC: null, powerWatts: null,
    processes: [{ pid: 1, name: 'ollama', usedBytes: 500, backendId: 'ollama@h:1' }],
    owners: [{ label: 'Ollama h:1', kind: 'llm', backendId: 'ollama@h:1', bytes: 500 }, { label: 'Other apps', kind: 'other', backendId: null, bytes: null }],
  }],
  backends: [{
    id: 'llamacpp@h:2', kind: 'llamacpp', url: 'http://h:2', status: 'up', message: null, version: null,
    models: [{
      name: 'm', contextLength: 4096, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: 2048,
      slots: [{ id: 0, contextTokens: 4096, usedTokens: 1024, processing: true }, { id: 1, contextTokens: 4096, usedTokens: null, processing: false }],
      prediction: {
        gpuId: 'gpu:0', gpuTotalBytes: 1000, thresholdBytes: 900, weightsBytes: 1, weightsSource: 't', overheadBytes: 0, currentCacheType: 'f16', currentContextTokens: 4096,
        curves: [{ cacheType: 'f16', bytesPerToken: 1, largestContextTokens: 8192, error: null, points: [] }, { cacheType: 'q8_0', bytesPerToken: 1, largestContextTokens: null, error: 'x', points: [] }],
        concurrency: [], isEstimate: true, estimates: [], notes: [], architectureSource: 't',
      },
    }],
  }],
  alerts: [{ id: 'a', severity: 'critical', kind: 'threshold', message: 'm', sourceId: 'gpu:0', sinceMs: 1 }],
};

describe('Prometheus view', () => {
  it('exports GPU, owner, model, slot and alert series from the Snapshot', async () => {
    const text = await createMetrics(() => snapshot).render();
    for (const line of [
      'headroom_gpu_info{gpu="gpu:0",uuid="GPU-1",name="RTX",vendor="nvidia"} 1',
      'headroom_gpu_memory_used_bytes{gpu="gpu:0",uuid="GPU-1"} 600',
      'headroom_gpu_memory_used_ratio{gpu="gpu:0",uuid="GPU-1"} 0.6',
      'headroom_gpu_utilization_ratio{gpu="gpu:0",uuid="GPU-1"} 0.5',
      'headroom_gpu_owner_bytes{gpu="gpu:0",uuid="GPU-1",kind="llm"} 500',
      'headroom_model_slots{backend="llamacpp@h:2",model="m"} 2',
      'headroom_model_slots_processing{backend="llamacpp@h:2",model="m"} 1',
      'headroom_model_largest_context_tokens{backend="llamacpp@h:2",model="m",cache_type="f16"} 8192',
      'headroom_slot_context_fill_ratio{backend="llamacpp@h:2",model="m",slot="0"} 0.25',
      'headroom_model_kv_cache_bytes{backend="llamacpp@h:2",model="m"} 2048',
      'headroom_backend_up{backend="llamacpp@h:2",kind="llamacpp"} 1',
      'headroom_alerts_active{severity="critical",kind="threshold"} 1',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toContain('kind="other"'); // not reported → no series, never 0
    expect(text).not.toMatch(/^headroom_process_/m); // no default metrics: they wake the process on timers
    expect(text).not.toContain('cache_type="q8_0"');
    expect(text).not.toContain('slot="1"');
  });
  it('bounds series per metric and escapes label values', async () => {
    const many: Snapshot = { ...snapshot, backends: [{ ...snapshot.backends[0]!, models: Array.from({ length: 2000 }, (_, i) => ({ ...snapshot.backends[0]!.models[0]!, name: `m"${i}\n` })) }] };
    const text = await createMetrics(() => many).render();
    expect(text.split('\n').filter((l) => l.startsWith('headroom_model_kv_cache_bytes{')).length).toBe(512);
    expect(text).toContain('model="m\\"0\\n"');
  });
  it('renders without a Snapshot', async () => {
    expect(await createMetrics(() => null).render()).toContain('# TYPE headroom_gpu_memory_used_bytes gauge');
  });
});
