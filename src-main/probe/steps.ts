/**
 * Pure parts of the probe: which contexts to try, when to stop, and the verdicts drawn from the
 * steps (largest usable context, latency knee, prediction error). No clocks, no I/O.
 */
import type { ProbeStep } from '../../shared/contract/probe';

/** Contexts doubling from `fromTokens` up to `toTokens` (which is always the last one). */
export function planContexts(fromTokens: number, toTokens: number, maxSteps = 16): number[] {
  const out: number[] = [];
  if (!(fromTokens > 0) || !(toTokens >= fromTokens)) return out;
  for (let c = fromTokens; c < toTokens && out.length < maxSteps - 1; c *= 2) out.push(c);
  out.push(toTokens);
  return out;
}

export interface StopLimits {
  thresholdBytes: number | null;
  gpuTotalBytes: number | null;
  minTokensPerSecond: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (bytes: number, total: number) => `${Math.round((bytes / total) * 100)}%`;

/** Why the run must stop after this step, or null to go on. */
export function stopAfterStep(step: ProbeStep, limits: StopLimits): string | null {
  const at = `at ${fmt(step.contextTokens)} tokens`;
  switch (step.outcome) {
    case 'oom':
      return `out of memory ${at}: ${step.message ?? 'the server could not allocate'}`;
    case 'crash':
      return `the model runner crashed ${at}: ${step.message ?? 'no detail'}`;
    case 'context-too-long':
      return `the server refused the context ${at}: ${step.message ?? 'too long'}`;
    case 'error':
      return `the server answered with an error ${at}: ${step.message ?? 'no detail'}`;
    case 'cancelled':
      return 'cancelled by the user';
    default:
      break;
  }
  if (step.isSpilled) {
    const cpu = step.sizeBytes !== null && step.sizeVramBytes !== null ? ` (${Math.round(((step.sizeBytes - step.sizeVramBytes) / step.sizeBytes) * 100)}% of the model in system RAM)` : '';
    return `the model spilled out of VRAM ${at}${cpu}`;
  }
  if (limits.thresholdBytes !== null && limits.gpuTotalBytes && step.peakVramBytes !== null && step.peakVramBytes >= limits.thresholdBytes) {
    return `VRAM reached ${pct(step.peakVramBytes, limits.gpuTotalBytes)} (threshold ${pct(limits.thresholdBytes, limits.gpuTotalBytes)}) ${at}`;
  }
  if (step.tokensPerSecond !== null && step.tokensPerSecond < limits.minTokensPerSecond) {
    return `generation fell to ${step.tokensPerSecond.toFixed(1)} tokens/s (floor ${limits.minTokensPerSecond}) ${at}`;
  }
  return null;
}

/**
 * Before loading the next context: the measured growth (bytes per token between the last two
 * steps) projected to it. Stops when the projection is past the GPU's total memory, so the probe
 * never asks for a load that cannot fit.
 */
export function stopBeforeStep(steps: readonly ProbeStep[], nextContextTokens: number, limits: StopLimits): string | null {
  const measured = steps.filter((s) => s.outcome === 'ok' && s.peakVramBytes !== null);
  if (measured.length < 2 || !limits.gpuTotalBytes) return null;
  const a = measured[measured.length - 2]!;
  const b = measured[measured.length - 1]!;
  if (b.contextTokens <= a.contextTokens) return null;
  const perToken = Math.max(0, (b.peakVramBytes! - a.peakVramBytes!) / (b.contextTokens - a.contextTokens));
  const projected = b.peakVramBytes! + perToken * (nextContextTokens - b.contextTokens);
  if (projected <= limits.gpuTotalBytes) return null;
  return `the next step (${fmt(nextContextTokens)} tokens) would need about ${pct(projected, limits.gpuTotalBytes)} of the GPU, going by the steps so far; stopped before loading it`;
}

/** Largest context whose step was ok, unspilled, under the threshold and at or above the speed floor. */
export function largestUsableContext(steps: readonly ProbeStep[], limits: StopLimits): number | null {
  let best: number | null = null;
  for (const s of steps) {
    if (s.outcome !== 'ok' || s.isSpilled) continue;
    if (limits.thresholdBytes !== null && s.peakVramBytes !== null && s.peakVramBytes >= limits.thresholdBytes) continue;
    if (s.tokensPerSecond !== null && s.tokensPerSecond < limits.minTokensPerSecond) continue;
    if (best === null || s.contextTokens > best) best = s.contextTokens;
  }
  return best;
}

/**
 * The latency knee: the first step where time to first token per prompt token grew past 1.5× the
 * first step's, or generation speed fell under half the first step's. Null when neither happened.
 */
export function latencyKnee(steps: readonly ProbeStep[]): number | null {
  const ok = steps.filter((s) => s.outcome === 'ok' && !s.isSpilled);
  const first = ok[0];
  if (!first) return null;
  const perToken = (s: ProbeStep) => (s.ttftMs !== null && s.promptTokens ? s.ttftMs / s.promptTokens : null);
  const base = perToken(first);
  for (const s of ok.slice(1)) {
    const r = perToken(s);
    if (base !== null && r !== null && r > base * 1.5) return s.contextTokens;
    if (first.tokensPerSecond && s.tokensPerSecond !== null && s.tokensPerSecond < first.tokensPerSecond * 0.5) return s.contextTokens;
  }
  return null;
}

/** (measured − predicted) / predicted in percent, one decimal; null when either is missing. */
export function predictionErrorPct(measuredBytes: number | null, predictedBytes: number | null): number | null {
  if (measuredBytes === null || predictedBytes === null || predictedBytes <= 0) return null;
  return Math.round(((measuredBytes - predictedBytes) / predictedBytes) * 1000) / 10;
}

/** Estimated time left: each remaining step scaled from the last one by its context (prefill grows with it). */
export function estimateRemainingMs(steps: readonly ProbeStep[], remainingContexts: readonly number[]): number | null {
  const last = steps[steps.length - 1];
  if (!last) return null;
  if (remainingContexts.length === 0) return 0;
  return Math.round(remainingContexts.reduce((sum, c) => sum + last.durationMs * Math.max(1, c / Math.max(1, last.contextTokens)), 0));
}
