import type { AlertTransition } from '../../shared/alerts/rules';
import type { Disposable } from '../../shared/lifecycle/disposable';
import { httpRequest } from '../util/http';
import type { Logger } from '../util/logger';
import type { AlertSink } from './sink';

/** The JSON body POSTed for each transition. Field names are a contract for receivers. */
export interface WebhookBody {
  source: 'headroom';
  /** `alert.raised` or `alert.cleared`. */
  type: 'alert.raised' | 'alert.cleared';
  atMs: number;
  ruleKey: string;
  value: number | null;
  alert: AlertTransition['alert'];
}

export interface WebhookSinkOptions {
  /** http(s) URL; may hold a secret (Slack-style), so only its origin is ever logged. */
  url: string;
  timeoutMs: number;
  logger: Logger;
  headers?: Record<string, string>;
  /** Requests allowed at once; more are dropped, not queued. */
  maxInFlight?: number;
  /** After a failure nothing is sent for this long, doubling per failure up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  nowMs?: () => number;
}

export interface WebhookStats {
  sent: number;
  failed: number;
  /** Dropped during back-off or because too many requests were in flight. */
  dropped: number;
}

export type WebhookSink = AlertSink & Disposable & { stats(): WebhookStats };

/** The body for one transition. */
export function webhookBody(t: AlertTransition): WebhookBody {
  return { source: 'headroom', type: t.type === 'raised' ? 'alert.raised' : 'alert.cleared', atMs: t.atMs, ruleKey: t.ruleKey, value: t.value, alert: t.alert };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the webhook';
  }
}

/**
 * POSTs each transition as JSON. No retries: a failed delivery is logged and dropped, and the
 * sink backs off (30 s, doubling to 10 min) so a dead receiver never gets a storm. Disposing
 * aborts requests in flight.
 */
export function createWebhookSink(options: WebhookSinkOptions): WebhookSink {
  const now = options.nowMs ?? Date.now;
  const maxInFlight = options.maxInFlight ?? 2;
  const backoffMs = options.backoffMs ?? 30_000;
  const maxBackoffMs = options.maxBackoffMs ?? 600_000;
  const where = `Webhook ${originOf(options.url)}`;
  const controller = new AbortController();
  const stats: WebhookStats = { sent: 0, failed: 0, dropped: 0 };
  let inFlight = 0;
  let failures = 0;
  let blockedUntilMs = 0;

  const fail = (cause: string) => {
    stats.failed += 1;
    failures += 1;
    const waitMs = Math.min(maxBackoffMs, backoffMs * 2 ** (failures - 1));
    blockedUntilMs = now() + waitMs;
    options.logger.warn(`${where}: ${cause}. The alert is dropped (no retry); the next one goes out after ${Math.round(waitMs / 1000)} s. Check the URL in Settings.`);
  };

  return {
    async deliver(transition) {
      if (controller.signal.aborted) return;
      if (now() < blockedUntilMs || inFlight >= maxInFlight) {
        stats.dropped += 1;
        return;
      }
      inFlight += 1;
      try {
        const res = await httpRequest(options.url, {
          method: 'POST',
          body: JSON.stringify(webhookBody(transition)),
          headers: { 'content-type': 'application/json', ...options.headers },
          timeoutMs: options.timeoutMs,
          maxBytes: 64 * 1024,
          signal: controller.signal,
        });
        if (!res.ok) {
          if (res.kind !== 'aborted') fail(res.message);
        } else if (res.status < 200 || res.status >= 300) {
          fail(`answered HTTP ${res.status}`);
        } else {
          if (failures > 0) options.logger.info(`${where}: delivering again after ${failures} failure(s); ${stats.dropped} alert(s) were dropped meanwhile.`);
          stats.sent += 1;
          failures = 0;
          blockedUntilMs = 0;
        }
      } finally {
        inFlight -= 1;
      }
    },
    stats: () => ({ ...stats }),
    dispose() {
      controller.abort();
    },
  };
}
