/**
 * The probe's step loop: for each planned context, check it is safe to try, run the step through
 * the driver while the GPU watch records the peak, compare with the memory model, decide whether
 * to stop; always restore the server at the end. One engine behind `headroom probe` and the
 * dashboard's Probe page.
 */
import type { ProbeReport, ProbeStep } from '../../shared/contract/probe';
import type { KvCacheType } from '../../shared/estimator/ggml-types';
import { predictForModel } from '../../shared/estimator/predict';
import type { ProbeDriver, StepMeasure } from './driver';
import { emptyMeasure } from './driver';
import type { GpuWatch } from './gpu-watch';
import { estimateRemainingMs, largestUsableContext, latencyKnee, planContexts, predictionErrorPct, stopAfterStep, stopBeforeStep, type StopLimits } from './steps';

export interface ProbeSettings {
  fromTokens: number;
  /** null → the driver's maximum. */
  toTokens: number | null;
  kvTypes: KvCacheType[];
  stopAtPct: number;
  minTokensPerSecond: number;
  generateTokens: number;
  gpuId: string | null;
}

export interface ProbeRunDeps {
  id: string;
  driver: ProbeDriver;
  backend: { kind: string; url: string };
  model: string;
  settings: ProbeSettings;
  gpu: GpuWatch | null;
  signal: AbortSignal;
  now?: () => number;
  /** Called with the report after every change (progress, each step, the end). */
  onUpdate?: (report: ProbeReport) => void;
  /** How long a step waits for the GPU stream's next reading after the server answered. */
  settleMs?: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function runProbe(deps: ProbeRunDeps): Promise<ProbeReport> {
  const now = deps.now ?? Date.now;
  const { settings, driver } = deps;
  const report: ProbeReport = {
    id: deps.id,
    status: 'running',
    startedAtMs: now(),
    finishedAtMs: null,
    backend: { kind: deps.backend.kind, url: deps.backend.url, version: null },
    model: deps.model,
    cacheType: settings.kvTypes[0] ?? 'f16',
    isContextVaried: true,
    settings: { fromTokens: settings.fromTokens, toTokens: settings.toTokens ?? 0, stopAtPct: settings.stopAtPct, minTokensPerSecond: settings.minTokensPerSecond, generateTokens: settings.generateTokens, kvTypes: settings.kvTypes },
    gpu: null,
    thresholdBytes: null,
    baselineBytes: null,
    plannedContexts: [],
    steps: [],
    stopReason: null,
    largestUsableContextTokens: null,
    kneeContextTokens: null,
    predicted: [],
    restore: null,
    restartCommand: null,
    notes: [],
    progress: { stepIndex: 0, stepCount: 0, contextTokens: null, phase: 'reading the server', etaMs: null },
  };
  const publish = () => deps.onUpdate?.(structuredClone(report));
  publish();

  const prepared = await driver.prepare(deps.signal);
  if (!prepared.ok) {
    report.status = deps.signal.aborted ? 'cancelled' : 'failed';
    report.stopReason = deps.signal.aborted ? 'cancelled by the user' : prepared.error.message;
    return finish(report, now, publish);
  }
  const info = prepared.value;
  report.backend.version = info.version;
  report.isContextVaried = info.isContextVaried;
  report.notes.push(...info.notes);
  const gpuReading = deps.gpu ? (settings.gpuId ? deps.gpu.latest(settings.gpuId) : deps.gpu.latest()) : null;
  if (gpuReading) {
    report.gpu = { id: gpuReading.id, name: gpuReading.name, totalBytes: gpuReading.memoryTotalBytes };
    report.thresholdBytes = Math.floor((gpuReading.memoryTotalBytes * settings.stopAtPct) / 100);
  } else {
    report.notes.push('No GPU reading: VRAM was not measured, so the threshold could not stop the run (spill, errors and the speed floor still do).');
  }
  const maxTokens = info.maxContextTokens;
  let to = settings.toTokens ?? maxTokens ?? settings.fromTokens;
  if (maxTokens !== null && to > maxTokens) {
    report.notes.push(`${info.isContextVaried ? "The model's maximum context" : 'The served context'} is ${fmt(maxTokens)} tokens; the probe stops there.`);
    to = maxTokens;
  }
  const from = Math.min(settings.fromTokens, to);
  report.settings.toTokens = to;
  report.settings.fromTokens = from;
  report.plannedContexts = planContexts(from, to);
  if (!info.isContextVaried) {
    report.notes.push(`The context itself was not varied: this ${deps.backend.kind} server's context is fixed at start (${maxTokens === null ? 'unknown' : `${fmt(maxTokens)} tokens`}); only the prompt size was stepped up to it.`);
  }

  // The memory model's curve at the planned contexts, per KV type compared.
  const limits: StopLimits = { thresholdBytes: report.thresholdBytes, gpuTotalBytes: report.gpu?.totalBytes ?? null, minTokensPerSecond: settings.minTokensPerSecond };
  let predictedAt = (_ctx: number): number | null => null;
  if (info.architecture && report.gpu && info.isContextVaried) {
    const p = predictForModel(info.architecture, {
      engine: deps.backend.kind === 'ollama' ? 'ollama' : 'llama.cpp',
      gpuTotalBytes: report.gpu.totalBytes,
      thresholdRatio: settings.stopAtPct / 100,
      weightsBytes: info.weightsBytes,
      weightsIsEstimate: true,
      parallel: info.parallel ?? 1,
      ...(info.graph ? { ubatch: info.graph.ubatch, flashAttention: info.graph.flashAttention } : {}),
      cacheTypes: settings.kvTypes,
      contextPoints: report.plannedContexts,
      maxContextTokens: to,
    });
    if (p.ok) {
      // No CUDA/ROCm context where the model runs on the CPU.
      const less = info.hasGpuRuntime === false ? p.value.overheadBytes : 0;
      if (less) report.notes.push('The model runs without a GPU runtime: the prediction leaves out the GPU overhead estimate.');
      report.predicted = p.value.curves.filter((c) => !c.error).map((c) => ({ cacheType: c.cacheType, points: c.points.map((pt) => ({ contextTokens: pt.contextTokens, totalBytes: pt.totalBytes - less })) }));
      const mine = report.predicted.find((c) => c.cacheType === report.cacheType);
      predictedAt = (ctx) => mine?.points.find((pt) => pt.contextTokens === ctx)?.totalBytes ?? null;
      const compute = info.graph
        ? `compute buffer from the local GGUF's graph formula (n_ubatch ${info.graph.ubatch}, flash attention ${info.graph.flashAttention ? 'on' : 'off'})`
        : 'compute buffer estimated';
      if (info.weightsBasis) report.notes.push(`Predicted VRAM: weights ${info.weightsBasis}; KV cache exact; ${compute}${less ? '' : '; GPU overhead estimated'}.`);
    } else report.notes.push(`No prediction: ${p.error.message}`);
  } else if (!info.isContextVaried) {
    report.notes.push('No prediction per step: the allocation does not change with the prompt on this server.');
  } else if (!info.architecture) {
    report.notes.push('No prediction: the model architecture could not be read from the server.');
  }

  // Baseline: GPU memory not held by the probed model (used now minus what the model holds if loaded).
  const baselineAtStart = gpuReading ? Math.max(0, gpuReading.memoryUsedBytes - (info.loadedVramBytes ?? 0)) : null;
  report.baselineBytes = baselineAtStart;

  try {
    for (let i = 0; i < report.plannedContexts.length; i++) {
      const ctx = report.plannedContexts[i]!;
      if (deps.signal.aborted) {
        report.status = 'cancelled';
        report.stopReason = 'cancelled by the user';
        break;
      }
      const before = stopBeforeStep(report.steps, ctx, limits);
      if (before) {
        report.status = 'stopped';
        report.stopReason = before;
        break;
      }
      report.progress = { stepIndex: i + 1, stepCount: report.plannedContexts.length, contextTokens: ctx, phase: info.isContextVaried ? `loading at ${fmt(ctx)} tokens` : `prompt of ${fmt(ctx)} tokens`, etaMs: estimateRemainingMs(report.steps, report.plannedContexts.slice(i)) };
      publish();
      const step = await runOneStep(deps, i, ctx, predictedAt(ctx), baselineAtStart, now);
      report.steps.push(step);
      const reason = stopAfterStep(step, limits);
      report.progress = { ...report.progress, phase: 'step done', etaMs: estimateRemainingMs(report.steps, report.plannedContexts.slice(i + 1)) };
      publish();
      if (reason) {
        report.status = step.outcome === 'cancelled' ? 'cancelled' : 'stopped';
        report.stopReason = reason;
        break;
      }
    }
    if (report.status === 'running') report.status = 'done';
  } catch (error) {
    report.status = 'failed';
    report.stopReason = `probe failed: ${(error as Error).message}`;
  } finally {
    report.progress = { ...(report.progress ?? { stepIndex: 0, stepCount: 0, contextTokens: null, etaMs: null }), phase: 'restoring the server', etaMs: null };
    publish();
    report.restore = await driver.restore();
  }
  if (!info.isContextVaried && maxTokens !== null) report.restartCommand = driver.restartCommand(maxTokens * 2);
  report.largestUsableContextTokens = largestUsableContext(report.steps, limits);
  report.kneeContextTokens = latencyKnee(report.steps);
  return finish(report, now, publish);
}

function finish(report: ProbeReport, now: () => number, publish: () => void): ProbeReport {
  report.finishedAtMs = now();
  report.progress = null;
  publish();
  return report;
}

async function runOneStep(deps: ProbeRunDeps, index: number, ctx: number, predictedBytes: number | null, baselineAtStart: number | null, now: () => number): Promise<ProbeStep> {
  const { settings, gpu } = deps;
  const gpuId = settings.gpuId ?? gpu?.latest()?.id ?? null;
  const window = gpu && gpuId ? gpu.openWindow(gpuId) : null;
  const baseline = gpu && gpuId ? (gpu.latest(gpuId)?.memoryUsedBytes ?? null) : null;
  const t0 = now();
  const target = Math.max(16, Math.floor((ctx - settings.generateTokens) * 0.95));
  let m: StepMeasure;
  try {
    m = await deps.driver.runStep({ index, contextTokens: ctx, targetPromptTokens: target, generateTokens: settings.generateTokens, nonce: `${deps.id}-${index}` }, deps.signal);
  } catch (error) {
    m = emptyMeasure('error', (error as Error).message);
  }
  if (deps.signal.aborted && m.outcome !== 'ok') m = { ...m, outcome: 'cancelled', message: 'cancelled by the user' };
  // The GPU stream samples on its own clock and a reading may be the stream's last line, taken
  // before the answer: the step ends after two more readings, so one was sampled after it.
  for (let i = 0; i < 2 && gpu && gpuId && !deps.signal.aborted; i++) await gpu.nextReading(gpuId, deps.settleMs ?? 3000, deps.signal);
  const peak = window?.peakBytes() ?? null;
  window?.close();
  const spilled = m.sizeBytes !== null && m.sizeVramBytes !== null && m.sizeVramBytes < m.sizeBytes;
  // The model's own VRAM: Ollama's size_vram, else the GPU peak over the level before the probe.
  const fromGpu = peak !== null && baselineAtStart !== null ? Math.max(0, peak - baselineAtStart) : null;
  const measured = fromGpu ?? m.sizeVramBytes;
  return {
    index,
    contextTokens: ctx,
    promptTokens: m.promptTokens,
    targetPromptTokens: target,
    peakVramBytes: peak,
    baselineVramBytes: baseline,
    sizeBytes: m.sizeBytes,
    sizeVramBytes: m.sizeVramBytes,
    isSpilled: spilled,
    ttftMs: m.ttftMs,
    tokensPerSecond: m.tokensPerSecond,
    promptTokensPerSecond: m.promptTokensPerSecond,
    loadMs: m.loadMs,
    predictedBytes,
    predictionErrorPct: m.outcome === 'ok' ? predictionErrorPct(measured, predictedBytes) : null,
    measuredBasis: fromGpu !== null ? 'GPU peak − level before the probe' : m.sizeVramBytes !== null ? 'size_vram' : null,
    durationMs: Math.max(0, now() - t0),
    outcome: m.outcome,
    message: m.message,
  };
}
