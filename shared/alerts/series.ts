import type { HistoryPoint } from '../contract/requests';
import { usedPct } from '../units/bytes';
import { MIN_SERIES_POINTS, type SeriesPoint } from './forecast';
import type { AlertSettings } from './settings';
import type { AlertEngineState, AlertSeries, AlertTickInput } from './types';

/** No series keeps more points than this, whatever the window and tick rate. */
export const MAX_SERIES_POINTS = 4000;
/** Apps tracked per GPU (the largest by VRAM); the rest are ignored. */
export const MAX_APPS_PER_GPU = 32;

/** `<backendId>/<model>`: the key of one loaded model. */
export function modelKey(backendId: string, modelName: string): string {
  return `${backendId}/${modelName}`;
}

/** `<backendId>/<model>#<slot>`: the key of one slot. */
export function slotKey(backendId: string, modelName: string, slotId: number): string {
  return `${modelKey(backendId, modelName)}#${slotId}`;
}

/**
 * Each series array's length when `appendPoints` handed it out. The engine's state is stepped
 * once (the monitor keeps only the newest), so on the next tick its arrays are extended in place:
 * no copy of the whole window per series per tick (a 10-minute window at 1 s is 600 points, and
 * a copy of each series every tick was most of the alert step's allocation after a few minutes).
 * An array of any other origin, or one changed since, is copied as before.
 */
const handedOut = new WeakMap<readonly SeriesPoint[], number>();

function handOut(points: SeriesPoint[]): SeriesPoint[] {
  handedOut.set(points, points.length);
  return points;
}

/**
 * Appends points, collapses equal times (the later wins), sorts, trims to [nowMs − windowMs, nowMs]
 * but keeps at least the last `minKeep` points (forecast series at slow poll intervals).
 * A series this function handed out last tick is extended in place (see `handedOut`).
 */
export function appendPoints(prev: readonly SeriesPoint[] | undefined, added: readonly SeriesPoint[], nowMs: number, windowMs: number, minKeep = 0): SeriesPoint[] {
  const from = nowMs - windowMs;
  // Common case, one tick: a single new point after the last one. No sort.
  const last = prev?.[prev.length - 1];
  const only = added.length === 1 ? added[0]! : null;
  if (prev && last && only && only.atMs > last.atMs && only.atMs <= nowMs && Number.isFinite(only.value) && prev[0]!.atMs <= last.atMs) {
    let start = 0;
    while (start < prev.length && prev[start]!.atMs < from && prev.length - start >= minKeep) start++;
    const point = { atMs: only.atMs, value: only.value };
    if (handedOut.get(prev) === prev.length) {
      const points = prev as SeriesPoint[];
      if (start === 1) points.shift();
      else if (start > 0) points.splice(0, start);
      points.push(point);
      if (points.length > MAX_SERIES_POINTS) points.splice(0, points.length - MAX_SERIES_POINTS);
      return handOut(points);
    }
    const points = prev.slice(start);
    points.push(point);
    return handOut(points.length > MAX_SERIES_POINTS ? points.slice(points.length - MAX_SERIES_POINTS) : points);
  }
  const byTime = new Map<number, number>();
  for (const p of prev ?? []) if (p.atMs <= nowMs) byTime.set(p.atMs, p.value);
  for (const p of added) if (p.atMs <= nowMs && Number.isFinite(p.value)) byTime.set(p.atMs, p.value);
  const sorted = [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([atMs, value]) => ({ atMs, value }));
  let first = 0;
  while (first < sorted.length && sorted[first]!.atMs < from && sorted.length - first > minKeep) first++;
  const points = sorted.slice(first);
  return handOut(points.length > MAX_SERIES_POINTS ? points.slice(points.length - MAX_SERIES_POINTS) : points);
}

function vramSeries(state: AlertEngineState, input: AlertTickInput, history: readonly HistoryPoint[], settings: AlertSettings, nowMs: number): AlertSeries['vramPct'] {
  const out: AlertSeries['vramPct'] = {};
  for (const gpu of input.gpus) {
    const added: SeriesPoint[] = [];
    for (const h of history) {
      if (h.gpuId !== gpu.id) continue;
      const pct = usedPct(h.memoryUsedBytes, h.memoryTotalBytes);
      if (pct !== null) added.push({ atMs: h.atMs, value: pct });
    }
    const pct = gpu.stale ? null : usedPct(gpu.memoryUsedBytes, gpu.memoryTotalBytes);
    if (pct !== null) added.push({ atMs: nowMs, value: pct });
    out[gpu.id] = appendPoints(state.series.vramPct[gpu.id], added, nowMs, settings.forecast.windowMs, MIN_SERIES_POINTS);
  }
  return out;
}

