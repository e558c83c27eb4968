/**
 * Windows GPU memory in any display language (issue 11 item 6): ONE long-running PowerShell
 * process loops over the WMI raw performance classes (language-independent names, see
 * windows-wmi.parse.ts) and prints a frame per interval; `read()` only returns the latest
 * frame. No process per tick: the reader is started once, restarted with backoff when it exits
 * or stalls, and given up on (with a sentence in the source list) after a few failed starts or
 * rounds, so a machine without the GPU counters never retries forever.
 */
import path from 'node:path';
import type { GpuReading } from '../../../shared/model/snapshot';
import type { Logger } from '../../util/logger';
import type { SourceSample } from '../types';
import { startLineStream, type LineStream } from './line-stream';
import type { LocateDeps } from './locate';
import { loadSiControllers } from './si-graphics.collector';
import { adaptersFromSi, cachedAdapterList, type WindowsCountersSource } from './windows-counters.collector';
import { WINDOWS_COUNTERS_SOURCE_ID, windowsReadings, type WindowsAdapterInfo } from './windows-counters.pair';
import type { AdapterUsage } from './windows-counters.parse';
import { createWmiFrameReader } from './windows-wmi.parse';

export const WMI_ADAPTER_CLASS = 'Win32_PerfRawData_GPUPerformanceCounters_GPUAdapterMemory';
export const WMI_PROCESS_CLASS = 'Win32_PerfRawData_GPUPerformanceCounters_GPUProcessMemory';

/**
 * The reader script. Invariant-culture numbers, UTF-8 output, one frame per round; it exits by
 * itself when Headroom (parentPid) is gone or its stdout is closed, so it is never left behind.
 */
export function wmiReaderScript(intervalMs: number, parentPid: number): string {
  const ms = Math.max(250, Math.round(intervalMs));
  return [
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
    '$inv = [System.Globalization.CultureInfo]::InvariantCulture',
    '$out = [Console]::Out',
    `$parentPid = ${Math.trunc(parentPid)}`,
    '$out.WriteLine("H`theadroom-wmi 1"); $out.Flush()',
    'while ($true) {',
    '  if (-not (Get-Process -Id $parentPid -ErrorAction SilentlyContinue)) { exit 0 }',
    '  $lines = New-Object System.Collections.Generic.List[string]',
    '  try {',
    `    foreach ($x in Get-CimInstance -ClassName ${WMI_ADAPTER_CLASS}) { $lines.Add(("A\`t{0}\`t{1}\`t{2}" -f $x.Name, ([UInt64]$x.DedicatedUsage).ToString($inv), ([UInt64]$x.SharedUsage).ToString($inv))) }`,
    `    foreach ($x in Get-CimInstance -ClassName ${WMI_PROCESS_CLASS}) { $lines.Add(("P\`t{0}\`t{1}\`t{2}" -f $x.Name, ([UInt64]$x.DedicatedUsage).ToString($inv), ([UInt64]$x.SharedUsage).ToString($inv))) }`,
    '    $lines.Add("E`t" + [DateTimeOffset]::UtcNow.ToUnixTimeMilliseconds().ToString($inv))',
    '  } catch {',
    '    $lines.Clear(); $lines.Add("X`t" + ($_.Exception.Message -replace "[\\r\\n\\t]+", " "))',
    '  }',
    '  foreach ($l in $lines) { $out.WriteLine($l) }',
    '  $out.Flush()',
    `  Start-Sleep -Milliseconds ${ms}`,
    '}',
  ].join('\n');
}

/** powershell.exe arguments: no profile, no window, the script as -EncodedCommand (UTF-16LE base64; no quoting, no shell). */
export function wmiReaderArgs(intervalMs: number, parentPid: number): string[] {
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', Buffer.from(wmiReaderScript(intervalMs, parentPid), 'utf16le').toString('base64')];
}

