import type { HistoryPoint } from '../contract/requests';
import type { Alert, BackendReading, GpuReading, LoadedModel } from '../model/snapshot';
import type { SeriesPoint } from './forecast';
import type { CommandShell } from './remedies';
import type { AlertRule, AlertTransition, RuleState } from './rules';
import type { AlertSettings } from './settings';

/**
 * A loaded model as the alert engine reads it: the Snapshot's model, plus vLLM's cumulative
 * `vllm:num_preemptions_total` where the collector has it (not yet a Snapshot field).
 */
export type AlertModelInput = LoadedModel & { preemptionsTotal?: number | null };

/** A backend as the alert engine reads it (a Snapshot `BackendReading` fits as is). */
export type AlertBackendInput = Omit<BackendReading, 'models'> & { models: readonly AlertModelInput[] };

/** This tick's readings. A Snapshot (or the parts of one the monitor has built) fits as is. */
export interface AlertTickInput {
  gpus: readonly GpuReading[];
  backends: readonly AlertBackendInput[];
  /** The shell remedies write commands for (PowerShell on Windows); default POSIX. */
  commandShell?: CommandShell;
}

/** An active alert plus what the engine needs to order and mute it. */
export interface ActiveAlert extends Alert {
  ruleKey: string;
  group?: string;
  rank?: number;
}

/** Short histories the engine keeps between ticks; all trimmed to their windows. */
export interface AlertSeries {
  /** GPU id → used percent of GPU memory. */
  vramPct: Record<string, SeriesPoint[]>;
  /** GPU id → app name → bytes that app holds on that GPU (its processes summed). */
  appBytes: Record<string, Record<string, SeriesPoint[]>>;
  /** Slot key (`<backendId>/<model>#<slot>`) → used tokens of the current conversation. */
  slotTokens: Record<string, SeriesPoint[]>;
  /** Model key (`<backendId>/<model>`) → vLLM KV-cache usage ratio 0–1. */
  kvRatio: Record<string, SeriesPoint[]>;
  /** Model key → vLLM cumulative preemptions. */
  preemptions: Record<string, SeriesPoint[]>;
}

/** Everything the engine remembers between ticks. Plain JSON; treat as opaque and immutable. */
export interface AlertEngineState {
  rules: Record<string, RuleState>;
  active: Record<string, ActiveAlert>;
  series: AlertSeries;
  /** Backend ids that were `up` at least once (only those can "go down"). */
  backendsSeenUp: Record<string, true>;
  /** Time of the previous tick, epoch ms; null before the first. */
  lastTickMs: number | null;
}

/** Arguments of one engine step. */
export interface AlertStepArgs {
  state: AlertEngineState;
  input: AlertTickInput;
  /**
   * Optional recent per-GPU memory history (e.g. the monitor's ring buffer, or persisted history
   * at start). Merged with what the engine already keeps; duplicates by `atMs` collapse.
   */
  history?: readonly HistoryPoint[];
  settings: AlertSettings;
  /** The tick's time, epoch ms (the engine reads no clock). */
  nowMs: number;
}

/** The result of one engine step. */
export interface AlertStep {
  state: AlertEngineState;
  /** Active alerts in the Snapshot `alerts` shape: critical first, then oldest first. */
  alerts: Alert[];
  /** What changed this tick: deliver these (notifications, webhook, `alertChanged`). */
  transitions: AlertTransition[];
}

/** One rule to evaluate this tick, with its value and the message it would show. */
export interface Check {
  rule: AlertRule;
  /** In the rule's metric units; null = no reading this tick (state held). */
  value: number | null;
  message: string;
}

/** What check builders read: this tick, the updated series, the settings. */
export interface CheckContext {
  input: AlertTickInput;
  series: AlertSeries;
  settings: AlertSettings;
  nowMs: number;
}