/** Bytes per app name on one GPU; processes of known LLM servers are not "other apps". */
export function appBytesNow(processes: NonNullable<AlertTickInput['gpus'][number]['processes']>): Map<string, number> {
  const sums = new Map<string, number>();
  for (const p of processes) {
    if (p.backendId !== null || p.usedBytes === null) continue;
    const name = p.name.trim() || `pid ${p.pid}`;
    sums.set(name, (sums.get(name) ?? 0) + p.usedBytes);
  }
  const top = [...sums.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_APPS_PER_GPU);
  return new Map(top);
}

function appSeries(state: AlertEngineState, input: AlertTickInput, settings: AlertSettings, nowMs: number): AlertSeries['appBytes'] {
  const out: AlertSeries['appBytes'] = {};
  const windowMs = settings.otherApp.windowMs;
  for (const gpu of input.gpus) {
    const prev = state.series.appBytes[gpu.id];
    if (!gpu.processes) {
      // No process list this tick: keep what we had, so a gap does not reset baselines.
      if (prev) out[gpu.id] = prev;
      continue;
    }
    const apps: Record<string, SeriesPoint[]> = {};
    for (const [name, bytes] of appBytesNow(gpu.processes)) {
      const before = prev?.[name];
      // An app that appears after the first process list started from 0 bytes; at the very
      // first list there is no "before", so nothing counts as taken.
      const seed = !before && prev && state.lastTickMs !== null ? [{ atMs: state.lastTickMs, value: 0 }] : [];
      apps[name] = appendPoints(before, [...seed, { atMs: nowMs, value: bytes }], nowMs, windowMs);
    }
    out[gpu.id] = apps;
  }
  return out;
}

function backendSeries(state: AlertEngineState, input: AlertTickInput, settings: AlertSettings, nowMs: number) {
  const slotTokens: AlertSeries['slotTokens'] = {};
  const kvRatio: AlertSeries['kvRatio'] = {};
  const preemptions: AlertSeries['preemptions'] = {};
  for (const backend of input.backends) {
    if (backend.status !== 'up') continue;
    for (const model of backend.models) {
      const mk = modelKey(backend.id, model.name);
      if (model.kvCacheUsageRatio != null) {
        kvRatio[mk] = appendPoints(state.series.kvRatio[mk], [{ atMs: nowMs, value: model.kvCacheUsageRatio }], nowMs, settings.forecast.windowMs, MIN_SERIES_POINTS);
      }
      if (model.preemptionsTotal != null) {
        const prev = state.series.preemptions[mk];
        const last = prev?.[prev.length - 1];
        // A counter that went down means the server restarted: start over.
        const base = last && model.preemptionsTotal < last.value ? [] : prev;
        preemptions[mk] = appendPoints(base, [{ atMs: nowMs, value: model.preemptionsTotal }], nowMs, settings.vllm.preemptionWindowMs);
      }
      for (const slot of model.slots ?? []) {
        if (slot.usedTokens === null) continue;
        const sk = slotKey(backend.id, model.name, slot.id);
        const prev = state.series.slotTokens[sk];
        const last = prev?.[prev.length - 1];
        // Fewer tokens than before: a new conversation; its rate starts from scratch.
        const base = last && slot.usedTokens < last.value ? [] : prev;
        slotTokens[sk] = appendPoints(base, [{ atMs: nowMs, value: slot.usedTokens }], nowMs, settings.context.windowMs);
      }
    }
  }
  return { slotTokens, kvRatio, preemptions };
}

/** The engine's series after this tick: pure; sources absent from `input` are dropped. */
export function updateSeries(state: AlertEngineState, input: AlertTickInput, history: readonly HistoryPoint[], settings: AlertSettings, nowMs: number): AlertSeries {
  return {
    vramPct: vramSeries(state, input, history, settings, nowMs),
    appBytes: appSeries(state, input, settings, nowMs),
    ...backendSeries(state, input, settings, nowMs),
  };
}
