/**
 * Which GPU sources exist on this machine, and why the others do not (issue 5 §6).
 * `probeGpuSources` looks for each tool and runs it once; `createGpuSources` starts the
 * selected ones: nvidia-smi (plus Windows counters for spill), AMD (amd-smi or rocm-smi),
 * Windows counters for any vendor, Apple unified memory, and systeminformation only when
 * nothing else covers the GPUs.
 */
import type { SourceStatus } from '../../../shared/model/snapshot';
import { silentLogger, type Logger } from '../../util/logger';
import type { GpuSource } from '../types';
import { parseAmdSmiMemUsage, parseAmdSmiProductNames, parseRocmSmiMeminfo, parseRocmSmiProductNames, withProductNames } from './amd.parse';
import { appleGpuBudget, parseSysctl } from './apple.parse';
import { APPLE_SYSCTL_ARGS, createAppleSource } from './apple.collector';
import { createCommandGpuSource } from './command-source';
import { defaultLocateDeps, locateNvidiaSmi, locateRocmTool, locateSysctl, locateTypeperf, type LocateDeps } from './locate';
import { NvidiaSourceWatch, type NvidiaWatchOptions } from './nvidia-reprobe';
import { NvidiaSmiStream, queryNvidiaSmiOnce } from './nvidia-smi.collector';
import { runCommand } from './run-command';
import { createSiGraphicsSource, loadSiControllers } from './si-graphics.collector';
import { parseSiGraphics, type SiGraphicsController } from './si-graphics.parse';
import { createWindowsCountersSource, withWindowsCounters } from './windows-counters.collector';
import type { WindowsAdapterInfo } from './windows-counters.pair';
import { createWmiCountersSource, locateWindowsPowerShell } from './windows-wmi.collector';

export type GpuSourceId = 'nvidia-smi' | 'amd-smi' | 'rocm-smi' | 'windows-counters' | 'apple-unified' | 'systeminformation';

export interface GpuSourceProbe {
  id: GpuSourceId;
  label: string;
  /** Where the source can exist, in words ("Linux", "Windows", "Linux and Windows"). */
  platforms: string;
  isAvailable: boolean;
  /** Why it is unavailable ("rocm-smi not found on PATH or in /opt/rocm/bin", "Windows only"), or a note. */
  reason: string | null;
  /** The executable found, when any. */
  path: string | null;
  /** Set by `createGpuSources`: whether this source was started. */
  isSelected?: boolean;
}

export interface GpuSourcesOptions {
  platform?: NodeJS.Platform;
  arch?: string;
  env?: NodeJS.ProcessEnv;
  /** File-system access for locating tools (tests pass a fake). */
  locate?: LocateDeps;
  /** Explicit executables from settings; skip the search for those. */
  paths?: Partial<Record<'nvidia-smi' | 'rocm-smi' | 'amd-smi' | 'typeperf' | 'sysctl' | 'powershell', string>>;
  /** Source ids the user switched off. */
  disabled?: readonly GpuSourceId[];
  /** Sampling interval (ms) for the streams. Default 1000. */
  intervalMs?: number;
  /** Time limit for each probe run (ms). Default 5000. */
  probeTimeoutMs?: number;
  logger?: Logger;
  /**
   * Probe nvidia-smi again with backoff when it exists but fails (driver not ready at login).
   * Default true; `NvidiaSourceWatch` backoff and give-up options for tests.
   */
  nvidiaReprobe?: boolean | Pick<NvidiaWatchOptions, 'backoffMs' | 'giveUpAfterMs' | 'relocateCheckMs'>;
  /** Injected for tests; default starts `NvidiaSmiStream`. */
  createNvidiaSource?: (path: string) => GpuSource;
  /** Injected for tests; default `si.graphics().controllers`. */
  loadSiControllers?: () => Promise<SiGraphicsController[]>;
  /** Injected for tests; default derives from systeminformation. */
  loadWindowsAdapters?: () => Promise<WindowsAdapterInfo[]>;
  /** Injected for tests; default systeminformation `mem().active`. */
  readAppleUsedBytes?: () => Promise<number | null>;
}

const LABELS: Record<GpuSourceId, string> = {
  'nvidia-smi': 'NVIDIA (nvidia-smi)',
  'amd-smi': 'AMD (amd-smi)',
  'rocm-smi': 'AMD (rocm-smi)',
  'windows-counters': 'Windows GPU counters',
  'apple-unified': 'Apple Silicon (unified memory)',
  systeminformation: 'GPU (systeminformation fallback)',
};

