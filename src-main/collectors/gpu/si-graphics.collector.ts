/**
 * The fallback GPU source: `systeminformation.graphics()`, used only when no vendor tool
 * exists. It is slow (it runs lspci/WMI, and nvidia-smi synchronously) so a result is reused
 * for `minIntervalMs`.
 */
import si from 'systeminformation';
import type { GpuReading } from '../../../shared/model/snapshot';
import type { GpuSource, SourceSample } from '../types';
import { parseSiGraphics, SI_GRAPHICS_SOURCE_ID, type SiGraphicsController } from './si-graphics.parse';

export interface SiGraphicsSourceOptions {
  /** Injected for tests; defaults to `si.graphics().controllers`. */
  loadControllers?: () => Promise<SiGraphicsController[]>;
  /** Reuse the last result this long (ms). */
  minIntervalMs?: number;
  now?: () => number;
}

export async function loadSiControllers(): Promise<SiGraphicsController[]> {
  return (await si.graphics()).controllers;
}

export function createSiGraphicsSource(options: SiGraphicsSourceOptions = {}): GpuSource {
  const load = options.loadControllers ?? loadSiControllers;
  const minIntervalMs = options.minIntervalMs ?? 5_000;
  const now = options.now ?? Date.now;
  let cached: { atMs: number; sample: SourceSample<GpuReading[]> } | null = null;
  let disposed = false;

  async function readFresh(signal: AbortSignal): Promise<SourceSample<GpuReading[]>> {
    let controllers: SiGraphicsController[];
    try {
      controllers = await Promise.race([
        load(),
        new Promise<never>((_, reject) => {
          if (signal.aborted) reject(new Error('aborted'));
          signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
        }),
      ]);
    } catch (cause) {
      const why = signal.aborted ? 'timed out' : cause instanceof Error ? cause.message : String(cause);
      return { status: 'error', message: `systeminformation graphics(): ${why}.` };
    }
    const { readings, skipped } = parseSiGraphics(controllers);
    if (readings.length === 0) {
      const why = skipped.length > 0 ? skipped.join('; ') : 'no graphics controller found';
      return { status: 'unavailable', message: `systeminformation: ${why}. No GPU memory usage available.` };
    }
    return { status: 'ok', value: readings, message: skipped.length > 0 ? skipped.join('; ') : null };
  }

  return {
    id: SI_GRAPHICS_SOURCE_ID,
    label: 'GPU (systeminformation fallback)',
    async read(signal) {
      if (disposed) return { status: 'unavailable', message: 'systeminformation: source disposed.' };
      if (cached && now() - cached.atMs < minIntervalMs) return cached.sample;
      const sample = await readFresh(signal);
      cached = { atMs: now(), sample };
      return sample;
    },
    dispose() {
      disposed = true;
      cached = null;
    },
  };
}
