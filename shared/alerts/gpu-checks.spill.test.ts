import { describe, expect, it } from 'vitest';
import type { BackendReading, GpuReading } from '../model/snapshot';
import { GiB, MiB } from '../units/bytes';
import { initialAlertState, stepAlerts } from './engine';
import { defaultAlertSettings } from './settings';

const gpu = (id: string, totalGiB: number, sharedBytes: number | undefined): GpuReading => ({
  id, index: Number(id.slice(4)), vendor: 'nvidia', name: `G${id}`, uuid: null, memoryTotalBytes: totalGiB * GiB, memoryUsedBytes: totalGiB * GiB * 0.97,
  memoryFreeBytes: totalGiB * GiB * 0.03, utilizationPct: null, temperatureC: null, powerWatts: null, sharedUsedBytes: sharedBytes,
});
const ollama = (loaded: boolean): BackendReading => ({
  id: 'ollama@127.0.0.1:11434', kind: 'ollama', url: 'http://127.0.0.1:11434', status: 'up', message: null, version: '0.12.6',
  models: loaded ? [{ name: 'qwen2.5-coder:14b', contextLength: 32768, sizeBytes: 16 * GiB, vramBytes: 16 * GiB, kvBytesPerToken: 196608, kvCacheBytes: 6 * GiB }] : [],
});

function run(gpus: GpuReading[], backends: BackendReading[], ticks = 3) {
  let state = initialAlertState();
  let alerts: ReturnType<typeof stepAlerts>['alerts'] = [];
  for (let i = 0; i < ticks; i++) {
    const step = stepAlerts({ state, input: { gpus, backends }, settings: defaultAlertSettings(), nowMs: 1_000_000 + i * 1000 });
    state = step.state;
    alerts = step.alerts;
  }
  return alerts.filter((a) => a.kind === 'spill');
}

describe('Windows shared-memory spill', () => {
  it.each([
    { name: 'model loaded, 2 GiB shared on the discrete GPU', gpus: [gpu('gpu:0', 16, 2 * GiB)], loaded: true, want: ['spill:gpu:0:shared'] },
    { name: 'below the floor', gpus: [gpu('gpu:0', 16, 300 * MiB)], loaded: true, want: [] },
    { name: 'no model loaded', gpus: [gpu('gpu:0', 16, 2 * GiB)], loaded: false, want: [] },
    { name: 'integrated GPU beside a discrete one', gpus: [gpu('gpu:0', 16, 0), gpu('gpu:1', 0.5, 3 * GiB)], loaded: true, want: [] },
    { name: 'no shared counter (Linux)', gpus: [gpu('gpu:0', 16, undefined)], loaded: true, want: [] },
  ])('$name', ({ gpus, loaded, want }) => {
    const alerts = run(gpus, [ollama(loaded)]);
    expect(alerts.map((a) => a.id)).toEqual(want);
    if (want.length) expect(alerts[0]!.message).toMatch(/spilling 2\.0 GiB .* 5–10× slower/);
  });
});
