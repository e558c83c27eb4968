/**
 * Pure pairing of counter adapters (known only by LUID) with what knows their size.
 * Windows has no total-VRAM counter (backends.md §10): totals come from the adapter list
 * (registry `qwMemorySize` via systeminformation) or from nvidia-smi. Where a LUID is not
 * known, pairing happens only when it is unambiguous; otherwise nothing is guessed.
 */
import type { GpuProcess, GpuReading } from '../../../shared/model/snapshot';
import { GiB, MiB } from '../../../shared/units/bytes';
import type { AdapterUsage } from './windows-counters.parse';
import { memoryFigures } from './values';

export interface WindowsAdapterInfo {
  name: string;
  vendor: GpuReading['vendor'];
  /** Dedicated VRAM in bytes. */
  totalBytes: number;
  /** `luid_0x…_0x…` when known (settings or DXGI); pairs exactly. */
  luid?: string | null;
}

export const WINDOWS_COUNTERS_SOURCE_ID = 'windows-counters';

function luidKey(s: string): string {
  return /luid_0x[0-9a-f]+_0x[0-9a-f]+/i.exec(s)?.[0].toLowerCase() ?? s.toLowerCase();
}

function isDiscrete(info: WindowsAdapterInfo): boolean {
  return info.vendor === 'nvidia' || info.vendor === 'amd' || info.totalBytes >= 2 * GiB;
}

/** Pairs usages with adapter infos; unpaired usages come back for the source message. */
export function pairAdapters(
  usages: readonly AdapterUsage[],
  infos: readonly WindowsAdapterInfo[],
): { pairs: { usage: AdapterUsage; info: WindowsAdapterInfo }[]; unpaired: AdapterUsage[] } {
  const pairs: { usage: AdapterUsage; info: WindowsAdapterInfo }[] = [];
  let restUsages = [...usages];
  let restInfos = infos.filter((i) => i.totalBytes > 0);
  for (const info of restInfos.filter((i) => i.luid)) {
    const usage = restUsages.find((u) => luidKey(u.adapter) === luidKey(info.luid ?? ''));
    if (usage) pairs.push({ usage, info });
  }
  restUsages = restUsages.filter((u) => !pairs.some((p) => p.usage === u));
  restInfos = restInfos.filter((i) => !pairs.some((p) => p.info === i) && !i.luid);
  // Without LUIDs, pair only what cannot be confused: one busy adapter with one discrete GPU,
  // one idle adapter (an iGPU shows no dedicated usage) with one integrated GPU.
  const busy = restUsages.filter((u) => (u.dedicatedUsedBytes ?? 0) > 0);
  const idle = restUsages.filter((u) => (u.dedicatedUsedBytes ?? 0) === 0);
  const discrete = restInfos.filter(isDiscrete);
  const integrated = restInfos.filter((i) => !isDiscrete(i));
  if (busy.length === 1 && discrete.length === 1 && busy[0] && discrete[0]) pairs.push({ usage: busy[0], info: discrete[0] });
  if (idle.length === 1 && integrated.length === 1 && idle[0] && integrated[0]) pairs.push({ usage: idle[0], info: integrated[0] });
  return { pairs, unpaired: usages.filter((u) => !pairs.some((p) => p.usage === u)) };
}

function processes(usage: AdapterUsage): GpuProcess[] {
  // Every process that ever touched the GPU has an instance; keep the ones holding VRAM.
  return usage.processes.filter((p) => (p.dedicatedBytes ?? 0) > 0).map((p) => ({ pid: p.pid, name: `pid ${p.pid}`, usedBytes: p.dedicatedBytes, backendId: null }));
}

/** Readings for the paired adapters, in the adapter list's order (`gpu:0` = first listed). */
export function windowsReadings(usages: readonly AdapterUsage[], infos: readonly WindowsAdapterInfo[]): { readings: GpuReading[]; skipped: string[] } {
  const { pairs, unpaired } = pairAdapters(usages, infos);
  pairs.sort((a, b) => infos.indexOf(a.info) - infos.indexOf(b.info));
  const readings: GpuReading[] = [];
  const skipped = unpaired
    .filter((u) => (u.dedicatedUsedBytes ?? 0) > 0)
    .map((u) => `adapter ${u.adapter}: ${Math.round((u.dedicatedUsedBytes ?? 0) / MiB)} MiB in use, total VRAM unknown`);
  for (const { usage, info } of pairs) {
    const figures = memoryFigures(info.totalBytes, usage.dedicatedUsedBytes);
    if (!figures) {
      skipped.push(`${info.name}: no usable dedicated-memory figure`);
      continue;
    }
    const index = readings.length;
    readings.push({
      id: `gpu:${index}`,
      index,
      vendor: info.vendor,
      name: info.name,
      uuid: null,
      ...figures,
      utilizationPct: null,
      temperatureC: null,
      powerWatts: null,
      sourceId: WINDOWS_COUNTERS_SOURCE_ID,
      sharedUsedBytes: usage.sharedUsedBytes,
      processes: processes(usage),
    });
  }
  return { readings, skipped };
}

/**
 * Adds Windows shared usage (spill) and per-process bytes to nvidia-smi readings. A reading
 * pairs with the adapter whose dedicated usage is closest to its `memory.used`, and only if
 * that is within max(512 MiB, 5% of total) and no other reading claims the same adapter.
 * nvidia-smi under WDDM reports `[N/A]` per process, so counter bytes fill that gap.
 */
export function attachWindowsUsage(readings: readonly GpuReading[], usages: readonly AdapterUsage[]): GpuReading[] {
  const choice = readings.map((r) => {
    let best: AdapterUsage | null = null;
    let bestDiff = Infinity;
    for (const u of usages) {
      if (u.dedicatedUsedBytes === null) continue;
      const diff = Math.abs(u.dedicatedUsedBytes - r.memoryUsedBytes);
      if (diff < bestDiff) {
        best = u;
        bestDiff = diff;
      }
    }
    return bestDiff <= Math.max(512 * MiB, r.memoryTotalBytes * 0.05) ? best : null;
  });
  return readings.map((r, i) => {
    const u = choice[i];
    if (!u || choice.filter((c) => c === u).length > 1) return r;
    const byPid = new Map(u.processes.map((p) => [p.pid, p]));
    const merged: GpuProcess[] = (r.processes ?? []).map((p) => (p.usedBytes === null ? { ...p, usedBytes: byPid.get(p.pid)?.dedicatedBytes ?? null } : p));
    for (const p of processes(u)) if (!merged.some((m) => m.pid === p.pid)) merged.push(p);
    return { ...r, sharedUsedBytes: u.sharedUsedBytes, processes: merged };
  });
}
