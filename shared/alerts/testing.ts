/**
 * Builders and a timeline runner for alert tests and the forecast benchmark. Pure; not used
 * by production code.
 */
import type { BackendReading, GpuReading, LoadedModel } from '../model/snapshot';
import { GiB } from '../units/bytes';
import { initialAlertState, stepAlerts } from './engine';
import type { AlertTransition } from './rules';
import type { AlertSettings } from './settings';
import type { AlertBackendInput, AlertEngineState, AlertModelInput, AlertStep, AlertTickInput } from './types';

/** A GPU reading at `usedPct` percent of `totalBytes` (24 GiB by default). */
export function gpuAt(usedPct: number, overrides: Partial<GpuReading> = {}): GpuReading {
  const totalBytes = overrides.memoryTotalBytes ?? 24 * GiB;
  const usedBytes = Math.round((totalBytes * usedPct) / 100);
  return {
    id: 'gpu:0',
    index: 0,
    vendor: 'nvidia',
    name: 'RTX 4090',
    uuid: null,
    memoryTotalBytes: totalBytes,
    memoryUsedBytes: usedBytes,
    memoryFreeBytes: totalBytes - usedBytes,
    utilizationPct: null,
    temperatureC: null,
    powerWatts: null,
    ...overrides,
  };
}

/** A loaded model with nothing known but its name. */
export function model(name: string, overrides: Partial<AlertModelInput> = {}): AlertModelInput {
  const base: LoadedModel = { name, contextLength: null, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null };
  return { ...base, ...overrides };
}

/** A backend reading; `kind` and port give the id (`ollama@127.0.0.1:11434`). */
export function backend(kind: BackendReading['kind'], overrides: Partial<AlertBackendInput> = {}): AlertBackendInput {
  const port = { ollama: 11434, vllm: 8000, llamacpp: 8080, lmstudio: 1234, openai: 9000 }[kind];
  return {
    id: `${kind}@127.0.0.1:${port}`,
    kind,
    url: `http://127.0.0.1:${port}`,
    status: 'up',
    message: null,
    version: null,
    models: [],
    ...overrides,
  };
}

/** One tick of a scripted timeline. */
export interface TimelineTick {
  atMs: number;
  input: AlertTickInput;
}

/** What a timeline produced: every transition and the last step. */
export interface TimelineResult {
  transitions: AlertTransition[];
  steps: AlertStep[];
  state: AlertEngineState;
}

/** Runs ticks through the engine in order, from `state` (fresh by default). */
export function runTimeline(ticks: Iterable<TimelineTick>, settings: AlertSettings, state: AlertEngineState = initialAlertState()): TimelineResult {
  const transitions: AlertTransition[] = [];
  const steps: AlertStep[] = [];
  let current = state;
  for (const t of ticks) {
    const step = stepAlerts({ state: current, input: t.input, settings, nowMs: t.atMs });
    current = step.state;
    transitions.push(...step.transitions);
    steps.push(step);
  }
  return { transitions, steps, state: current };
}

/** GPU-only ticks every `intervalMs` from `startMs`, one per percentage in `pcts`. */
export function gpuTicks(pcts: readonly number[], intervalMs = 1000, startMs = 1_000_000): TimelineTick[] {
  return pcts.map((p, i) => ({ atMs: startMs + i * intervalMs, input: { gpus: [gpuAt(p)], backends: [] } }));
}

/** mulberry32: a small seeded PRNG returning [0, 1), for reproducible noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gaussian noise from a uniform PRNG (Box–Muller). */
export function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** "raised vram-warning:gpu:0@12000" lines, for compact timeline assertions. */
export function describeTransitions(transitions: readonly AlertTransition[], startMs = 0): string[] {
  return transitions.map((t) => `${t.type} ${t.alert.id}@${t.atMs - startMs}`);
}
