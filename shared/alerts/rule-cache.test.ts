import { describe, expect, it } from 'vitest';
import { initialAlertState, stepAlerts } from './engine';
import { cachedRule } from './rule-cache';
import { defaultAlertSettings } from './settings';
import { gpuAt } from './testing';

describe('cachedRule', () => {
  it('builds a rule once per settings object and id', () => {
    const settings = defaultAlertSettings();
    let built = 0;
    const build = (id: string) => (built++, { id, ruleKey: 'x', metric: 'm', op: 'above' as const, threshold: 1, forSamples: 1, clearAt: 0, cooldownMs: 0, kind: 'threshold' as const, severity: 'warning' as const, sourceId: 's' });
    const a = cachedRule(settings, 'x:1', build);
    expect(cachedRule(settings, 'x:1', build)).toBe(a);
    expect(cachedRule(settings, 'x:2', build)).not.toBe(a);
    expect(cachedRule(defaultAlertSettings(), 'x:1', build)).not.toBe(a);
    expect(built).toBe(3);
  });

  it('a settings change reaches the rules at once (new warning level)', () => {
    const settings = defaultAlertSettings();
    let state = initialAlertState();
    const tick = (nowMs: number, s: typeof settings) => {
      const step = stepAlerts({ state, input: { gpus: [gpuAt(75)], backends: [] }, settings: s, nowMs });
      state = step.state;
      return step.alerts;
    };
    for (let t = 0; t < 5; t++) expect(tick(1_000 + t * 1000, settings).filter((a) => a.id.startsWith('vram-warning'))).toHaveLength(0);
    const stricter = { ...settings, vram: { ...settings.vram, warningPct: 70 } };
    let raised = false;
    for (let t = 5; t < 15 && !raised; t++) raised = tick(1_000 + t * 1000, stricter).some((a) => a.id.startsWith('vram-warning'));
    expect(raised).toBe(true);
  });
});
