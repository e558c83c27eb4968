import type { AlertTransition } from '../../shared/alerts/rules';

/**
 * Where alert transitions go: desktop notification, webhook, tray, the in-app list, a test
 * recorder. `deliver` resolves when the sink is done with the transition and never rejects;
 * a sink reports its own failures through the logger it was given.
 */
export interface AlertSink {
  deliver(transition: AlertTransition): Promise<void>;
}

/** A sink that keeps every transition, in order; for tests. */
export interface RecordingSink extends AlertSink {
  readonly deliveries: AlertTransition[];
  /** "raised vram-critical:gpu:0" lines, for compact assertions. */
  lines(): string[];
}

/** Creates a sink that records what it is given. */
export function createRecordingSink(): RecordingSink {
  const deliveries: AlertTransition[] = [];
  return {
    deliveries,
    deliver(transition) {
      deliveries.push(transition);
      return Promise.resolve();
    },
    lines: () => deliveries.map((t) => `${t.type} ${t.alert.id}`),
  };
}

/** One sink that hands each transition to all of `sinks` at once; one slow sink delays none of the others' start. */
export function fanOutSinks(sinks: readonly AlertSink[]): AlertSink {
  return {
    async deliver(transition) {
      await Promise.allSettled(sinks.map((s) => s.deliver(transition)));
    },
  };
}

/** Delivers a tick's transitions in order (raised/cleared of one alert never swap). */
export async function deliverAll(sink: AlertSink, transitions: readonly AlertTransition[]): Promise<void> {
  for (const t of transitions) await sink.deliver(t);
}
