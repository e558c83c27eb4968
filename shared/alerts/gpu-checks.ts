import { cachedRule } from './rule-cache';
import type { BackendKind, GpuReading } from '../model/snapshot';
import { formatBytes, formatGiB, headroomBytes, usedPct } from '../units/bytes';
import { forecastCrossing } from './forecast';
import { formatApproxDuration, formatPct, gpuLabel } from './format';
import { freeVramRemedy, otherAppRemedy } from './remedies';
import { tiersForGpu } from './settings';
import type { AlertBackendInput, Check, CheckContext } from './types';

/** The backend and model whose memory a GPU remedy should point at. */
interface GpuTenant {
  kind: BackendKind;
  model: string | null;
  contextTokens: number | null;
}

function largestModel(backend: AlertBackendInput): AlertBackendInput['models'][number] | null {
  let best: AlertBackendInput['models'][number] | null = null;
  for (const m of backend.models) if (!best || (m.vramBytes ?? 0) > (best.vramBytes ?? 0)) best = m;
  return best;
}

/**
 * Which LLM server uses this GPU: the one its process list names, else (no process mapping)
 * the up backend whose largest model holds the most VRAM.
 */
export function gpuTenant(gpu: GpuReading, backends: readonly AlertBackendInput[]): GpuTenant | null {
  const up = backends.filter((b) => b.status === 'up' && b.models.length > 0);
  const ids = new Set((gpu.processes ?? []).map((p) => p.backendId).filter((id): id is string => id !== null));
  const onGpu = ids.size > 0 ? up.filter((b) => ids.has(b.id)) : up;
  let best: { b: AlertBackendInput; bytes: number } | null = null;
  for (const b of onGpu) {
    const bytes = largestModel(b)?.vramBytes ?? 0;
    if (!best || bytes > best.bytes) best = { b, bytes };
  }
  if (!best) return null;
  const m = largestModel(best.b);
  return { kind: best.b.kind, model: m?.name ?? null, contextTokens: m?.contextLength ?? null };
}

/**
 * vLLM preallocates most of the GPU, so VRAM tiers would alarm forever. A GPU is vLLM's when
 * its process list names a vLLM backend, or, with no process mapping at all, when vLLM is the
 * only backend up.
 */
export function isVllmGpu(gpu: GpuReading, backends: readonly AlertBackendInput[]): boolean {
  const ids = (gpu.processes ?? []).map((p) => p.backendId).filter((id): id is string => id !== null);
  if (ids.length > 0) return ids.some((id) => backends.find((b) => b.id === id)?.kind === 'vllm' || id.startsWith('vllm@'));
  const up = backends.filter((b) => b.status === 'up');
  return up.length > 0 && up.every((b) => b.kind === 'vllm');
}

function remedyFor(gpu: GpuReading, ctx: CheckContext): string {
  const t = gpuTenant(gpu, ctx.input.backends);
  return freeVramRemedy(t?.kind ?? null, t?.model ?? null, t?.contextTokens, ctx.input.commandShell);
}

function tierChecks(gpu: GpuReading, pct: number | null, ctx: CheckContext): Check[] {
  const { vram } = ctx.settings;
  const tiers = tiersForGpu(ctx.settings, gpu.id);
  // The wording (remedy included) is built only when an alert needs it.
  const wording = () => {
    const left = formatGiB(headroomBytes(gpu.memoryTotalBytes, gpu.memoryUsedBytes));
    const usage = `VRAM ${formatPct(pct ?? 0)} full (${formatGiB(gpu.memoryUsedBytes)} of ${formatGiB(gpu.memoryTotalBytes)}, ${left} left)`;
    return { label: gpuLabel(gpu.index, gpu.name), usage, remedy: remedyFor(gpu, ctx) };
  };
  return (
    [
      { key: 'vram-warning', severity: 'warning', at: tiers.warningPct, rank: 1, word: 'warning' },
      { key: 'vram-critical', severity: 'critical', at: tiers.criticalPct, rank: 2, word: 'critical' },
    ] as const
  ).map((t) => ({
    rule: cachedRule(ctx.settings, `${t.key}:${gpu.id}`, (id) => ({
      id,
      ruleKey: t.key,
      metric: 'vramUsedPct',
      op: 'above',
      threshold: t.at,
      clearAt: t.at - vram.hysteresisPct,
      forSamples: vram.forSamples,
      cooldownMs: vram.cooldownMs,
      kind: 'threshold',
      severity: t.severity,
      sourceId: gpu.id,
      group: `vram:${gpu.id}`,
      rank: t.rank,
    })),
    value: pct,
    // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
    get message() {
      const { label, usage, remedy } = wording();
      return `${label}: ${usage}, past the ${formatPct(t.at)} ${t.word} level. ${remedy}`;
    },
  }));
}

