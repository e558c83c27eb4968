import { describe, expect, it } from 'vitest';
import type { SettingsView } from '../../../shared/contract/settings';
import { draftFrom, validateDraft } from './settings-form';

const view: SettingsView = {
  monitor: { intervalMs: 1000, warningPct: 80, criticalPct: 90, discover: true, perGpu: { 'gpu:1': { criticalPct: 95, ignoreVram: true } } },
  backends: [],
  alerts: { notifications: true, webhookUrl: null, mutedRules: [], snoozedUntilMs: null },
  history: { retentionDays: 7 },
  notices: [],
  keyStorage: 'plain-text',
  filePath: null,
};

describe('per-GPU thresholds in the settings form', () => {
  it('round-trips overrides; empty fields fall back to the global thresholds', () => {
    const d = draftFrom(view);
    expect(d.perGpu['gpu:1']).toEqual({ warningPct: '', criticalPct: '95', ignoreVram: true });
    d.perGpu['gpu:0'] = { warningPct: '60', criticalPct: '', ignoreVram: false };
    d.perGpu['gpu:2'] = { warningPct: '', criticalPct: '', ignoreVram: false };
    const r = validateDraft(d);
    expect(r.errors).toEqual({});
    expect(r.patch?.monitor?.perGpu).toEqual({ 'gpu:0': { warningPct: 60 }, 'gpu:1': { criticalPct: 95, ignoreVram: true } });
  });
  it.each([
    { name: 'warning above the GPU critical', gpu: { warningPct: '75', criticalPct: '70', ignoreVram: false }, field: 'monitor.perGpu.0.warningPct' },
    { name: 'warning above the global critical', gpu: { warningPct: '95', criticalPct: '', ignoreVram: false }, field: 'monitor.perGpu.0.warningPct' },
    { name: 'not a number', gpu: { warningPct: '', criticalPct: 'lots', ignoreVram: false }, field: 'monitor.perGpu.0.criticalPct' },
  ])('$name → error on $field, nothing saved', ({ gpu, field }) => {
    const d = draftFrom(view);
    d.perGpu['gpu:0'] = gpu;
    const r = validateDraft(d);
    expect(Object.keys(r.errors)).toEqual([field]);
    expect(r.patch).toBeNull();
  });
});
