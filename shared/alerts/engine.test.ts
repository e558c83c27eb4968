import { describe, expect, it } from 'vitest';
import { GiB } from '../units/bytes';
import { backendChecks } from './backend-checks';
import { initialAlertState, stepAlerts, visibleAlerts } from './engine';
import { gpuChecks } from './gpu-checks';
import { alertSettingsSchema, defaultAlertSettings } from './settings';
import { backend, describeTransitions, gpuAt, gpuTicks, model, runTimeline } from './testing';

const START = 1_000_000;
const settings = defaultAlertSettings();

/** 1 %/min from `fromPct` at 1 s samples for `minutes`. */
const ramp = (fromPct: number, pctPerMin: number, minutes: number) =>
  Array.from({ length: minutes * 60 }, (_, i) => fromPct + (pctPerMin * i) / 60);

describe('VRAM tiers on scripted timelines', () => {
  it.each([
    { name: 'flapping around 80% raises once', pcts: [79, 81, 81, 81, 79, 81, 79.5, 81, 78, 81, 81, 81], want: ['raised vram-warning:gpu:0@3000'] },
    { name: 'single spikes never fire', pcts: [70, 95, 70, 95, 70, 95, 70], want: [] },
    {
      name: 'clears only past clearAt (77%) and re-arms',
      pcts: [81, 81, 81, 78, 77.5, 76.9, 76, 81, 81, 81],
      want: ['raised vram-warning:gpu:0@2000', 'cleared vram-warning:gpu:0@5000'],
    },
    {
      name: 'warning then critical then clears in order',
      pcts: [85, 85, 85, 91, 91, 91, 86, 70],
      want: ['raised vram-warning:gpu:0@2000', 'raised vram-critical:gpu:0@5000', 'cleared vram-critical:gpu:0@6000', 'cleared vram-warning:gpu:0@7000'],
    },
  ])('$name', ({ pcts, want }) => {
    const r = runTimeline(gpuTicks(pcts), settings);
    expect(describeTransitions(r.transitions, START)).toEqual(want);
  });

  it('cooldown: a re-crossing within 60 s waits for the cooldown', () => {
    const pcts = [81, 81, 81, 70, ...Array<number>(80).fill(81)];
    const r = runTimeline(gpuTicks(pcts), settings);
    expect(describeTransitions(r.transitions, START)).toEqual([
      'raised vram-warning:gpu:0@2000',
      'cleared vram-warning:gpu:0@3000',
      'raised vram-warning:gpu:0@62000',
    ]);
  });

  it('shows only the critical tier while both are active, with cause and remedy', () => {
    const ollama = backend('ollama', { models: [model('qwen2.5:14b', { vramBytes: 12 * GiB, sizeBytes: 12 * GiB })] });
    const ticks = [85, 85, 85, 92, 92, 92].map((p, i) => ({ atMs: START + i * 1000, input: { gpus: [gpuAt(p)], backends: [ollama] } }));
    const last = runTimeline(ticks, settings).steps.at(-1)!;
    expect(last.alerts.map((a) => a.id)).toEqual(['vram-critical:gpu:0']);
    expect(last.alerts[0]).toMatchObject({ severity: 'critical', kind: 'threshold', sourceId: 'gpu:0', sinceMs: START + 5000 });
    expect(last.alerts[0]!.message).toContain('GPU 0 (RTX 4090): VRAM 92% full');
    expect(last.alerts[0]!.message).toContain('`ollama stop qwen2.5:14b`');
  });

  it.each([
    { name: 'per-GPU override raises the warning tier', perGpu: { 'gpu:0': { warningPct: 85 } }, want: [] },
    { name: 'ignoreVram silences the GPU', perGpu: { 'gpu:0': { ignoreVram: true } }, want: [] },
    { name: 'override for another GPU changes nothing', perGpu: { 'gpu:1': { warningPct: 85 } }, want: ['raised vram-warning:gpu:0@2000'] },
  ])('$name', ({ perGpu, want }) => {
    const s = alertSettingsSchema.parse({ perGpu });
    expect(describeTransitions(runTimeline(gpuTicks([82, 82, 82, 82]), s).transitions, START)).toEqual(want);
  });
});