export const ROCM_SMI_ARGS = ['--showmeminfo', 'vram', '--json'] as const;
export const AMD_SMI_ARGS = ['metric', '--mem-usage', '--json'] as const;
/** Product names, asked once at start (issue 17 item 4): shown as nvidia-smi's name is. */
export const ROCM_SMI_NAME_ARGS = ['--showproductname', '--json'] as const;
export const AMD_SMI_NAME_ARGS = ['static', '--asic', '--board', '--json'] as const;

interface Ctx {
  platform: NodeJS.Platform;
  arch: string;
  deps: LocateDeps;
  opts: GpuSourcesOptions;
  timeoutMs: number;
}

function probe(id: GpuSourceId, platforms: string, isAvailable: boolean, reason: string | null, path: string | null = null): GpuSourceProbe {
  return { id, label: LABELS[id], platforms, isAvailable, reason, path };
}

async function probeNvidia(ctx: Ctx): Promise<GpuSourceProbe> {
  const platforms = 'Linux and Windows';
  if (ctx.platform === 'darwin') return probe('nvidia-smi', platforms, false, 'Not on macOS (no NVIDIA driver).');
  const path = ctx.opts.paths?.['nvidia-smi'] ?? (await locateNvidiaSmi(ctx.deps));
  if (!path) {
    const where = ctx.platform === 'win32' ? 'in System32, the DriverStore, NVSMI or on PATH' : 'on PATH';
    return probe('nvidia-smi', platforms, false, `nvidia-smi not found ${where}.`);
  }
  const r = await queryNvidiaSmiOnce(path, ctx.timeoutMs);
  if (r.status !== 'ok') return probe('nvidia-smi', platforms, false, r.message, path);
  return probe('nvidia-smi', platforms, true, `${r.value.length} GPU${r.value.length === 1 ? '' : 's'} found.`, path);
}

async function probeAmdTool(ctx: Ctx, id: 'amd-smi' | 'rocm-smi'): Promise<GpuSourceProbe> {
  if (ctx.platform !== 'linux') return probe(id, 'Linux', false, 'Linux only (AMD on Windows is read through the Windows GPU counters).');
  const path = ctx.opts.paths?.[id] ?? (await locateRocmTool(id, ctx.deps));
  if (!path) return probe(id, 'Linux', false, `${id} not found on PATH or in ${ctx.deps.env.ROCM_PATH ?? '/opt/rocm'}/bin.`);
  const args = id === 'amd-smi' ? AMD_SMI_ARGS : ROCM_SMI_ARGS;
  const r = await runCommand(path, args, { timeoutMs: ctx.timeoutMs });
  if (!r.ok) return probe(id, 'Linux', false, r.message, path);
  const parsed = (id === 'amd-smi' ? parseAmdSmiMemUsage : parseRocmSmiMeminfo)(r.stdout);
  if (parsed.readings.length === 0) {
    return probe(id, 'Linux', false, `${id} ran but reported no GPU memory${parsed.skipped.length ? ` (${parsed.skipped.join('; ')})` : ''}.`, path);
  }
  return probe(id, 'Linux', true, `${parsed.readings.length} GPU${parsed.readings.length === 1 ? '' : 's'} found.`, path);
}

async function probeTypeperf(ctx: Ctx): Promise<GpuSourceProbe> {
  if (ctx.platform !== 'win32') return probe('windows-counters', 'Windows', false, 'Windows only.');
  // Preferred: the WMI raw counter classes through one PowerShell reader (works in every
  // display language); typeperf's English counter paths fail on localized Windows.
  const powershell = ctx.opts.paths?.powershell ?? (ctx.opts.paths?.typeperf ? null : await locateWindowsPowerShell(ctx.deps));
  if (powershell) return probe('windows-counters', 'Windows', true, 'Read through WMI (any display language).', powershell);
  const path = ctx.opts.paths?.typeperf ?? (await locateTypeperf(ctx.deps));
  if (!path) return probe('windows-counters', 'Windows', false, 'typeperf.exe not found in System32 or on PATH.');
  return probe('windows-counters', 'Windows', true, null, path);
}

