/**
 * The GPU stream as the probe sees it: the latest reading per GPU, the peak of a window (one
 * step), and "wait for the next reading" (a step ends only once the GPU stream has seen it).
 * Fed by the monitor's Snapshots (`headroom serve`) or by polling a GPU source (`headroom probe`).
 */
import type { GpuReading } from '../../shared/model/snapshot';
import { toDisposable, type Disposable } from '../../shared/lifecycle/disposable';
import type { GpuSource } from '../collectors/types';

export interface PeakWindow {
  /** Highest used bytes seen on the GPU since the window opened (the reading at opening included). */
  peakBytes(): number | null;
  close(): void;
}

export interface GpuWatch {
  latest(gpuId?: string): GpuReading | null;
  openWindow(gpuId: string): PeakWindow;
  /** Resolves with the first reading of `gpuId` that arrives after now, or null after `timeoutMs`. */
  nextReading(gpuId: string, timeoutMs: number, signal?: AbortSignal): Promise<GpuReading | null>;
}

/** A GpuWatch fed by `push(readings)`. */
export class GpuWatchHub implements GpuWatch {
  private readonly latestById = new Map<string, GpuReading>();
  private readonly windows = new Set<{ gpuId: string; peak: number | null }>();
  private readonly waiters = new Set<{ gpuId: string; resolve: (r: GpuReading | null) => void }>();

  push(readings: readonly GpuReading[]): void {
    for (const r of readings) {
      if (r.stale) continue;
      this.latestById.set(r.id, r);
      for (const w of this.windows) if (w.gpuId === r.id && (w.peak === null || r.memoryUsedBytes > w.peak)) w.peak = r.memoryUsedBytes;
      for (const w of [...this.waiters]) {
        if (w.gpuId !== r.id) continue;
        this.waiters.delete(w);
        w.resolve(r);
      }
    }
  }

  latest(gpuId?: string): GpuReading | null {
    if (gpuId) return this.latestById.get(gpuId) ?? null;
    return [...this.latestById.values()].sort((a, b) => a.index - b.index)[0] ?? null;
  }

  openWindow(gpuId: string): PeakWindow {
    const w = { gpuId, peak: this.latestById.get(gpuId)?.memoryUsedBytes ?? null };
    this.windows.add(w);
    return { peakBytes: () => w.peak, close: () => this.windows.delete(w) };
  }

  nextReading(gpuId: string, timeoutMs: number, signal?: AbortSignal): Promise<GpuReading | null> {
    return new Promise((resolve) => {
      const waiter = {
        gpuId,
        resolve: (r: GpuReading | null) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.waiters.delete(waiter);
          resolve(r);
        },
      };
      const onAbort = () => waiter.resolve(null);
      const timer = setTimeout(() => waiter.resolve(null), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }
}

/** Feeds a hub from Snapshots (the monitor's GPU stream). */
export function watchSnapshots(onSnapshot: (listener: (s: { gpus: GpuReading[] }) => void) => Disposable): { watch: GpuWatchHub; dispose(): void } {
  const watch = new GpuWatchHub();
  const sub = onSnapshot((s) => watch.push(s.gpus));
  return { watch, dispose: () => sub.dispose() };
}

/** Feeds a hub by reading GPU sources every `intervalMs` (the CLI, where no monitor runs). */
export function pollGpuSources(sources: readonly GpuSource[], intervalMs: number): { watch: GpuWatchHub } & Disposable {
  const watch = new GpuWatchHub();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const tick = async () => {
    for (const s of sources) {
      const r = await s.read(AbortSignal.timeout(Math.max(1000, intervalMs * 4)));
      if (r.status === 'ok') watch.push(r.value);
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  void tick();
  return { watch, ...toDisposable(() => {
    stopped = true;
    if (timer) clearTimeout(timer);
  }) };
}
