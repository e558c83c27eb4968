import { formatGiB } from '../units/bytes';
import { forecastCrossing, robustTrend } from './forecast';
import { formatApproxDuration, formatCount, formatPct } from './format';
import { backendDownRemedy, contextRemedy, spillRemedy, unauthorizedRemedy, vllmPressureRemedy } from './remedies';
import { modelKey, slotKey } from './series';
import { cachedRule } from './rule-cache';
import type { AlertBackendInput, AlertModelInput, Check, CheckContext } from './types';

type Backend = AlertBackendInput;
type Model = AlertModelInput;

function sentence(text: string | null | undefined): string {
  return (text ?? '').trim().replace(/[.\s]+$/, '');
}

function statusChecks(b: Backend, ctx: CheckContext, seenUp: boolean): Check[] {
  const s = ctx.settings.backend;
  const checks: Check[] = [];
  const isDown = b.status === 'down' || b.status === 'error';
  if (seenUp || !s.requireSeenUp) {
    checks.push({
      rule: cachedRule(ctx.settings, `backend-down:${b.id}`, (id) => ({
        id, ruleKey: 'backend-down', metric: 'isDown', op: 'above', threshold: 1, clearAt: 0.5,
        forSamples: s.downForSamples, cooldownMs: s.cooldownMs, kind: 'backend-down', severity: 'critical', sourceId: b.id,
      })),
      value: b.status === 'unauthorized' ? null : isDown ? 1 : 0,
      // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
      get message() {
        return `${b.id} stopped answering${b.message ? ` (${sentence(b.message)})` : ''}. ${backendDownRemedy(b.kind)}`;
      },
    });
  }
  checks.push({
    rule: cachedRule(ctx.settings, `unauthorized:${b.id}`, (id) => ({
      id, ruleKey: 'unauthorized', metric: 'isUnauthorized', op: 'above', threshold: 1, clearAt: 0.5,
      forSamples: 1, cooldownMs: s.cooldownMs, kind: 'unauthorized', severity: 'warning', sourceId: b.id,
    })),
    value: b.status === 'unauthorized' ? 1 : isDown ? null : 0,
    // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
    get message() {
      return `${b.id} refused Headroom's request as unauthorized${b.message ? ` (${sentence(b.message)})` : ''}. ${unauthorizedRemedy(b.kind)}`;
    },
  });
  return checks;
}

function spillCheck(b: Backend, m: Model, ctx: CheckContext): Check | null {
  const s = ctx.settings.spill;
  if (!s.enabled || ctx.input.gpus.length === 0 || m.sizeBytes == null || m.vramBytes == null || m.sizeBytes <= 0) return null;
  const spilled = Math.max(0, m.sizeBytes - m.vramBytes);
  const cpuPct = (spilled / m.sizeBytes) * 100;
  return {
    rule: cachedRule(ctx.settings, `spill:${b.id}:${m.name}`, (id) => ({
      id, ruleKey: 'spill', metric: 'spilledBytes', op: 'above', threshold: s.minBytes, clearAt: s.minBytes / 2,
      forSamples: s.forSamples, cooldownMs: s.cooldownMs, kind: 'spill', severity: 'warning', sourceId: b.id,
    })),
    value: spilled,
    // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
    get message() {
      return `${b.id}: ${m.name} spilled ${formatGiB(spilled)} of its ${formatGiB(m.sizeBytes)} to system RAM (${formatPct(cpuPct)} on the CPU), ` +
      `so it generates several times slower. ${spillRemedy(b.kind, m.name, m.contextLength, ctx.input.commandShell)}`;
    },
  };
}

