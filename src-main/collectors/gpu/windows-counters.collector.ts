/**
 * Windows GPU memory for any vendor: ONE long-running `typeperf -si N` process streams
 * `GPU Adapter Memory` and `GPU Process Memory` (dedicated + shared) as CSV; `read()` only
 * returns the latest row. typeperf expands `(*)` wildcards once at start, so the stream is
 * restarted on a schedule (`reexpandEveryMs`) to pick up processes that started since.
 */
import type { GpuReading } from '../../../shared/model/snapshot';
import { mibToBytes } from '../../../shared/units/bytes';
import type { Logger } from '../../util/logger';
import type { GpuSource, SourceSample } from '../types';
import { startLineStream, type LineStream } from './line-stream';
import { loadSiControllers } from './si-graphics.collector';
import type { SiGraphicsController } from './si-graphics.parse';
import { vendorFromText } from './values';
import {
  parseTypeperfHeader,
  parseTypeperfRow,
  summarizeCounters,
  WINDOWS_GPU_COUNTERS,
  type AdapterUsage,
  type CounterColumn,
} from './windows-counters.parse';
import { attachWindowsUsage, WINDOWS_COUNTERS_SOURCE_ID, windowsReadings, type WindowsAdapterInfo } from './windows-counters.pair';

export interface WindowsCountersOptions {
  typeperfPath: string;
  /** Sample period; typeperf takes whole seconds (minimum 1). */
  intervalMs?: number;
  /** Adapter names and VRAM totals; defaults to systeminformation's controller list. */
  loadAdapters?: () => Promise<WindowsAdapterInfo[]>;
  /** Re-read the adapter list this often (ms). */
  adaptersTtlMs?: number;
  /** No row for this long → the reading is stale and typeperf is restarted. */
  staleAfterMs?: number;
  reexpandEveryMs?: number;
  initialBackoffMs?: number;
  logger?: Logger;
  now?: () => number;
}

export interface WindowsCountersSource extends GpuSource {
  /** The latest per-adapter usage and when it arrived; null before the first row. */
  latestUsage(): { atMs: number; usages: AdapterUsage[]; isStale: boolean } | null;
}

/** typeperf arguments: the four counter paths, then `-si <seconds>` (runs until killed). */
export function typeperfArgs(intervalMs: number): string[] {
  return [...WINDOWS_GPU_COUNTERS, '-si', String(Math.max(1, Math.round(intervalMs / 1000)))];
}

/** Maps systeminformation controllers (vram in MiB, from the registry's qwMemorySize) to adapter infos. */
export function adaptersFromSi(controllers: readonly SiGraphicsController[]): WindowsAdapterInfo[] {
  return controllers
    .map((c) => {
      const name = (c.name ?? c.model ?? '').trim() || 'GPU';
      const mib = c.memoryTotal ?? c.vram ?? null;
      return { name, vendor: vendorFromText(`${c.vendor ?? ''} ${name}`), totalBytes: mib !== null && mib > 0 ? mibToBytes(mib) : 0 };
    })
    .filter((a) => a.totalBytes > 0 && !/basic render|basic display/i.test(a.name));
}

