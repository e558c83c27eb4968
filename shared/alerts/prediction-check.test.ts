import { describe, expect, it } from 'vitest';
import type { BackendReading, GpuReading, ModelPredictionView } from '../model/snapshot';
import { GiB } from '../units/bytes';
import { initialAlertState, stepAlerts } from './engine';
import { defaultAlertSettings } from './settings';

const gpu: GpuReading = {
  id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'RTX 4090', uuid: null, memoryTotalBytes: 24 * GiB, memoryUsedBytes: 12 * GiB,
  memoryFreeBytes: 12 * GiB, utilizationPct: null, temperatureC: null, powerWatts: null,
};
const prediction = (atCtxGiB: number): ModelPredictionView => ({
  gpuId: 'gpu:0', gpuTotalBytes: 24 * GiB, thresholdBytes: 21.6 * GiB, weightsBytes: 9 * GiB, weightsSource: 'test', overheadBytes: 0,
  currentCacheType: 'f16', currentContextTokens: 32768, isEstimate: true, estimates: [], notes: [], architectureSource: 'test', concurrency: [],
  curves: [
    { cacheType: 'f16', bytesPerToken: 196608, largestContextTokens: 24576, error: null, points: [{ contextTokens: 16384, kvBytes: 0, totalBytes: 15 * GiB }, { contextTokens: 32768, kvBytes: 0, totalBytes: atCtxGiB * GiB }] },
    { cacheType: 'q8_0', bytesPerToken: 104448, largestContextTokens: 49152, error: null, points: [] },
  ],
});
const backend = (p: ModelPredictionView): BackendReading => ({
  id: 'ollama@127.0.0.1:11434', kind: 'ollama', url: 'http://127.0.0.1:11434', status: 'up', message: null, version: null,
  models: [{ name: 'qwen2.5-coder:14b', contextLength: 32768, sizeBytes: 9 * GiB, vramBytes: 9 * GiB, kvBytesPerToken: 196608, kvCacheBytes: 6 * GiB, prediction: p }],
});

function alertsFor(p: ModelPredictionView) {
  let state = initialAlertState();
  let out: ReturnType<typeof stepAlerts>['alerts'] = [];
  for (let i = 0; i < 3; i++) {
    const s = stepAlerts({ state, input: { gpus: [gpu], backends: [backend(p)] }, settings: defaultAlertSettings(), nowMs: 10_000 + i * 1000 });
    state = s.state;
    out = s.alerts;
  }
  return out.filter((a) => a.id.startsWith('fit:'));
}

describe('memory-model fit alert', () => {
  it('fires when the configured context needs more than the threshold, naming the contexts that fit', () => {
    const [a] = alertsFor(prediction(22.5));
    expect(a).toMatchObject({ kind: 'forecast', severity: 'warning', sourceId: 'gpu:0' });
    expect(a!.message).toMatch(/32,768 tokens needs about 22\.5 GiB .* above the 21\.6 GiB threshold.*24,576 tokens with f16 KV, 49,152 tokens with q8_0 KV/);
  });
  it('stays quiet when it fits', () => {
    expect(alertsFor(prediction(20))).toEqual([]);
  });
});