function vllmChecks(b: Backend, m: Model, ctx: CheckContext): Check[] {
  const v = ctx.settings.vllm;
  const f = ctx.settings.forecast;
  if (!v.enabled) return [];
  const mk = modelKey(b.id, m.name);
  const checks: Check[] = [];
  const base = { sourceId: b.id, cooldownMs: v.cooldownMs } as const;
  if (m.kvCacheUsageRatio != null) {
    const ratio = m.kvCacheUsageRatio;
    checks.push({
      rule: cachedRule(ctx.settings, `kv-full:${b.id}:${m.name}`, (id) => ({
        ...base, id, ruleKey: 'kv-full', metric: 'kvCacheUsageRatio', op: 'above', threshold: v.kvNearlyFullRatio,
        clearAt: v.kvNearlyFullRatio - 0.1, forSamples: 3, kind: 'context-full', severity: 'warning', group: `kv:${mk}`, rank: 1,
      })),
      value: ratio,
      // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
      get message() {
        return `${b.id}: ${m.name} KV cache ${formatPct(ratio * 100)} full; new requests will queue and running ones get preempted. ${vllmPressureRemedy()}`;
      },
    });
    const fc = forecastCrossing(ctx.series.kvRatio[mk] ?? [], ctx.nowMs, 1, { ...f, minRatePerMin: f.minSlopePctPerMin / 100 });
    const etaMs = fc && ratio >= 0.5 && fc.levelNow < v.kvNearlyFullRatio ? fc.etaMs : Number.POSITIVE_INFINITY;
    checks.push({
      rule: cachedRule(ctx.settings, `kv-forecast:${b.id}:${m.name}`, (id) => ({
        ...base, id, ruleKey: 'kv-forecast', metric: 'etaMs', op: 'below', threshold: f.horizonMs,
        clearAt: f.horizonMs * 1.5, forSamples: f.forSamples, kind: 'forecast', severity: 'warning', group: `kv:${mk}`, rank: 0,
      })),
      value: etaMs,
      // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
      get message() {
        return `${b.id}: ${m.name} KV cache reaches its limit in ${formatApproxDuration(etaMs)} at the current rate (now ${formatPct(ratio * 100)}). ${vllmPressureRemedy()}`;
      },
    });
  }
  const pre = ctx.series.preemptions[mk];
  if (m.preemptionsTotal != null && pre && pre.length > 0) {
    // The series never falls (series.ts starts it over when the counter goes down): its lowest
    // point is its first, with no walk over the window's points every tick.
    const recent = pre[pre.length - 1]!.value - pre[0]!.value;
    checks.push({
      rule: cachedRule(ctx.settings, `preemptions:${b.id}:${m.name}`, (id) => ({
        ...base, id, ruleKey: 'preemptions', metric: 'preemptionsInWindow', op: 'above', threshold: 1,
        clearAt: 0.5, forSamples: 1, kind: 'preemption', severity: 'warning',
      })),
      value: recent,
      // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
      get message() {
        return `${b.id}: ${formatCount(recent)} requests preempted in the last ${formatApproxDuration(v.preemptionWindowMs).replace('~', '')}: ` +
        `the KV cache is full, so vLLM evicts and recomputes them. ${vllmPressureRemedy()}`;
      },
    });
  }
  if (m.requestsWaiting != null) {
    const waiting = m.requestsWaiting;
    checks.push({
      rule: cachedRule(ctx.settings, `requests-waiting:${b.id}:${m.name}`, (id) => ({
        ...base, id, ruleKey: 'requests-waiting', metric: 'requestsWaiting', op: 'above', threshold: 1,
        clearAt: 0.5, forSamples: v.waitingForSamples, kind: 'preemption', severity: 'warning',
      })),
      value: m.requestsWaiting,
      // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
      get message() {
        return `${b.id}: ${formatCount(waiting)} requests waiting for ${m.name}: no KV-cache room to start them. ${vllmPressureRemedy()}`;
      },
    });
  }
  return checks;
}

function slotChecks(b: Backend, m: Model, ctx: CheckContext): Check[] {
  const c = ctx.settings.context;
  if (!c.enabled) return [];
  const checks: Check[] = [];
  for (const slot of m.slots ?? []) {
    if (slot.contextTokens <= 0) continue;
    const sk = slotKey(b.id, m.name, slot.id);
    const used = slot.usedTokens;
    const ratio = used === null ? null : used / slot.contextTokens;
    const remaining = used === null ? 0 : Math.max(0, slot.contextTokens - used);
    // The wording, only when a message is read (a raised, cleared or shown alert): every slot
    // is checked every tick and the numbers' formatting is most of a check's cost.
    const where = () => `${b.id} slot ${slot.id} (${m.name})`;
    const usage = () => `${formatCount(used ?? 0)} of ${formatCount(slot.contextTokens)} tokens used`;
    const group = `ctx:${sk}`;
    checks.push({
      rule: cachedRule(ctx.settings, `context-full:${b.id}:${m.name}#${slot.id}`, (id) => ({
        id, ruleKey: 'context-full', metric: 'contextUsedRatio', op: 'above',
        threshold: c.nearlyFullRatio, clearAt: c.nearlyFullRatio - 0.1, forSamples: 1, cooldownMs: c.cooldownMs,
        kind: 'context-full', severity: 'warning', sourceId: b.id, group, rank: 1,
      })),
      value: ratio,
      // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
      get message() {
        return `${where()}: this conversation's context is nearly full (${usage()}); older turns will be cut or the request refused. ${contextRemedy(b.kind, m.name, ctx.input.commandShell)}`;
      },
    });
    // Tokens arrive in bursts, so the rate is fitted over raw points (no spike filter).
    // Only a slot that is already fairly full gets a forecast: skip the fit for the others.
    const trend = ratio !== null && ratio >= c.forecastMinRatio ? robustTrend(ctx.series.slotTokens[sk] ?? [], ctx.nowMs, { windowMs: c.windowMs, bucketMs: 0, minSpanMs: 0 }) : null;
    const ratePerMs = trend && trend.slopePerMs > 0 && trend.recentSlopePerMs > 0 ? trend.slopePerMs : 0;
    const etaMs = ratio !== null && ratio >= c.forecastMinRatio && ratePerMs > 0 ? remaining / ratePerMs : Number.POSITIVE_INFINITY;
    checks.push({
      rule: cachedRule(ctx.settings, `context-forecast:${b.id}:${m.name}#${slot.id}`, (id) => ({
        id, ruleKey: 'context-forecast', metric: 'etaMs', op: 'below',
        threshold: c.forecastHorizonMs, clearAt: c.forecastHorizonMs * 1.5, forSamples: 1, cooldownMs: c.cooldownMs,
        kind: 'forecast', severity: 'warning', sourceId: b.id, group, rank: 0,
      })),
      value: used === null ? null : etaMs,
      // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
      get message() {
        return `${where()}: this conversation reaches the context limit in ~${formatCount(remaining)} tokens / ${formatApproxDuration(etaMs)} ` +
        `at the current rate (${usage()}). ${contextRemedy(b.kind, m.name, ctx.input.commandShell)}`;
      },
    });
  }
  return checks;
}

