import type { Alert, AlertKind, AlertSeverity } from '../model/snapshot';

/**
 * A rule is data. It fires after `forSamples` consecutive breaches of `threshold`, clears only
 * once the value is past `clearAt` (hysteresis), and raises at most once per `cooldownMs`.
 * Units are those of `metric` (percent, bytes, ms, tokens, a 0/1 flag …).
 */
export interface Rule {
  /** Unique per rule instance, e.g. `vram-critical:gpu:0`. Also the id of the alert it raises. */
  id: string;
  /** What the value measures, with its unit, e.g. `vramUsedPct`, `etaMs`. */
  metric: string;
  /** `above`: breach when value ≥ threshold; `below`: breach when value ≤ threshold. */
  op: 'above' | 'below';
  threshold: number;
  /** Consecutive breaching samples before it fires (≥ 1). */
  forSamples: number;
  /** Clears once value < clearAt (`above`) or value > clearAt (`below`). */
  clearAt: number;
  /** Minimum time between two raises, ms. A breach during cooldown fires when it ends. */
  cooldownMs: number;
}

/** A rule the engine evaluates: the rule plus what the alert it raises looks like. */
export interface AlertRule extends Rule {
  /** The rule without its source, e.g. `vram-critical`; mute settings match on it. */
  ruleKey: string;
  kind: AlertKind;
  severity: AlertSeverity;
  sourceId: string;
  /**
   * Alerts in one group supersede each other in the active list: only the highest `rank`
   * is shown (warning hidden while critical is active). Transitions are unaffected.
   */
  group?: string;
  rank?: number;
}

/** Per-rule memory between ticks. Plain JSON. */
export interface RuleState {
  isActive: boolean;
  /** Consecutive breaching samples so far (saturates at forSamples). */
  breachStreak: number;
  /** When the current activation began (epoch ms); null while inactive. */
  sinceMs: number | null;
  lastRaisedMs: number | null;
  lastClearedMs: number | null;
  /** Last time the rule was evaluated; idle inactive states are dropped later. */
  lastEvaluatedMs: number;
}

/** A change of one alert: delivered to sinks (notifications, webhook), never a level. */
export interface AlertTransition {
  type: 'raised' | 'cleared';
  /** The alert as it was when raised (for `cleared`: its last message). */
  alert: Alert;
  ruleKey: string;
  /** The rule's value at the transition (units of the rule's metric); null when the source vanished. */
  value: number | null;
  atMs: number;
}