async function probeApple(ctx: Ctx): Promise<GpuSourceProbe> {
  const platforms = 'macOS on Apple Silicon';
  if (ctx.platform !== 'darwin') return probe('apple-unified', platforms, false, 'Apple Silicon Macs only.');
  if (ctx.arch !== 'arm64') return probe('apple-unified', platforms, false, 'Apple Silicon only (this Mac has an Intel CPU).');
  const path = ctx.opts.paths?.sysctl ?? (await locateSysctl(ctx.deps));
  if (!path) return probe('apple-unified', platforms, false, 'sysctl not found.');
  const r = await runCommand(path, APPLE_SYSCTL_ARGS, { timeoutMs: ctx.timeoutMs });
  const budget = appleGpuBudget(parseSysctl(r.stdout));
  if (!budget) return probe('apple-unified', platforms, false, r.ok ? 'sysctl printed no hw.memsize.' : r.message, path);
  return probe('apple-unified', platforms, true, 'Unified memory: the GPU budget is shared with macOS and apps.', path);
}

async function probeSi(ctx: Ctx): Promise<GpuSourceProbe> {
  const load = ctx.opts.loadSiControllers ?? loadSiControllers;
  try {
    const { readings, skipped } = parseSiGraphics(await load());
    if (readings.length > 0) return probe('systeminformation', 'any', true, null);
    return probe('systeminformation', 'any', false, `systeminformation reports no GPU memory usage${skipped.length ? ` (${skipped.join('; ')})` : ''}.`);
  } catch (cause) {
    return probe('systeminformation', 'any', false, `systeminformation graphics() failed: ${cause instanceof Error ? cause.message : String(cause)}.`);
  }
}

function context(opts: GpuSourcesOptions): Ctx {
  const base = opts.locate ?? defaultLocateDeps();
  const platform = opts.platform ?? base.platform;
  const deps: LocateDeps = { ...base, platform, env: opts.env ?? base.env };
  return { platform, arch: opts.arch ?? process.arch, deps, opts, timeoutMs: opts.probeTimeoutMs ?? 5_000 };
}

/**
 * Probes every GPU source in parallel. Each result says whether the source can run here and,
 * if not, why, in a sentence the dashboard's source list can show. Never throws.
 */
export async function probeGpuSources(opts: GpuSourcesOptions = {}): Promise<GpuSourceProbe[]> {
  const ctx = context(opts);
  const disabled = new Set(opts.disabled ?? []);
  const skip = (id: GpuSourceId, platforms: string) => probe(id, platforms, false, 'Switched off in settings.');
  const vendorProbes = await Promise.all([
    disabled.has('nvidia-smi') ? skip('nvidia-smi', 'Linux and Windows') : probeNvidia(ctx),
    disabled.has('amd-smi') ? skip('amd-smi', 'Linux') : probeAmdTool(ctx, 'amd-smi'),
    disabled.has('rocm-smi') ? skip('rocm-smi', 'Linux') : probeAmdTool(ctx, 'rocm-smi'),
    disabled.has('windows-counters') ? skip('windows-counters', 'Windows') : probeTypeperf(ctx),
    disabled.has('apple-unified') ? skip('apple-unified', 'macOS on Apple Silicon') : probeApple(ctx),
  ]);
  // systeminformation is slow (lspci, WMI); probe it only when it would be used.
  const covered = vendorProbes.some((p) => p.isAvailable);
  const si = disabled.has('systeminformation')
    ? skip('systeminformation', 'any')
    : covered
      ? probe('systeminformation', 'any', false, 'Not needed: a vendor source covers the GPUs.')
      : await probeSi(ctx);
  return [...vendorProbes, si];
}

/** A probe as a Snapshot source entry (for sources that were not started). */
export function probeToSourceStatus(p: GpuSourceProbe): SourceStatus {
  return { id: p.id, label: p.label, status: p.isAvailable ? 'ok' : 'unavailable', message: p.reason };
}

/**
 * Probes, then starts the sources that apply. The caller owns (disposes) the returned sources.
 * On Windows with nvidia-smi, the counters enrich the NVIDIA readings (shared usage = spill,
 * per-process bytes that WDDM hides from nvidia-smi) instead of running as a second source.
 */
