import { describe, expect, it } from 'vitest';
import { defaultAlertSettings } from '../../shared/alerts/settings';
import { gpuTicks, runTimeline } from '../../shared/alerts/testing';
import type { AlertTransition } from '../../shared/alerts/rules';
import { DeliveryPolicy, SNOOZE_ONE_HOUR_MS, withPolicy, type DeliveryChannel } from './delivery-policy';
import { createRecordingSink, deliverAll, fanOutSinks } from './sink';

const T0 = 1_000_000;

function transition(type: 'raised' | 'cleared', id = 'vram-critical:gpu:0', ruleKey = 'vram-critical'): AlertTransition {
  return { type, ruleKey, value: 91, atMs: T0, alert: { id, severity: 'critical', kind: 'threshold', message: 'm', sourceId: 'gpu:0', sinceMs: T0 } };
}

function setup(mutedRules: string[] = []) {
  let now = T0;
  const policy = new DeliveryPolicy({ startedAtMs: T0, quietStartMs: 60_000, mutedRules, nowMs: () => now });
  return { policy, advance: (ms: number) => (now += ms) };
}

describe('DeliveryPolicy', () => {
  it.each([
    { name: 'desktop quiet in the first minute', channel: 'desktop', afterMs: 10_000, want: false },
    { name: 'desktop after the first minute', channel: 'desktop', afterMs: 60_000, want: true },
    { name: 'webhook is not quiet at start', channel: 'webhook', afterMs: 0, want: true },
  ] as { name: string; channel: DeliveryChannel; afterMs: number; want: boolean }[])('$name', ({ channel, afterMs, want }) => {
    const { policy, advance } = setup();
    advance(afterMs);
    expect(policy.shouldDeliver(transition('raised'), channel)).toBe(want);
  });

  it.each([
    { name: 'mute by rule key', muted: ['vram-critical'], want: false },
    { name: 'mute by alert id', muted: ['vram-critical:gpu:0'], want: false },
    { name: 'mute of another rule', muted: ['vram-warning'], want: true },
  ])('$name', ({ muted, want }) => {
    const { policy, advance } = setup(muted);
    advance(120_000);
    expect(policy.shouldDeliver(transition('raised'), 'webhook')).toBe(want);
  });

  it('a cleared goes out only where its raise did', () => {
    const { policy, advance } = setup();
    expect(policy.shouldDeliver(transition('raised'), 'desktop')).toBe(false); // quiet start
    expect(policy.shouldDeliver(transition('raised'), 'webhook')).toBe(true);
    advance(120_000);
    expect(policy.shouldDeliver(transition('cleared'), 'desktop')).toBe(false);
    expect(policy.shouldDeliver(transition('cleared'), 'webhook')).toBe(true);
    expect(policy.shouldDeliver(transition('cleared'), 'webhook')).toBe(false);
  });

  it.each([
    { name: 'snooze all for 1 h', target: '*', duration: SNOOZE_ONE_HOUR_MS, laterMs: 30 * 60_000, want: false },
    { name: '1 h snooze ends', target: '*', duration: SNOOZE_ONE_HOUR_MS, laterMs: 61 * 60_000, want: true },
    { name: 'snooze until restart', target: 'vram-critical', duration: 'until-restart', laterMs: 48 * 3_600_000, want: false },
    { name: 'snooze of one alert leaves others', target: 'vram-critical:gpu:1', duration: 'until-restart', laterMs: 0, want: true },
  ] as const)('$name', ({ target, duration, laterMs, want }) => {
    const { policy, advance } = setup();
    advance(120_000);
    policy.snooze(target, duration);
    advance(laterMs);
    expect(policy.shouldDeliver(transition('raised'), 'webhook')).toBe(want);
  });

  it('lists and lifts snoozes; updates mutes', () => {
    const { policy, advance } = setup();
    policy.snooze('*', SNOOZE_ONE_HOUR_MS);
    policy.snooze('spill', 'until-restart');
    expect(policy.activeSnoozes()).toEqual([
      { target: '*', untilMs: T0 + SNOOZE_ONE_HOUR_MS },
      { target: 'spill', untilMs: null },
    ]);
    policy.unsnooze('*');
    advance(120_000);
    expect(policy.shouldDeliver(transition('raised'), 'webhook')).toBe(true);
    policy.setMutedRules(['vram-warning']);
    expect(policy.shouldDeliver(transition('raised', 'vram-warning:gpu:0', 'vram-warning'), 'webhook')).toBe(false);
  });
});

describe('delivery through sinks', () => {
  it('a flapping timeline delivers one raise and one clear per channel', async () => {
    const { policy } = setup();
    const desktop = createRecordingSink();
    const webhook = createRecordingSink();
    const sink = fanOutSinks([withPolicy(desktop, policy, 'desktop'), withPolicy(webhook, policy, 'webhook')]);
    // starts inside the quiet minute: desktop hears nothing of the first crossing
    const pcts = [81, 81, 81, 79, 81, 79, 81, ...Array<number>(80).fill(70), 92, 92, 92, 92, 70];
    const { transitions } = runTimeline(gpuTicks(pcts, 1000, T0), defaultAlertSettings());
    await deliverAll(sink, transitions);
    expect(webhook.lines()).toEqual([
      'raised vram-warning:gpu:0',
      'cleared vram-warning:gpu:0',
      'raised vram-warning:gpu:0',
      'raised vram-critical:gpu:0',
      'cleared vram-warning:gpu:0',
      'cleared vram-critical:gpu:0',
    ]);
    // the policy clock stays at T0 here, so desktop stays quiet throughout
    expect(desktop.deliveries).toEqual([]);
  });
});