function describeTypeperfExit(file: string, code: number | string | null, tail: string): string {
  if (code === 'ENOENT') return `typeperf not found at ${file}.`;
  if (/no valid counters|counter.*not found|0xC0000BB8/i.test(tail)) {
    return 'typeperf: the GPU counters are missing. They need Windows 10 1709+ with a WDDM 2 driver, and English counter names; on localized Windows Headroom reads them through WMI, which needs Windows PowerShell (System32\\WindowsPowerShell).';
  }
  const first = tail.trim().split(/\r?\n/).filter((l) => !/^"/.test(l))[0]?.slice(0, 200) ?? '';
  return `typeperf exited${code !== null ? ` (code ${code})` : ''}${first ? `: ${first}` : '.'}`;
}

/**
 * The adapter list (names, LUIDs) that pairs counter rows with GPUs: read at most once per `ttlMs`;
 * a failed read keeps the last list and is logged. Shared by the typeperf and WMI readers.
 */
export function cachedAdapterList(load: () => Promise<WindowsAdapterInfo[]>, ttlMs: number, now: () => number, logger?: Logger): () => Promise<WindowsAdapterInfo[]> {
  let adapters: { atMs: number; list: WindowsAdapterInfo[] } | null = null;
  return async () => {
    if (adapters && now() - adapters.atMs < ttlMs) return adapters.list;
    try {
      adapters = { atMs: now(), list: await load() };
    } catch (cause) {
      logger?.warn(`${WINDOWS_COUNTERS_SOURCE_ID}: adapter list failed: ${cause instanceof Error ? cause.message : String(cause)}`);
      adapters = { atMs: now(), list: adapters?.list ?? [] };
    }
    return adapters.list;
  };
}

export function createWindowsCountersSource(options: WindowsCountersOptions): WindowsCountersSource {
  const now = options.now ?? Date.now;
  const intervalMs = Math.max(1000, options.intervalMs ?? 1000);
  const staleAfterMs = options.staleAfterMs ?? Math.max(5_000, intervalMs * 5);
  const adaptersTtlMs = options.adaptersTtlMs ?? 60_000;
  const loadAdapters = options.loadAdapters ?? (async () => adaptersFromSi(await loadSiControllers()));

  let columns: (CounterColumn | null)[] | null = null;
  let latest: { atMs: number; usages: AdapterUsage[] } | null = null;
  const adapterList = cachedAdapterList(loadAdapters, adaptersTtlMs, now, options.logger);
  let stream: LineStream | null = null;
  let disposed = false;

  function ensureStream(): LineStream {
    if (stream) return stream;
    stream = startLineStream({
      file: options.typeperfPath,
      args: typeperfArgs(intervalMs),
      staleAfterMs,
      ...(options.reexpandEveryMs !== undefined ? { restartEveryMs: options.reexpandEveryMs } : { restartEveryMs: 60_000 }),
      ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
      now,
      onStart: () => {
        columns = null;
      },
      onLine: (line) => {
        const header = parseTypeperfHeader(line);
        if (header) {
          columns = header;
          return;
        }
        const row = columns ? parseTypeperfRow(line, columns) : null;
        if (row) latest = { atMs: now(), usages: summarizeCounters(row) };
      },
      describeExit: (code, tail) => describeTypeperfExit(options.typeperfPath, code, tail),
      onProblem: (m) => options.logger?.warn(`${WINDOWS_COUNTERS_SOURCE_ID}: ${m}`),
    });
    return stream;
  }

  function latestUsage() {
    if (!disposed) ensureStream();
    if (!latest) return null;
    return { ...latest, isStale: now() - latest.atMs > staleAfterMs };
  }

  return {
    id: WINDOWS_COUNTERS_SOURCE_ID,
    label: 'Windows GPU counters (typeperf)',
    latestUsage,
    async read(): Promise<SourceSample<GpuReading[]>> {
      if (disposed) return { status: 'unavailable', message: `${WINDOWS_COUNTERS_SOURCE_ID}: source disposed.` };
      const s = ensureStream();
      const usage = latestUsage();
      if (!usage) {
        if (s.lastProblem) return { status: 'error', message: s.lastProblem };
        return { status: 'ok', value: [], message: 'Waiting for the first typeperf sample.' };
      }
      const { readings, skipped } = windowsReadings(usage.usages, await adapterList());
      const value = usage.isStale ? readings.map((r) => ({ ...r, stale: true })) : readings;
      const notes = [...skipped];
      if (usage.isStale) notes.unshift(`No counter sample for ${Math.round((now() - usage.atMs) / 1000)} s${s.lastProblem ? ` (${s.lastProblem})` : ''}; showing the last one.`);
      if (value.length === 0) return { status: 'error', message: `Windows GPU counters: ${notes.join('; ') || 'no adapter could be matched to a VRAM size'}.` };
      return { status: 'ok', value, message: notes.length > 0 ? notes.join('; ') : null };
    },
    dispose() {
      disposed = true;
      stream?.dispose();
      stream = null;
    },
  };
}

/**
 * nvidia-smi readings enriched with Windows shared usage (spill) and per-process bytes.
 * Keeps the NVIDIA source's id and label; counter trouble never fails the NVIDIA reading.
 */
export function withWindowsCounters(nvidia: GpuSource, counters: WindowsCountersSource): GpuSource {
  return {
    id: nvidia.id,
    label: `${nvidia.label} + Windows GPU counters`,
    async read(signal) {
      const sample = await nvidia.read(signal);
      const usage = counters.latestUsage();
      if (sample.status !== 'ok' || !usage || usage.isStale) return sample;
      return { ...sample, value: attachWindowsUsage(sample.value, usage.usages) };
    },
    // nvidia-smi's lines still drive the ticks (scheduler.ts `poke`); the counters are read beside them.
    ...(nvidia.onData ? { onData: (listener: () => void) => nvidia.onData!(listener) } : {}),
    dispose() {
      counters.dispose();
      nvidia.dispose();
    },
  };
}
