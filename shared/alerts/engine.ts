import type { Alert } from '../model/snapshot';
import { backendChecks } from './backend-checks';
import { gpuChecks } from './gpu-checks';
import { evaluate, initialRuleState, isStale } from './hysteresis';
import type { AlertRule, AlertTransition, RuleState } from './rules';
import { updateSeries } from './series';
import type { ActiveAlert, AlertEngineState, AlertStep, AlertStepArgs, Check } from './types';

/** The state before the first tick. */
export function initialAlertState(): AlertEngineState {
  return {
    rules: {},
    active: {},
    series: { vramPct: {}, appBytes: {}, slotTokens: {}, kvRatio: {}, preemptions: {} },
    backendsSeenUp: {},
    lastTickMs: null,
  };
}

function toAlert(a: ActiveAlert): Alert {
  return { id: a.id, severity: a.severity, kind: a.kind, message: a.message, sourceId: a.sourceId, sinceMs: a.sinceMs };
}

function activeFrom(rule: AlertRule, message: string, sinceMs: number): ActiveAlert {
  const a: ActiveAlert = { id: rule.id, severity: rule.severity, kind: rule.kind, message, sourceId: rule.sourceId, sinceMs, ruleKey: rule.ruleKey };
  if (rule.group !== undefined) a.group = rule.group;
  if (rule.rank !== undefined) a.rank = rule.rank;
  return a;
}

/**
 * The alerts to show: in each group only the highest rank (a warning tier hides while the
 * critical tier of the same GPU is active); critical first, then oldest first, then by id.
 */
export function visibleAlerts(active: Readonly<Record<string, ActiveAlert>>): Alert[] {
  const list = Object.values(active);
  const top = new Map<string, number>();
  for (const a of list) if (a.group !== undefined) top.set(a.group, Math.max(top.get(a.group) ?? -Infinity, a.rank ?? 0));
  const sev = (a: Alert) => (a.severity === 'critical' ? 0 : 1);
  return list
    .filter((a) => a.group === undefined || (a.rank ?? 0) >= (top.get(a.group) ?? -Infinity))
    .sort((a, b) => sev(a) - sev(b) || a.sinceMs - b.sinceMs || a.id.localeCompare(b.id))
    .map(toAlert);
}

/**
 * One tick of the alert engine: no clock, no I/O. Feed it the previous state, this
 * tick's readings and `nowMs`; it returns the next state, the active alerts for the Snapshot
 * and the transitions (raised/cleared) to deliver. The previous state is consumed: the series
 * it got from the last step are extended in place (no copy of every window every tick), so step
 * each state once, as the monitor does, and `structuredClone` one to step it twice. A rule whose source vanished (GPU gone,
 * model unloaded, alerts disabled) clears with `value: null`.
 *
 * @example
 *   let alertState = initialAlertState();
 *   // each monitor tick:
 *   const step = stepAlerts({ state: alertState, input: { gpus, backends }, settings: settings.alerts, nowMs });
 *   alertState = step.state;
 *   snapshot.alerts = step.alerts;
 *   for (const t of step.transitions) sink.deliver(t);
 */
export function stepAlerts(args: AlertStepArgs): AlertStep {
  const { state, input, settings, nowMs } = args;
  const backendsSeenUp = { ...state.backendsSeenUp };
  for (const b of input.backends) if (b.status === 'up') backendsSeenUp[b.id] = true;
  const series = updateSeries(state, input, args.history ?? [], settings, nowMs);
  const ctx = { input, series, settings, nowMs };
  const checks: Check[] = settings.enabled ? [...gpuChecks(ctx), ...backendChecks(ctx, backendsSeenUp)] : [];

  const rules: Record<string, RuleState> = {};
  const active: Record<string, ActiveAlert> = {};
  const transitions: AlertTransition[] = [];
  for (const check of checks) {
    // `check.message` is read only where an alert is raised, cleared or shown: the wording is
    // built lazily (a getter) and most ticks need none of it.
    const { rule, value } = check;
    if (rules[rule.id]) continue; // the first check of an id wins (duplicate slot ids, …)
    const prev = state.rules[rule.id] ?? initialRuleState(nowMs);
    const result = evaluate(rule, prev, value, nowMs);
    rules[rule.id] = result.state;
    if (result.transition === 'raised') {
      const alert = activeFrom(rule, check.message, nowMs);
      active[rule.id] = alert;
      transitions.push({ type: 'raised', alert: toAlert(alert), ruleKey: rule.ruleKey, value, atMs: nowMs });
    } else if (result.transition === 'cleared') {
      const was = state.active[rule.id] ?? activeFrom(rule, check.message, prev.sinceMs ?? nowMs);
      transitions.push({ type: 'cleared', alert: toAlert(was), ruleKey: rule.ruleKey, value, atMs: nowMs });
    } else if (result.state.isActive) {
      // Still active: refresh the wording (an ETA moves) but keep when it began.
      active[rule.id] = activeFrom(rule, check.message, result.state.sinceMs ?? prev.sinceMs ?? nowMs);
    }
  }

  for (const id in state.rules) {
    if (rules[id]) continue;
    const prev = state.rules[id]!;
    if (prev.isActive) {
      const was = state.active[id];
      if (was) transitions.push({ type: 'cleared', alert: toAlert(was), ruleKey: was.ruleKey, value: null, atMs: nowMs });
      rules[id] = { ...prev, isActive: false, breachStreak: 0, sinceMs: null, lastClearedMs: nowMs };
    } else if (!isStale(prev, nowMs)) {
      rules[id] = prev;
    }
  }

  return {
    state: { rules, active, series, backendsSeenUp, lastTickMs: nowMs },
    alerts: visibleAlerts(active),
    transitions,
  };
}

/** The engine as one object, for callers that prefer `AlertEngine.step(…)`. */
export const AlertEngine = { initialState: initialAlertState, step: stepAlerts } as const;
