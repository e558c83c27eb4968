import { describe, expect, it } from 'vitest';
import { defaultAlertSettings, parseAlertSettings, tiersForGpu } from './settings';

describe('alert settings', () => {
  it('defaults: warning 80%, critical 90%, quiet first minute, webhook off', () => {
    const s = defaultAlertSettings();
    expect(s.vram).toMatchObject({ warningPct: 80, criticalPct: 90, forSamples: 3 });
    expect(s.delivery).toEqual({ desktop: true, quietStartMs: 60_000, webhookUrl: null, webhookTimeoutMs: 5000, webhookFormat: 'auto' });
    expect(s.forecast.horizonMs).toBe(900_000);
  });

  it.each([
    { name: 'empty object', input: {}, ok: true },
    { name: 'undefined', input: undefined, ok: true },
    { name: 'partial nested object keeps other defaults', input: { vram: { warningPct: 70 } }, ok: true },
    { name: 'warning above critical', input: { vram: { warningPct: 95 } }, ok: false, msg: 'vram.warningPct: must be below vram.criticalPct' },
    { name: 'per-GPU warning above its critical', input: { perGpu: { 'gpu:1': { criticalPct: 70 } } }, ok: false, msg: 'perGpu.gpu:1.warningPct' },
    { name: 'percent over 100', input: { vram: { criticalPct: 150 } }, ok: false, msg: 'vram.criticalPct' },
    { name: 'non-http webhook', input: { delivery: { webhookUrl: 'file:///etc/passwd' } }, ok: false, msg: 'delivery.webhookUrl' },
    { name: 'hostile type', input: { vram: 'lots' }, ok: false, msg: 'vram' },
    { name: 'negative duration', input: { forecast: { windowMs: -5 } }, ok: false, msg: 'forecast.windowMs' },
  ])('$name', ({ input, ok, msg }) => {
    const r = parseAlertSettings(input);
    expect(r.ok).toBe(ok);
    if (!r.ok && msg) expect(r.error.message).toContain(msg);
    if (!r.ok) expect(r.error.code).toBe('bad-request');
  });

  it.each([
    { name: 'no override', gpuId: 'gpu:0', want: { warningPct: 80, criticalPct: 90, ignoreVram: false } },
    { name: 'partial override', gpuId: 'gpu:1', want: { warningPct: 60, criticalPct: 90, ignoreVram: false } },
    { name: 'ignored GPU', gpuId: 'gpu:2', want: { warningPct: 80, criticalPct: 90, ignoreVram: true } },
  ])('tiers: $name', ({ gpuId, want }) => {
    const r = parseAlertSettings({ perGpu: { 'gpu:1': { warningPct: 60 }, 'gpu:2': { ignoreVram: true } } });
    if (!r.ok) throw new Error(r.error.message);
    expect(tiersForGpu(r.value, gpuId)).toEqual(want);
  });
});