function forecastCheck(gpu: GpuReading, pct: number | null, ctx: CheckContext): Check {
  const f = ctx.settings.forecast;
  const target = tiersForGpu(ctx.settings, gpu.id).criticalPct;
  const points = ctx.series.vramPct[gpu.id] ?? [];
  const fc = pct === null ? null : forecastCrossing(points, ctx.nowMs, target, { ...f, minRatePerMin: f.minSlopePctPerMin });
  // Once the fitted level reaches the target, the critical tier takes over: the forecast clears.
  const etaMs = fc && fc.levelNow < target ? fc.etaMs : Number.POSITIVE_INFINITY;
  const rate = fc ? `+${fc.ratePerMin.toFixed(1)}%/min` : 'rising';
  return {
    rule: cachedRule(ctx.settings, `vram-forecast:${gpu.id}`, (id) => ({
      id,
      ruleKey: 'vram-forecast',
      metric: 'etaMs',
      op: 'below',
      threshold: f.horizonMs,
      clearAt: f.horizonMs * 1.5,
      forSamples: f.forSamples,
      cooldownMs: f.cooldownMs,
      kind: 'forecast',
      severity: 'warning',
      sourceId: gpu.id,
    })),
    value: pct === null ? null : etaMs,
    // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
    get message() {
      return `${gpuLabel(gpu.index, gpu.name)}: VRAM reaches ${formatPct(target)} in ${formatApproxDuration(etaMs)} at the current rate ` +
      `(${rate}, now ${formatPct(pct ?? 0)}). ${remedyFor(gpu, ctx)}`;
    },
  };
}

function otherAppChecks(gpu: GpuReading, pct: number | null, ctx: CheckContext): Check[] {
  const o = ctx.settings.otherApp;
  const apps = ctx.series.appBytes[gpu.id];
  if (!apps) return [];
  const checks: Check[] = [];
  for (const [name, points] of Object.entries(apps)) {
    const now = points[points.length - 1];
    if (!now) continue;
    let lowest = Number.POSITIVE_INFINITY;
    // An indexed loop, no spread: the window holds hundreds of points, every tick.
    for (let i = 0; i < points.length; i++) if (points[i]!.value < lowest) lowest = points[i]!.value;
    const deltaBytes = now.value - lowest;
    const matters = pct !== null && pct >= o.minUsedPct;
    checks.push({
      rule: cachedRule(ctx.settings, `other-app:${gpu.id}:${name}`, (id) => ({
        id,
        ruleKey: 'other-app',
        metric: 'appDeltaBytes',
        op: 'above',
        threshold: o.minDeltaBytes,
        clearAt: o.minDeltaBytes / 2,
        forSamples: o.forSamples,
        cooldownMs: o.cooldownMs,
        kind: 'other-app',
        severity: 'warning',
        sourceId: gpu.id,
      })),
      // A missing process list holds the state (null); a GPU with room clears it (0).
      value: gpu.processes ? (matters ? deltaBytes : 0) : null,
      // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
      get message() {
        return `${gpuLabel(gpu.index, gpu.name)}: ${name} took +${formatBytes(deltaBytes)} of VRAM (now ${formatBytes(now.value)}; ` +
        `GPU ${formatPct(pct ?? 0)} full), memory the loaded model needs for its KV cache. ${otherAppRemedy(name)}`;
      },
    });
  }
  return checks;
}

/** Threshold tiers, the VRAM forecast and "another app took VRAM" for every GPU. */
export function gpuChecks(ctx: CheckContext): Check[] {
  const checks: Check[] = [];
  for (const gpu of ctx.input.gpus) {
    const pct = gpu.stale ? null : usedPct(gpu.memoryUsedBytes, gpu.memoryTotalBytes);
    const skipVram = tiersForGpu(ctx.settings, gpu.id).ignoreVram || (ctx.settings.vram.skipVllmGpus && isVllmGpu(gpu, ctx.input.backends));
    if (!skipVram) {
      checks.push(...tierChecks(gpu, pct, ctx));
      if (ctx.settings.forecast.enabled) checks.push(forecastCheck(gpu, pct, ctx));
    }
    if (ctx.settings.otherApp.enabled) checks.push(...otherAppChecks(gpu, pct, ctx));
    const spill = sharedSpillCheck(gpu, ctx);
    if (spill) checks.push(spill);
  }
  return checks;
}

/**
 * Windows (WDDM): dedicated VRAM full and the driver pages into shared system memory. Only on
 * the discrete GPU holding a loaded model (integrated GPUs always use shared memory), and only
 * above a floor (the desktop keeps some shared allocations).
 */
function sharedSpillCheck(gpu: GpuReading, ctx: CheckContext): Check | null {
  const s = ctx.settings.spill;
  if (!s.enabled || gpu.sharedUsedBytes == null || gpu.unifiedMemory) return null;
  const tenant = gpuTenant(gpu, ctx.input.backends);
  const biggest = ctx.input.gpus.reduce((a, g) => (g.memoryTotalBytes > a.memoryTotalBytes ? g : a), gpu);
  if (!tenant || biggest.id !== gpu.id) return null;
  return {
    rule: {
      id: `spill:${gpu.id}:shared`, ruleKey: 'spill', metric: 'sharedUsedBytes', op: 'above', threshold: s.sharedFloorBytes, clearAt: s.sharedFloorBytes / 2,
      forSamples: s.forSamples, cooldownMs: s.cooldownMs, kind: 'spill', severity: 'warning', sourceId: gpu.id,
    },
    value: gpu.sharedUsedBytes,
    // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
    get message() {
      return `${gpuLabel(gpu.index, gpu.name)}: the driver is spilling ${formatGiB(gpu.sharedUsedBytes)} of GPU memory into shared system RAM while ${tenant.model ?? 'a model'} is loaded, ` +
      `so generation runs 5–10× slower. ${freeVramRemedy(tenant.kind, tenant.model, tenant.contextTokens, ctx.input.commandShell)}`;
    },
  };
}