export async function createGpuSources(opts: GpuSourcesOptions = {}): Promise<{ sources: GpuSource[]; probes: GpuSourceProbe[] }> {
  const probes = await probeGpuSources(opts);
  const ctx = context(opts);
  const intervalMs = opts.intervalMs ?? 1000;
  const logger = opts.logger;
  const byId = (id: GpuSourceId) => probes.find((p) => p.id === id && p.isAvailable);
  const select = (p: GpuSourceProbe) => {
    p.isSelected = true;
  };
  const sources: GpuSource[] = [];

  const nvidia = byId('nvidia-smi');
  const typeperf = byId('windows-counters');
  const windowsCounters = () =>
    typeperf?.path && /powershell(\.exe)?$/i.test(typeperf.path)
      ? createWmiCountersSource({
          powershellPath: typeperf.path,
          intervalMs,
          ...(opts.loadWindowsAdapters ? { loadAdapters: opts.loadWindowsAdapters } : {}),
          ...(logger ? { logger } : {}),
        })
      : createWindowsCountersSource({
          typeperfPath: typeperf?.path ?? 'typeperf',
          intervalMs,
          ...(opts.loadWindowsAdapters ? { loadAdapters: opts.loadWindowsAdapters } : {}),
          ...(logger ? { logger } : {}),
        });
  const createStream = opts.createNvidiaSource ?? ((path: string) => new NvidiaSmiStream({ path, intervalMs, logger: logger ?? silentLogger }));
  const createNvidia = (path: string) => (typeperf ? withWindowsCounters(createStream(path), windowsCounters()) : createStream(path));
  // Found but failing (driver not ready at login, mid-update): probe again with backoff.
  const nvidiaProbe = probes.find((p) => p.id === 'nvidia-smi');
  const reprobe = opts.nvidiaReprobe ?? true;
  const waiting = !nvidia && nvidiaProbe?.path && reprobe !== false && !(opts.disabled ?? []).includes('nvidia-smi') ? nvidiaProbe : null;
  const watch = (initial: { path: string } | { reason: string }, fallback: GpuSource | null) =>
    new NvidiaSourceWatch({
      initial,
      fallback,
      create: createNvidia,
      probe: async () => {
        const p = await probeNvidia(ctx);
        return p.isAvailable && p.path ? { ok: true, path: p.path } : { ok: false, reason: p.reason ?? 'nvidia-smi is not ready.' };
      },
      relocate: async () => opts.paths?.['nvidia-smi'] ?? (await locateNvidiaSmi(ctx.deps)),
      isExecutable: (path) => ctx.deps.isExecutable(path),
      ...(typeof reprobe === 'object' ? reprobe : {}),
      ...(logger ? { logger } : {}),
    });
  if (nvidia?.path) {
    select(nvidia);
    if (typeperf) {
      select(typeperf);
      typeperf.reason = 'Adds shared-memory (spill) and per-process figures to the NVIDIA readings.';
    }
    sources.push(watch({ path: nvidia.path }, null));
  } else if (waiting) {
    // The watch reports NVIDIA's state itself; no path yet (nothing may run the failing tool).
    select(waiting);
    waiting.path = null;
    if (typeperf) select(typeperf);
    sources.push(watch({ reason: waiting.reason ?? 'nvidia-smi failed.' }, typeperf ? windowsCounters() : null));
  } else if (typeperf) {
    select(typeperf);
    sources.push(windowsCounters());
  }

  const amd = byId('amd-smi') ?? byId('rocm-smi');
  if (amd?.path) {
    select(amd);
    const isAmdSmi = amd.id === 'amd-smi';
    sources.push(
      createCommandGpuSource({
        id: amd.id,
        label: amd.label,
        file: amd.path,
        args: isAmdSmi ? AMD_SMI_ARGS : ROCM_SMI_ARGS,
        parse: isAmdSmi ? parseAmdSmiMemUsage : parseRocmSmiMeminfo,
        loadOnce: async () => {
          const r = await runCommand(amd.path!, isAmdSmi ? AMD_SMI_NAME_ARGS : ROCM_SMI_NAME_ARGS, { timeoutMs: ctx.timeoutMs });
          const names = r.ok ? (isAmdSmi ? parseAmdSmiProductNames : parseRocmSmiProductNames)(r.stdout) : new Map<number, string>();
          if (!r.ok) logger?.warn(`${amd.id}: could not read the GPU product names (${r.message}); showing "AMD GPU <n>".`);
          return (readings) => withProductNames(readings, names);
        },
      }),
    );
    const other = probes.find((p) => p.id === (isAmdSmi ? 'rocm-smi' : 'amd-smi'));
    if (other?.isAvailable) other.reason = `Standby: ${amd.id} is used instead.`;
  }

  const apple = byId('apple-unified');
  if (apple?.path) {
    select(apple);
    sources.push(
      createAppleSource({ sysctlPath: apple.path, ...(opts.readAppleUsedBytes ? { readUsedBytes: opts.readAppleUsedBytes } : {}) }),
    );
  }

  const si = byId('systeminformation');
  if (sources.length === 0 && si) {
    select(si);
    sources.push(createSiGraphicsSource(opts.loadSiControllers ? { loadControllers: opts.loadSiControllers } : {}));
  }
  return { sources, probes };
}
