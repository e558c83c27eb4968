/**
 * Demo mode: a scripted, realistic session fed through the same pipeline as real sources.
 * qwen2.5-coder:14b (Q4_K_M) on a 24 GiB RTX 4090: load at 8k context, a browser grows,
 * a reload to 32k context pushes past 80 %, a second reload to 48k past 90 %, then unload.
 * The script loops every `periodMs`.
 */
import type { BackendReading, GpuReading, LoadedModel } from '../../shared/model/snapshot';
import { GiB, MiB } from '../../shared/units/bytes';
import type { BackendCollector, GpuSource, SourceSample } from '../collectors/types';

const TOTAL = 24564 * MiB;
const DESKTOP = 1100 * MiB;
const WEIGHTS = 8_988_271_616; // Q4_K_M file ≈ 8.99e9 B
const KV_PER_TOKEN = 196_608; // 48 layers × 8 KV heads × 128 × 2 (K,V) × 2 B
const GRAPH = 420 * MiB;
const CUDA_OVERHEAD = 310 * MiB;

export interface DemoState {
  usedBytes: number;
  model: LoadedModel | null;
  utilizationPct: number;
}

/** The demo state at `tMs` into the script (pure). */
export function demoStateAt(tMs: number, periodMs = 240_000): DemoState {
  const t = ((tMs % periodMs) + periodMs) % periodMs;
  const s = (t / periodMs) * 240; // script seconds, 0–240
  let browser = 0;
  if (s >= 50) browser = Math.min(3.5 * GiB, ((s - 50) / 30) * 3.5 * GiB);
  let ctx: number | null = null;
  if (s >= 15 && s < 100) ctx = 8192;
  else if (s >= 100 && s < 150) ctx = 32768;
  else if (s >= 150 && s < 215) ctx = 49152;
  const ramp = (start: number) => Math.min(1, Math.max(0, (s - start) / 6)); // loads take ~6 s
  let model: LoadedModel | null = null;
  let modelVram = 0;
  if (ctx !== null) {
    const loadStart = ctx === 8192 ? 15 : ctx === 32768 ? 100 : 150;
    const kv = KV_PER_TOKEN * ctx;
    const size = WEIGHTS + kv + GRAPH;
    modelVram = Math.round((size + CUDA_OVERHEAD) * ramp(loadStart));
    model = {
      name: 'qwen2.5-coder:14b',
      contextLength: ctx,
      sizeBytes: size,
      vramBytes: size,
      kvBytesPerToken: KV_PER_TOKEN,
      kvCacheBytes: kv,
      family: 'qwen2',
      parameterSize: '14.8B',
      quantization: 'Q4_K_M',
      kvSource: 'demo: Qwen2.5-Coder-14B architecture (48 layers, 8 KV heads, head dim 128, f16)',
    };
  }
  const wobble = Math.round(Math.sin(s / 3) * 24 * MiB);
  const usedBytes = Math.min(TOTAL - 64 * MiB, Math.max(0, DESKTOP + browser + modelVram + wobble));
  const utilizationPct = model ? Math.round(35 + 30 * Math.abs(Math.sin(s / 5))) : 2;
  return { usedBytes, model, utilizationPct };
}

export interface DemoClock {
  elapsedMs(): number;
}

/** The script starts a few seconds before the model loads, so a first look shows something happen. */
export function createDemoClock(now: () => number = Date.now, startAtMs = 10_000): DemoClock {
  const start = now() - startAtMs;
  return { elapsedMs: () => now() - start };
}

export class DemoGpuSource implements GpuSource {
  readonly id = 'demo-gpu';
  readonly label = 'Demo GPU (scripted)';
  constructor(private readonly clock: DemoClock) {}
  async read(): Promise<SourceSample<GpuReading[]>> {
    const st = demoStateAt(this.clock.elapsedMs());
    return {
      status: 'ok',
      value: [
        {
          id: 'gpu:0',
          index: 0,
          vendor: 'nvidia',
          name: 'NVIDIA GeForce RTX 4090 (demo)',
          uuid: 'GPU-demo-0000',
          memoryTotalBytes: TOTAL,
          memoryUsedBytes: st.usedBytes,
          memoryFreeBytes: TOTAL - st.usedBytes,
          memoryReservedBytes: 0,
          utilizationPct: st.utilizationPct,
          temperatureC: 45 + Math.round(st.utilizationPct / 4),
          powerWatts: 40 + st.utilizationPct * 3,
          sourceId: this.id,
        },
      ],
    };
  }
  dispose(): void {}
}

export class DemoOllamaCollector implements BackendCollector {
  readonly id = 'ollama@demo:11434';
  readonly kind = 'ollama' as const;
  readonly url = 'http://demo:11434';
  constructor(private readonly clock: DemoClock) {}
  async sample(): Promise<BackendReading> {
    const st = demoStateAt(this.clock.elapsedMs());
    return { id: this.id, kind: this.kind, url: this.url, status: 'up', message: null, version: '0.12.6 (demo)', models: st.model ? [st.model] : [] };
  }
  dispose(): void {}
}
