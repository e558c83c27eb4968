import { describe, expect, it } from 'vitest';
import { evaluate, initialRuleState, isStale } from './hysteresis';
import type { Rule, RuleState } from './rules';

const above: Rule = { id: 'r', metric: 'pct', op: 'above', threshold: 90, clearAt: 87, forSamples: 3, cooldownMs: 60_000 };
const below: Rule = { id: 'eta', metric: 'etaMs', op: 'below', threshold: 600, clearAt: 900, forSamples: 2, cooldownMs: 0 };

/** Runs values at 1 s steps; returns "raised@i" / "cleared@i" marks. */
function run(rule: Rule, values: readonly (number | null)[], stepMs = 1000): string[] {
  let state: RuleState = initialRuleState(0);
  const marks: string[] = [];
  values.forEach((v, i) => {
    const r = evaluate(rule, state, v, i * stepMs);
    state = r.state;
    if (r.transition) marks.push(`${r.transition}@${i}`);
  });
  return marks;
}

describe('evaluate', () => {
  it.each([
    { name: 'quiet below threshold', rule: above, values: [50, 60, 89.9, 89], want: [] },
    { name: 'fires after forSamples breaches', rule: above, values: [91, 92, 93, 94], want: ['raised@2'] },
    { name: 'a single spike never fires', rule: above, values: [80, 99, 80, 99, 80, 99], want: [] },
    { name: 'exactly at threshold counts as breach', rule: above, values: [90, 90, 90], want: ['raised@2'] },
    { name: 'flapping across threshold raises once', rule: above, values: [91, 91, 91, 89, 91, 89, 91, 88, 91, 91, 91], want: ['raised@2'] },
    { name: 'clears only past clearAt', rule: above, values: [91, 91, 91, 88, 87, 86.9, 80], want: ['raised@2', 'cleared@5'] },
    { name: 'null holds an active alert', rule: above, values: [91, 91, 91, null, null, 80], want: ['raised@2', 'cleared@5'] },
    { name: 'null restarts the streak', rule: above, values: [91, 91, null, 91, 91, 91], want: ['raised@5'] },
    { name: 'NaN is treated as null', rule: above, values: [91, 91, Number.NaN, 91], want: [] },
    { name: 'below op with hysteresis', rule: below, values: [1000, 500, 500, 700, 899, 901], want: ['raised@2', 'cleared@5'] },
    { name: 'Infinity clears a below rule', rule: below, values: [100, 100, Number.POSITIVE_INFINITY], want: ['raised@1', 'cleared@2'] },
    { name: 'forSamples 1 fires at once', rule: { ...above, forSamples: 1 }, values: [95], want: ['raised@0'] },
  ])('$name', ({ rule, values, want }) => {
    expect(run(rule, values)).toEqual(want);
  });

  it.each([
    { name: 're-arms after clearing, cooldown over', stepMs: 30_000, want: ['raised@2', 'cleared@3', 'raised@6'] },
    { name: 'cooldown delays the second raise', stepMs: 10_000, want: ['raised@2', 'cleared@3', 'raised@8'] },
  ])('$name', ({ stepMs, want }) => {
    // breach ×3, clear, then breach until the end
    const values = [95, 95, 95, 50, 95, 95, 95, 95, 95, 95];
    expect(run(above, values, stepMs)).toEqual(want);
  });

  it('keeps sinceMs from the raise while active', () => {
    let state = initialRuleState(0);
    for (const [i, v] of [91, 91, 91, 95, 96].entries()) state = evaluate(above, state, v, i * 1000).state;
    // Still active, nothing new: lastEvaluatedMs moves on at most once a minute.
    expect(state).toMatchObject({ isActive: true, sinceMs: 2000, lastRaisedMs: 2000, lastEvaluatedMs: 2000 });
  });

  it('hands back the same state object while nothing changes; lastEvaluatedMs catches up once a minute', () => {
    const quiet = initialRuleState(0);
    const a = evaluate(above, quiet, 10, 1000).state;
    expect(a).toBe(quiet);
    expect(evaluate(above, quiet, null, 2000).state).toBe(quiet);
    const later = evaluate(above, quiet, 10, 61_000).state;
    expect(later).not.toBe(quiet);
    expect(later).toEqual({ ...quiet, lastEvaluatedMs: 61_000 });
    // A breach is a change: a new state with its streak.
    expect(evaluate(above, quiet, 95, 3000).state).toMatchObject({ breachStreak: 1, lastEvaluatedMs: 3000 });
  });
});

describe('isStale', () => {
  it.each([
    { name: 'fresh inactive', state: { ...initialRuleState(0) }, nowMs: 1000, want: false },
    { name: 'old inactive', state: { ...initialRuleState(0) }, nowMs: 3_600_001, want: true },
    { name: 'old but active', state: { ...initialRuleState(0), isActive: true }, nowMs: 9_000_000, want: false },
  ])('$name', ({ state, nowMs, want }) => {
    expect(isStale(state, nowMs)).toBe(want);
  });
});
