/** Snapshots for the Electron shell's tests and benchmark (shaped like the demo session's). */
import type { Alert, BackendReading, GpuReading, Snapshot } from '../../shared/model/snapshot';

const GiB = 2 ** 30;

export function fixtureGpu(over: Partial<GpuReading> = {}): GpuReading {
  const total = over.memoryTotalBytes ?? 24 * GiB;
  const used = over.memoryUsedBytes ?? 18 * GiB;
  return {
    id: `gpu:${over.index ?? 0}`,
    index: 0,
    vendor: 'nvidia',
    name: 'NVIDIA GeForce RTX 4090',
    uuid: 'GPU-00000000-0000-0000-0000-000000000000',
    memoryTotalBytes: total,
    memoryUsedBytes: used,
    memoryFreeBytes: Math.max(0, total - used),
    utilizationPct: 40,
    temperatureC: 61,
    powerWatts: 220.5,
    sourceId: 'nvidia-smi',
    processes: [{ pid: 4242, name: 'ollama', usedBytes: 14 * GiB, backendId: 'ollama@127.0.0.1:11434' }],
    ...over,
  };
}

export function fixtureBackend(over: Partial<BackendReading> = {}): BackendReading {
  return {
    id: 'ollama@127.0.0.1:11434',
    kind: 'ollama',
    url: 'http://127.0.0.1:11434',
    status: 'up',
    message: null,
    version: '0.12.3',
    models: [
      {
        name: 'qwen2.5-coder:14b',
        contextLength: 8192,
        sizeBytes: 11 * GiB,
        vramBytes: 11 * GiB,
        kvBytesPerToken: 196_608,
        kvCacheBytes: 1_610_612_736,
        family: 'qwen2',
        parameterSize: '14.8B',
        quantization: 'Q4_K_M',
        kvSource: 'Ollama /api/show model_info: qwen2.* keys',
      },
    ],
    ...over,
  };
}

export function fixtureAlert(over: Partial<Alert> = {}): Alert {
  return {
    id: 'threshold:gpu:0',
    severity: 'warning',
    kind: 'threshold',
    message: 'GPU 0 memory at 86% (warning at 80%). Unload a model or lower num_ctx.',
    sourceId: 'gpu:0',
    sinceMs: 1_700_000_000_000,
    ...over,
  };
}

export function fixtureSnapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    atMs: 1_700_000_001_000,
    demo: false,
    gpus: [fixtureGpu()],
    system: { memoryTotalBytes: 64 * GiB, memoryUsedBytes: 20 * GiB, swapTotalBytes: 8 * GiB, swapUsedBytes: 0 },
    backends: [fixtureBackend()],
    sources: [
      { id: 'nvidia-smi', status: 'ok', message: null, label: 'NVIDIA (nvidia-smi)' },
      { id: 'system', status: 'ok', message: null, label: 'System memory' },
    ],
    alerts: [],
    thresholds: { warningPct: 80, criticalPct: 90 },
    intervalMs: 1000,
    ...over,
  };
}
