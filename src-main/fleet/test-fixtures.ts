/** Snapshots for the fleet tests and benchmark: one machine with `gpus` cards, vLLM up. */
import type { Alert, Snapshot } from '../../shared/model/snapshot';

const GiB = 2 ** 30;

export function fleetFixtureSnapshot(over: Partial<Snapshot> = {}, gpus = 2): Snapshot {
  return {
    atMs: 1_700_000_001_000,
    demo: false,
    gpus: Array.from({ length: gpus }, (_, i) => ({
      id: `gpu:${i}`,
      index: i,
      vendor: 'nvidia' as const,
      name: 'NVIDIA H100 80GB HBM3',
      uuid: `GPU-0000000${i}-0000-0000-0000-000000000000`,
      memoryTotalBytes: 80 * GiB,
      memoryUsedBytes: 72 * GiB,
      memoryFreeBytes: 8 * GiB,
      utilizationPct: 55,
      temperatureC: 60,
      powerWatts: 400,
      sourceId: 'nvidia-smi',
    })),
    system: { memoryTotalBytes: 512 * GiB, memoryUsedBytes: 100 * GiB, swapTotalBytes: 0, swapUsedBytes: 0 },
    backends: [
      {
        id: 'vllm@127.0.0.1:8000',
        kind: 'vllm',
        url: 'http://127.0.0.1:8000',
        status: 'up',
        message: null,
        version: '0.11.0',
        models: [{ name: 'Qwen/Qwen2.5-Coder-32B-Instruct', contextLength: 32768, sizeBytes: null, vramBytes: null, kvBytesPerToken: 262144, kvCacheBytes: null, kvCacheUsageRatio: 0.42, requestsRunning: 3, requestsWaiting: 0 }],
      },
    ],
    sources: [{ id: 'nvidia-smi', status: 'ok', message: null, label: 'NVIDIA (nvidia-smi)' }],
    alerts: [],
    thresholds: { warningPct: 80, criticalPct: 90 },
    intervalMs: 1000,
    ...over,
  };
}

export function fleetFixtureAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'vram-critical:gpu:0',
    severity: 'critical',
    kind: 'threshold',
    message: 'GPU 0 memory at 95% (critical at 90%).',
    sourceId: 'gpu:0',
    sinceMs: 1_700_000_000_000,
    ...over,
  };
}