describe('VRAM forecast', () => {
  it('a steady 1 %/min ramp fires the forecast before the 90% crossing, then warning, then critical', () => {
    const pcts = ramp(60, 1, 35);
    const r = runTimeline(gpuTicks(pcts), settings);
    const raised = r.transitions.filter((t) => t.type === 'raised').map((t) => t.alert.id);
    expect(raised).toEqual(['vram-forecast:gpu:0', 'vram-warning:gpu:0', 'vram-critical:gpu:0']);
    const forecastAt = r.transitions.find((t) => t.alert.id === 'vram-forecast:gpu:0')!.atMs;
    const crossAt = START + pcts.findIndex((p) => p >= 90) * 1000;
    expect(crossAt - forecastAt).toBeGreaterThanOrEqual(60_000);
    const fc = r.transitions.find((t) => t.alert.kind === 'forecast')!.alert;
    expect(fc.message).toMatch(/VRAM reaches 90% in ~\d+ min at the current rate \(\+1\.0%\/min/);
    // the forecast clears once the level reaches 90%
    expect(r.transitions.some((t) => t.type === 'cleared' && t.alert.id === 'vram-forecast:gpu:0')).toBe(true);
  });

  it('flat usage with noise raises nothing', () => {
    const pcts = Array.from({ length: 1800 }, (_, i) => 70 + Math.sin(i * 1.7) * 2 + (i % 97 === 0 ? 20 : 0));
    expect(runTimeline(gpuTicks(pcts), settings).transitions).toEqual([]);
  });

  it('a fast climb (60 %/min at a 250 ms interval) is forecast at least 5 s before the crossing', () => {
    // Flat at 50% for a minute, then +1% per second: the 90% crossing is 40 s into the climb.
    const pcts = Array.from({ length: 240 + 200 }, (_, i) => (i < 240 ? 50 : 50 + (i - 240) * 0.25) + (i % 2 === 0 ? 0.3 : -0.3));
    const r = runTimeline(gpuTicks(pcts, 250, START), settings);
    const forecast = r.transitions.find((t) => t.type === 'raised' && t.alert.kind === 'forecast');
    const crossAt = START + pcts.findIndex((p) => p >= 90) * 250;
    expect(forecast).toBeDefined();
    expect(crossAt - forecast!.atMs).toBeGreaterThanOrEqual(5_000);
  });

  it('a sawtooth (60 → 80% over 150 s, then back) forecasts nothing after its first tooth', () => {
    const pcts = Array.from({ length: 20 * 60 }, (_, s) => {
      const t = s % 155;
      return (t < 150 ? 60 + (20 * t) / 150 : 80 - (20 * (t - 150)) / 5) + (s % 3 === 0 ? 0.4 : -0.2);
    });
    const r = runTimeline(gpuTicks(pcts), settings);
    expect(r.transitions.filter((t) => t.type === 'raised' && t.alert.kind === 'forecast' && t.atMs >= START + 155_000)).toEqual([]);
  });

  it('forecast disabled: no forecast', () => {
    const s = alertSettingsSchema.parse({ forecast: { enabled: false } });
    const r = runTimeline(gpuTicks(ramp(60, 1, 25)), s);
    expect(r.transitions.some((t) => t.alert.kind === 'forecast')).toBe(false);
  });

  it('seeds from history passed by the monitor', () => {
    const history = Array.from({ length: 240 }, (_, i) => ({
      atMs: START + i * 1000,
      gpuId: 'gpu:0',
      memoryTotalBytes: 24 * GiB,
      memoryUsedBytes: Math.round(24 * GiB * ((76 + i / 60) / 100)),
    }));
    const nowMs = START + 240 * 1000;
    let state = initialAlertState();
    const fired: string[] = [];
    for (let k = 0; k < 3; k++) {
      const step = stepAlerts({ state, input: { gpus: [gpuAt(80 + k / 60)], backends: [] }, history, settings, nowMs: nowMs + k * 1000 });
      state = step.state;
      fired.push(...step.transitions.map((t) => t.alert.id));
    }
    expect(fired).toContain('vram-forecast:gpu:0');
  });
});

describe('engine bookkeeping', () => {
  it('a GPU that vanishes clears its alerts with value null', () => {
    const ticks = gpuTicks([95, 95, 95]);
    ticks.push({ atMs: START + 3000, input: { gpus: [], backends: [] } });
    const r = runTimeline(ticks, settings);
    const cleared = r.transitions.filter((t) => t.type === 'cleared');
    expect(cleared.map((t) => [t.alert.id, t.value])).toEqual([
      ['vram-warning:gpu:0', null],
      ['vram-critical:gpu:0', null],
    ]);
    expect(r.steps.at(-1)!.alerts).toEqual([]);
  });

  it('disabling alerts clears what is active', () => {
    const first = runTimeline(gpuTicks([95, 95, 95]), settings);
    const off = alertSettingsSchema.parse({ enabled: false });
    const step = stepAlerts({ state: first.state, input: { gpus: [gpuAt(95)], backends: [] }, settings: off, nowMs: START + 3000 });
    expect(step.transitions.map((t) => t.type)).toEqual(['cleared', 'cleared']);
    expect(step.alerts).toEqual([]);
  });

  it('a stale reading holds state instead of clearing', () => {
    const ticks = gpuTicks([95, 95, 95]);
    ticks.push({ atMs: START + 3000, input: { gpus: [gpuAt(10, { stale: true })], backends: [] } });
    const r = runTimeline(ticks, settings);
    expect(r.transitions.filter((t) => t.type === 'cleared')).toEqual([]);
  });

  it('state is plain JSON and the input state is not mutated', () => {
    const s0 = initialAlertState();
    const frozen = JSON.stringify(s0);
    const step = stepAlerts({ state: s0, input: { gpus: [gpuAt(95)], backends: [] }, settings, nowMs: START });
    expect(JSON.stringify(s0)).toBe(frozen);
    expect(JSON.parse(JSON.stringify(step.state))).toEqual(step.state);
  });

  it('orders critical first, then oldest', () => {
    const active = {
      a: { id: 'a', severity: 'warning', kind: 'spill', message: '', sourceId: 'x', sinceMs: 1, ruleKey: 'spill' },
      b: { id: 'b', severity: 'critical', kind: 'threshold', message: '', sourceId: 'gpu:0', sinceMs: 5, ruleKey: 'vram-critical' },
      c: { id: 'c', severity: 'warning', kind: 'forecast', message: '', sourceId: 'gpu:0', sinceMs: 0, ruleKey: 'vram-forecast' },
    } as const;
    expect(visibleAlerts(active).map((a) => a.id)).toEqual(['b', 'c', 'a']);
  });
});

describe('lazy alert wording', () => {
  it('builds no wording while nothing is raised, and the full sentence once it is', () => {
    const settings = defaultAlertSettings();
    const input = (pct: number) => ({ gpus: [gpuAt(pct)], backends: [backend('vllm', { models: [model('m', { kvCacheUsageRatio: 0.2, requestsWaiting: 0 })] })] });
    const quiet = stepAlerts({ state: initialAlertState(), input: input(40), settings, nowMs: START });
    expect(quiet.alerts).toEqual([]);
    // Every check's message is a getter: wording is built on demand only.
    const checks = [...gpuChecks({ input: input(40), series: quiet.state.series, settings, nowMs: START }), ...backendChecks({ input: input(40), series: quiet.state.series, settings, nowMs: START }, {})];
    expect(checks.length).toBeGreaterThan(3);
    for (const c of checks) expect(Object.getOwnPropertyDescriptor(c, 'message')?.get).toBeTypeOf('function');
    const raised = runTimeline(gpuTicks([97, 97, 97, 97]), settings);
    expect(raised.steps.at(-1)!.alerts.find((a) => a.id === 'vram-critical:gpu:0')?.message).toMatch(/^GPU 0 .*: VRAM 97% full \(.* left\), past the 90% critical level\. \S/);
  });
});
