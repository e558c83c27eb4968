import type { AlertTransition } from '../../shared/alerts/rules';
import type { AlertSink } from './sink';

/** Channels a policy can treat differently: desktop notifications stay quiet after start. */
export type DeliveryChannel = 'desktop' | 'webhook';

/** One hour, the dashboard's "Snooze 1 h". */
export const SNOOZE_ONE_HOUR_MS = 3_600_000;

/** Snooze everything (`*`), a rule (`vram-warning`) or one alert (`vram-warning:gpu:0`). */
export interface Snooze {
  target: string;
  /** Epoch ms when it ends; null = until restart. */
  untilMs: number | null;
}

export interface DeliveryPolicyOptions {
  /** When the app started, epoch ms. */
  startedAtMs: number;
  /** Desktop notifications are withheld this long after start (the dashboard shows alerts at once). */
  quietStartMs: number;
  /** Rule keys or alert ids whose notifications are muted (persisted in settings). */
  mutedRules: readonly string[];
  /** The clock; injected so tests control it. */
  nowMs: () => number;
}

/**
 * Decides which transitions reach which channel: mute per rule, snooze (1 h or until restart),
 * and a quiet first minute for desktop notifications. A `cleared` is delivered on a channel only
 * if its `raised` was, so nobody is told "resolved" about something they never heard of.
 * The Snapshot's alert list is not filtered: it always shows every active alert.
 */
export class DeliveryPolicy {
  private muted: Set<string>;
  private readonly snoozes = new Map<string, number | null>();
  /** `<channel>|<alert id>` of raises that were delivered and not yet cleared. */
  private readonly notified = new Set<string>();

  constructor(private readonly options: DeliveryPolicyOptions) {
    this.muted = new Set(options.mutedRules);
  }

  /** True when `transition` should go out on `channel`; remembers delivered raises. */
  shouldDeliver(transition: AlertTransition, channel: DeliveryChannel): boolean {
    const key = `${channel}|${transition.alert.id}`;
    if (transition.type === 'cleared') return this.notified.delete(key);
    const now = this.options.nowMs();
    if (this.isMuted(transition) || this.isSnoozed(transition, now)) return false;
    if (channel === 'desktop' && now - this.options.startedAtMs < this.options.quietStartMs) return false;
    this.notified.add(key);
    return true;
  }

  /** Snoozes `target` (`*`, a rule key or an alert id) for `durationMs`, or until restart. */
  snooze(target: string, duration: number | 'until-restart'): Snooze {
    const untilMs = duration === 'until-restart' ? null : this.options.nowMs() + duration;
    this.snoozes.set(target, untilMs);
    return { target, untilMs };
  }

  unsnooze(target: string): void {
    this.snoozes.delete(target);
  }

  /** Snoozes still in force, for the dashboard. */
  activeSnoozes(): Snooze[] {
    const now = this.options.nowMs();
    return [...this.snoozes.entries()].filter(([, until]) => until === null || until > now).map(([target, untilMs]) => ({ target, untilMs }));
  }

  /** Replaces the muted list (after a settings change). */
  setMutedRules(ids: readonly string[]): void {
    this.muted = new Set(ids);
  }

  private isMuted(t: AlertTransition): boolean {
    return this.muted.has(t.ruleKey) || this.muted.has(t.alert.id);
  }

  private isSnoozed(t: AlertTransition, now: number): boolean {
    return [ '*', t.ruleKey, t.alert.id ].some((target) => {
      if (!this.snoozes.has(target)) return false;
      const until = this.snoozes.get(target);
      return until === null || (until !== undefined && until > now);
    });
  }
}

/** A sink that passes on only what `policy` allows for `channel`. */
export function withPolicy(sink: AlertSink, policy: DeliveryPolicy, channel: DeliveryChannel): AlertSink {
  return {
    async deliver(transition) {
      if (policy.shouldDeliver(transition, channel)) await sink.deliver(transition);
    },
  };
}
