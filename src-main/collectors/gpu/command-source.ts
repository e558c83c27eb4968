/**
 * A GpuSource backed by one short command per read (rocm-smi, amd-smi). These tools have no
 * loop mode I could verify, so a process is started per read: reads are therefore spaced by at
 * least `minIntervalMs` (5 s by default, ≤ 12 processes a minute, as the compute-apps query
 * was), and a tick in between reuses the last good reading. The scheduler never overlaps reads.
 */
import type { GpuReading } from '../../../shared/model/snapshot';
import type { GpuSource, SourceSample } from '../types';
import { runCommand } from './run-command';

export interface CommandGpuSourceOptions {
  id: string;
  label: string;
  /** Full path (or bare name) of the executable. */
  file: string;
  args: readonly string[];
  /** Pure parser: text → readings plus reasons for dropped devices. */
  parse(stdout: string): { readings: GpuReading[]; skipped: string[] };
  timeoutMs?: number;
  maxBufferBytes?: number;
  /**
   * Static facts asked once (AMD product names: `rocm-smi --showproductname`, `amd-smi
   * static`), applied to every reading. Runs on the first read only, never per tick.
   */
  loadOnce?: () => Promise<(readings: GpuReading[]) => GpuReading[]>;
  /** A command runs at most once per this many ms; ticks in between reuse its last good reading. */
  minIntervalMs?: number;
  now?: () => number;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
/** No process per tick: one AMD tool run per 5 s at most (12 a minute). */
export const DEFAULT_COMMAND_MIN_INTERVAL_MS = 5_000;

export function createCommandGpuSource(options: CommandGpuSourceOptions): GpuSource {
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  let disposed = false;
  const minIntervalMs = options.minIntervalMs ?? DEFAULT_COMMAND_MIN_INTERVAL_MS;
  const now = options.now ?? Date.now;
  let decorate: Promise<(readings: GpuReading[]) => GpuReading[]> | null = null;
  let last: { atMs: number; sample: SourceSample<GpuReading[]> } | null = null;
  return {
    id: options.id,
    label: options.label,
    async read(signal: AbortSignal): Promise<SourceSample<GpuReading[]>> {
      if (disposed) return { status: 'unavailable', message: `${options.id}: source disposed.` };
      if (last && now() - last.atMs < minIntervalMs) return last.sample;
      const sample = await readOnce(signal);
      // Only a good reading is reused; after a failure the next tick tries again.
      last = sample.status === 'ok' ? { atMs: now(), sample } : null;
      return sample;
    },
    dispose() {
      disposed = true;
    },
  };

  async function readOnce(signal: AbortSignal): Promise<SourceSample<GpuReading[]>> {
    const result = await runCommand(options.file, options.args, {
      timeoutMs,
      signal,
      ...(options.maxBufferBytes !== undefined ? { maxBufferBytes: options.maxBufferBytes } : {}),
    });
    if (!result.ok) {
      if (result.code === 'ENOENT') return { status: 'unavailable', message: `${options.id} not found at ${options.file}.` };
      const hint = result.timedOut ? ' Is the GPU driver hung?' : '';
      return { status: 'error', message: `${result.message}${hint}` };
    }
    const parsed = options.parse(result.stdout);
    const { skipped } = parsed;
    let readings = parsed.readings;
    if (options.loadOnce) {
      decorate ??= options.loadOnce().catch(() => (r: GpuReading[]) => r);
      readings = (await decorate)(readings);
    }
    if (readings.length === 0) {
      const why = skipped.length > 0 ? skipped.join('; ') : 'no GPU in its output';
      return { status: 'error', message: `${options.id}: ${why}.` };
    }
    return { status: 'ok', value: readings, message: skipped.length > 0 ? skipped.join('; ') : null };
  }
}