/** Windows PowerShell 5.1 ships in `%WINDIR%\System32\WindowsPowerShell\v1.0`; null elsewhere. */
export async function locateWindowsPowerShell(deps: LocateDeps): Promise<string | null> {
  if (deps.platform !== 'win32') return null;
  const key = Object.keys(deps.env).find((k) => /^(windir|systemroot)$/i.test(k));
  const windir = (key ? deps.env[key] : undefined) ?? 'C:\\Windows';
  const file = path.win32.join(windir, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
  return (await deps.isExecutable(file)) ? file : null;
}

export interface WmiCountersOptions {
  powershellPath: string;
  intervalMs?: number;
  loadAdapters?: () => Promise<WindowsAdapterInfo[]>;
  adaptersTtlMs?: number;
  staleAfterMs?: number;
  initialBackoffMs?: number;
  /** Give up after this many starts in a row that brought no frame. Default 5. */
  maxFailedStarts?: number;
  /** Give up after this many failed rounds in a row (X records, e.g. the classes are missing). Default 3. */
  maxFailedRounds?: number;
  /** Passed to the script so that it exits with Headroom. Default process.pid. */
  parentPid?: number;
  logger?: Logger;
  now?: () => number;
}

export function createWmiCountersSource(options: WmiCountersOptions): WindowsCountersSource & { readonly gaveUp: string | null; readonly starts: number } {
  const now = options.now ?? Date.now;
  const intervalMs = Math.max(250, options.intervalMs ?? 1000);
  const staleAfterMs = options.staleAfterMs ?? Math.max(10_000, intervalMs * 5);
  const adaptersTtlMs = options.adaptersTtlMs ?? 60_000;
  const maxFailedStarts = options.maxFailedStarts ?? 5;
  const maxFailedRounds = options.maxFailedRounds ?? 3;
  const loadAdapters = options.loadAdapters ?? (async () => adaptersFromSi(await loadSiControllers()));

  let latest: { atMs: number; usages: AdapterUsage[] } | null = null;
  const adapterList = cachedAdapterList(loadAdapters, adaptersTtlMs, now, options.logger);
  let stream: LineStream | null = null;
  let disposed = false;
  let suspended = false;
  let gaveUp: string | null = null;
  let startsWithoutFrame = 0;
  let gotFrameThisStart = false;
  let failedRounds = 0;
  let lastError: string | null = null;
  let starts = 0;

  const giveUp = (why: string) => {
    if (gaveUp) return;
    gaveUp = `Windows GPU counters unavailable: ${why} Stopped retrying; Headroom shows GPU memory without shared-memory (spill) and per-process figures.`;
    options.logger?.warn(gaveUp);
    stream?.dispose();
    stream = null;
  };

  const frames = createWmiFrameReader({
    onFrame: (usages) => {
      latest = { atMs: now(), usages };
      gotFrameThisStart = true;
      startsWithoutFrame = 0;
      failedRounds = 0;
      lastError = null;
    },
    onError: (message) => {
      lastError = `WMI: ${message}`;
      failedRounds += 1;
      if (failedRounds >= maxFailedRounds) giveUp(`${maxFailedRounds} rounds in a row failed (${message}).`);
    },
  });

  function ensureStream(): LineStream | null {
    if (stream || gaveUp || disposed || suspended) return stream;
    stream = startLineStream({
      file: options.powershellPath,
      args: wmiReaderArgs(intervalMs, options.parentPid ?? process.pid),
      staleAfterMs,
      ...(options.initialBackoffMs !== undefined ? { initialBackoffMs: options.initialBackoffMs } : {}),
      maxBackoffMs: 60_000,
      now,
      onStart: () => {
        frames.reset();
        starts += 1;
        gotFrameThisStart = false;
      },
      onLine: (line) => frames.push(line),
      describeExit: (code, tail) =>
        code === 'ENOENT'
          ? `powershell.exe not found at ${options.powershellPath}.`
          : `the PowerShell reader exited${code !== null ? ` (code ${code})` : ''}${tail.trim() ? `: ${tail.trim().split(/\r?\n/)[0]!.slice(0, 200)}` : '.'}`,
      // Called when the reader exits or stalls, before any restart is scheduled.
      onProblem: (m) => {
        lastError = m;
        options.logger?.warn(`${WINDOWS_COUNTERS_SOURCE_ID}: ${m}`);
        if (!gotFrameThisStart) startsWithoutFrame += 1;
        gotFrameThisStart = false;
        if (startsWithoutFrame >= maxFailedStarts) giveUp(`the reader ended ${maxFailedStarts} times in a row without one sample (${m.replace(/\.$/, '')}).`);
      },
    });
    return stream;
  }


  function latestUsage() {
    ensureStream();
    if (!latest || gaveUp) return null;
    return { ...latest, isStale: now() - latest.atMs > staleAfterMs };
  }

  return {
    id: WINDOWS_COUNTERS_SOURCE_ID,
    label: 'Windows GPU counters (WMI)',
    get gaveUp() {
      return gaveUp;
    },
    get starts() {
      return starts;
    },
    latestUsage,
    async read(): Promise<SourceSample<GpuReading[]>> {
      if (disposed) return { status: 'unavailable', message: `${WINDOWS_COUNTERS_SOURCE_ID}: source disposed.` };
      const usage = latestUsage();
      if (gaveUp) return { status: 'unavailable', message: gaveUp };
      if (!usage) {
        if (lastError) return { status: 'error', message: `Windows GPU counters: ${lastError} Retrying with backoff.` };
        return { status: 'ok', value: [], message: 'Waiting for the first Windows GPU counter sample.' };
      }
      const { readings, skipped } = windowsReadings(usage.usages, await adapterList());
      const value = usage.isStale ? readings.map((r) => ({ ...r, stale: true })) : readings;
      const notes = [...skipped];
      if (usage.isStale) notes.unshift(`No counter sample for ${Math.round((now() - usage.atMs) / 1000)} s${lastError ? ` (${lastError})` : ''}; showing the last one.`);
      if (value.length === 0) return { status: 'error', message: `Windows GPU counters: ${notes.join('; ') || 'no adapter could be matched to a VRAM size'}.` };
      return { status: 'ok', value, message: notes.length > 0 ? notes.join('; ') : null };
    },
    suspend() {
      suspended = true;
      stream?.dispose();
      stream = null;
    },
    resume() {
      if (!suspended) return;
      suspended = false;
      latest = null; // a frame from before the sleep is not "now"
      startsWithoutFrame = 0;
    },
    dispose() {
      disposed = true;
      stream?.dispose();
      stream = null;
    },
  };
}
