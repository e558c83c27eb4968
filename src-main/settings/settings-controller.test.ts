import { describe, expect, it } from 'vitest';
import type { AppSettings } from './settings-schema';
import { SettingsController } from './settings-controller';

const defaults = { intervalMs: 1000, warningPct: 80, criticalPct: 90, discover: true, retentionDays: 7 };

describe('SettingsController', () => {
  it('applies a valid patch (in memory without a store) and shows effective values; keys never leave', async () => {
    const applied: AppSettings[] = [];
    const c = new SettingsController(null, defaults, (s) => void applied.push(s), 'plain-text');
    const r = await c.update({ monitor: { perGpu: { 'gpu:1': { criticalPct: 95 } } }, backends: [{ url: 'http://h:1/', apiKey: 'secret' }] });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.monitor).toEqual({ intervalMs: 1000, warningPct: 80, criticalPct: 90, discover: true, perGpu: { 'gpu:1': { criticalPct: 95 } } });
    expect(r.value.backends).toEqual([{ kind: null, url: 'http://h:1', hasApiKey: true }]);
    expect(JSON.stringify(r.value)).not.toContain('secret');
    expect(applied).toHaveLength(1);
    // A later patch without apiKey keeps the stored key.
    await c.update({ backends: [{ url: 'http://h:1' }] });
    expect(c.current().backends[0]?.apiKey).toBe('secret');
  });
  it.each([
    { name: 'global warning above critical', patch: { monitor: { warningPct: 95 } }, msg: /^monitor\.warningPct:/ },
    { name: 'a GPU whose warning would not be below its critical', patch: { monitor: { perGpu: { 'gpu:0': { criticalPct: 70 } } } }, msg: /^monitor\.perGpu: gpu:0:/ },
  ])('$name → bad-request naming the field, nothing applied', async ({ patch, msg }) => {
    const applied: AppSettings[] = [];
    const c = new SettingsController(null, defaults, (s) => void applied.push(s), 'plain-text');
    const r = await c.update(patch);
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(msg) } });
    expect(applied).toHaveLength(0);
  });
});
