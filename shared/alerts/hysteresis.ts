import type { Rule, RuleState } from './rules';

/** A fresh, inactive rule state. */
export function initialRuleState(nowMs: number): RuleState {
  return { isActive: false, breachStreak: 0, sinceMs: null, lastRaisedMs: null, lastClearedMs: null, lastEvaluatedMs: nowMs };
}

/** How stale `lastEvaluatedMs` may be left when nothing else about a rule changed (ms). */
export const EVALUATED_RESOLUTION_MS = 60_000;

export interface Evaluation {
  state: RuleState;
  transition?: 'raised' | 'cleared';
}

function isBreach(rule: Rule, value: number): boolean {
  return rule.op === 'above' ? value >= rule.threshold : value <= rule.threshold;
}

function isPastClear(rule: Rule, value: number): boolean {
  return rule.op === 'above' ? value < rule.clearAt : value > rule.clearAt;
}

/**
 * One step of a rule: pure. `value` null means "no reading this tick" (a missing value is
 * never 0): the breach streak restarts and an active alert stays active. `NaN` counts as null.
 * Raised after `forSamples` consecutive breaches and not within `cooldownMs` of the last raise;
 * cleared only once the value is past `clearAt`. A cleared rule re-arms at once (its streak
 * restarts from 0), so flapping around the threshold cannot raise twice without clearing.
 */
export function evaluate(rule: Rule, state: RuleState, value: number | null, nowMs: number): Evaluation {
  // Nothing changes on most ticks (no breach, or still active): the same state object comes
  // back, with `lastEvaluatedMs` moved on at most once a minute (it only decides when a
  // vanished source's state is dropped, after an hour): no state allocated per rule per tick.
  if (value === null || Number.isNaN(value) || (!state.isActive && !isBreach(rule, value))) {
    return state.breachStreak === 0 ? unchanged(state, nowMs) : changed(state, nowMs, { breachStreak: 0 });
  }
  if (state.isActive) {
    return isPastClear(rule, value) ? changed(state, nowMs, { isActive: false, breachStreak: 0, sinceMs: null, lastClearedMs: nowMs }, 'cleared') : unchanged(state, nowMs);
  }
  const streak = Math.min(state.breachStreak + 1, Math.max(1, rule.forSamples));
  const isCooling = state.lastRaisedMs !== null && nowMs - state.lastRaisedMs < rule.cooldownMs;
  if (streak >= rule.forSamples && !isCooling) {
    return changed(state, nowMs, { isActive: true, breachStreak: streak, sinceMs: nowMs, lastRaisedMs: nowMs }, 'raised');
  }
  return changed(state, nowMs, { breachStreak: streak });
}

/** The state with `change` applied (and the time of this evaluation). */
function changed(state: RuleState, nowMs: number, change: Partial<RuleState>, transition?: Evaluation['transition']): Evaluation {
  const next: RuleState = { ...state, lastEvaluatedMs: nowMs, ...change };
  return transition ? { state: next, transition } : { state: next };
}

/** The same state, its evaluation time moved on at most once per EVALUATED_RESOLUTION_MS. */
function unchanged(state: RuleState, nowMs: number): Evaluation {
  return nowMs - state.lastEvaluatedMs < EVALUATED_RESOLUTION_MS ? { state } : changed(state, nowMs, {});
}

/**
 * True when an inactive state has not been evaluated for `keepMs` (its source vanished; the
 * time is kept to within EVALUATED_RESOLUTION_MS):
 * the engine drops it. It is kept until then so a source that flaps in and out (a model that
 * reloads) still honours its rule's cooldown.
 */
export function isStale(state: RuleState, nowMs: number, keepMs = 3_600_000): boolean {
  return !state.isActive && nowMs - state.lastEvaluatedMs > keepMs;
}