/** Backend down/unauthorized, spills, vLLM pressure and slot context checks for every backend. */
/**
 * From the memory model: the loaded model at its configured context needs more than the
 * critical threshold of its GPU (it will spill or fail on the next load), with the largest
 * context that fits per KV cache type as the remedy.
 */
function predictionCheck(b: Backend, m: Model, ctx: CheckContext): Check | null {
  const p = m.prediction;
  if (!ctx.settings.forecast.enabled || !p || m.contextLength == null) return null;
  const current = p.curves.find((c) => c.cacheType === p.currentCacheType) ?? p.curves[0];
  const point = current?.points.find((pt) => pt.contextTokens === m.contextLength);
  // The curve is sampled at powers of two; take the exact point when there, else interpolate.
  const needBytes = point?.totalBytes ?? interpolate(current?.points ?? [], m.contextLength);
  if (needBytes === null || !current) return null;
  const contextLength = m.contextLength;
  return {
    rule: {
      id: `fit:${b.id}:${m.name}`, ruleKey: 'vram-forecast', metric: 'predictedBytes', op: 'above', threshold: p.thresholdBytes,
      clearAt: p.thresholdBytes * 0.97, forSamples: 2, cooldownMs: ctx.settings.forecast.cooldownMs, kind: 'forecast', severity: 'warning', sourceId: p.gpuId,
    },
    value: needBytes,
    // Built only when an alert is raised, cleared or shown (most ticks raise nothing).
    get message() {
      const fits = p.curves
        .filter((c) => c.largestContextTokens !== null)
        .map((c) => `${c.largestContextTokens!.toLocaleString('en-US')} tokens with ${c.cacheType} KV`)
        .join(', ');
      return `${m.name} at ${contextLength.toLocaleString('en-US')} tokens needs about ${formatGiB(needBytes)} on ${p.gpuId} (predicted, ${current.cacheType} KV): ` +
      `above the ${formatGiB(p.thresholdBytes)} threshold, so it spills or fails on the next load. Largest context that fits: ${fits || 'none at these settings'}. ` +
      `${contextRemedy(b.kind, m.name, ctx.input.commandShell)}`;
    },
  };
}

function interpolate(points: readonly { contextTokens: number; totalBytes: number }[], ctxTokens: number): number | null {
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const z = points[i]!;
    if (ctxTokens >= a.contextTokens && ctxTokens <= z.contextTokens) {
      return a.totalBytes + ((z.totalBytes - a.totalBytes) * (ctxTokens - a.contextTokens)) / (z.contextTokens - a.contextTokens);
    }
  }
  return null;
}

export function backendChecks(ctx: CheckContext, backendsSeenUp: Readonly<Record<string, true>>): Check[] {
  const checks: Check[] = [];
  for (const b of ctx.input.backends) {
    if (ctx.settings.backend.enabled) checks.push(...statusChecks(b, ctx, backendsSeenUp[b.id] === true));
    if (b.status !== 'up') continue;
    for (const m of b.models) {
      const spill = spillCheck(b, m, ctx);
      if (spill) checks.push(spill);
      checks.push(...vllmChecks(b, m, ctx), ...slotChecks(b, m, ctx));
      const fit = predictionCheck(b, m, ctx);
      if (fit) checks.push(fit);
    }
  }
  return checks;
}
