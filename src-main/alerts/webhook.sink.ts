import type { AlertTransition } from '../../shared/alerts/rules';
import type { Disposable } from '../../shared/lifecycle/disposable';
import { httpRequest, retryAfterMs } from '../util/http';
import type { Logger } from '../util/logger';
import type { AlertSink } from './sink';

/** The JSON body POSTed for each transition (format `json`). Field names are a contract for receivers. */
export interface WebhookBody {
  source: 'headroom';
  /** `alert.raised` or `alert.cleared`. */
  type: 'alert.raised' | 'alert.cleared';
  atMs: number;
  ruleKey: string;
  value: number | null;
  alert: AlertTransition['alert'];
}

/** `auto`: Slack for hooks.slack.com, Teams for Microsoft's webhook hosts, else plain JSON. */
export type WebhookFormat = 'auto' | 'json' | 'slack' | 'teams';

export interface WebhookSinkOptions {
  /** http(s) URL; may hold a secret (Slack-style), so only its origin is ever logged. */
  url: string;
  timeoutMs: number;
  logger: Logger;
  format?: WebhookFormat;
  headers?: Record<string, string>;
  /** Transitions waiting to be sent; beyond this the oldest is dropped (default 100). */
  maxQueue?: number;
  /** Attempts per transition (default 4): the first and three retries. */
  attempts?: number;
  /** Wait before the first retry, doubling per retry (default 1 s). */
  retryBaseMs?: number;
  /** After a transition fails every attempt, nothing is sent for this long, doubling to `maxBackoffMs` (default 30 s → 10 min). */
  backoffMs?: number;
  maxBackoffMs?: number;
  nowMs?: () => number;
  /** Waits (tests replace it). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface WebhookStats {
  sent: number;
  /** Transitions that failed every attempt. */
  failed: number;
  /** Retries made. */
  retried: number;
  /** Dropped because the queue was full. */
  dropped: number;
}

export type WebhookSink = AlertSink &
  Disposable & {
    stats(): WebhookStats;
    /** Sends one test message now (one attempt, whatever the back-off) and says what happened. */
    sendTest(): Promise<{ ok: boolean; message: string }>;
  };

/** The body for one transition. */
export function webhookBody(t: AlertTransition): WebhookBody {
  return { source: 'headroom', type: t.type === 'raised' ? 'alert.raised' : 'alert.cleared', atMs: t.atMs, ruleKey: t.ruleKey, value: t.value, alert: t.alert };
}

export function detectFormat(url: string): Exclude<WebhookFormat, 'auto'> {
  let host = '';
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return 'json';
  }
  if (host === 'hooks.slack.com') return 'slack';
  if (host.endsWith('.webhook.office.com') || host.endsWith('.logic.azure.com') || host.endsWith('.powerplatform.com') || host.endsWith('.powerautomate.com')) return 'teams';
  return 'json';
}

function headline(t: AlertTransition): string {
  const sev = t.alert.severity === 'critical' ? 'Critical' : 'Warning';
  return t.type === 'raised' ? `${sev}: ${t.alert.message}` : `Cleared: ${t.alert.message}`;
}

/** The request body in a receiver's format: plain JSON, Slack incoming webhook, Teams (Workflows) Adaptive Card. */
export function formatBody(t: AlertTransition, format: Exclude<WebhookFormat, 'auto'>): unknown {
  if (format === 'json') return webhookBody(t);
  const icon = t.type === 'cleared' ? '✅' : t.alert.severity === 'critical' ? '🔴' : '🟠';
  const when = new Date(t.atMs).toISOString();
  if (format === 'slack') {
    return {
      text: `${icon} Headroom ${headline(t)}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `${icon} *Headroom ${t.type === 'raised' ? t.alert.severity : 'cleared'}*\n${t.alert.message.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)}` } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: `rule \`${t.ruleKey}\` · ${t.alert.sourceId} · ${when}` }] },
      ],
    };
  }
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: `${icon} Headroom ${t.type === 'raised' ? t.alert.severity : 'cleared'}`, color: t.type === 'cleared' ? 'Good' : t.alert.severity === 'critical' ? 'Attention' : 'Warning' },
            { type: 'TextBlock', text: t.alert.message, wrap: true },
            { type: 'FactSet', facts: [{ title: 'Rule', value: t.ruleKey }, { title: 'Source', value: t.alert.sourceId }, { title: 'Time', value: when }] },
          ],
        },
      },
    ],
  };
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the webhook';
  }
}

const defaultSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });

/**
 * POSTs each transition in the receiver's format, one at a time and in order, from a bounded
 * queue: monitoring never waits for it (`deliver` only enqueues; the returned promise settles
 * when that transition is done). A failed POST (network error, timeout, 408/429/5xx) is
 * retried with exponential back-off (1 s, 2 s, 4 s); other 4xx answers are not retried. A
 * `Retry-After` on a 429 or 503 (Slack, Teams and most gateways send one when they throttle) is
 * honoured: the next attempt waits at least that long; one over `MAX_RETRY_AFTER_WAIT_MS` is not
 * waited for in line — the alert is dropped and sending pauses until then (at most `maxBackoffMs`). When
 * a transition fails every attempt, the sink pauses (30 s, doubling to 10 min) so a dead
 * receiver never gets a storm; transitions queue meanwhile (oldest dropped beyond the cap).
 * Disposing aborts everything.
 */
/** The longest `Retry-After` a transition waits for in line before the next attempt; a longer one pauses the sink instead. */
export const MAX_RETRY_AFTER_WAIT_MS = 60_000;

export function createWebhookSink(options: WebhookSinkOptions): WebhookSink {
  const now = options.nowMs ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const maxQueue = options.maxQueue ?? 100;
  const attempts = Math.max(1, options.attempts ?? 4);
  const retryBaseMs = options.retryBaseMs ?? 1000;
  const backoffMs = options.backoffMs ?? 30_000;
  const maxBackoffMs = options.maxBackoffMs ?? 600_000;
  const format = !options.format || options.format === 'auto' ? detectFormat(options.url) : options.format;
  const where = `Webhook ${originOf(options.url)}`;
  const controller = new AbortController();
  const stats: WebhookStats = { sent: 0, failed: 0, retried: 0, dropped: 0 };
  const queue: { t: AlertTransition; done: () => void }[] = [];
  let running = false;
  let failures = 0;
  let pausedUntilMs = 0;

  /** One POST: null when delivered, else why not, whether it is worth retrying, and how long the receiver asked to wait. */
  const post = async (t: AlertTransition): Promise<{ cause: string; retry: boolean; waitMs?: number } | null> => {
    const res = await httpRequest(options.url, {
      method: 'POST',
      body: JSON.stringify(formatBody(t, format)),
      headers: { 'content-type': 'application/json', ...options.headers },
      timeoutMs: options.timeoutMs,
      maxBytes: 64 * 1024,
      signal: controller.signal,
    });
    if (!res.ok) return { cause: res.message, retry: res.kind !== 'aborted' };
    if (res.status >= 200 && res.status < 300) return null;
    const waitMs = res.status === 429 || res.status === 503 ? retryAfterMs(res.retryAfter, now()) : null;
    return { cause: `answered HTTP ${res.status}`, retry: res.status === 408 || res.status === 429 || res.status >= 500, ...(waitMs !== null ? { waitMs } : {}) };
  };

  const sendOne = async (t: AlertTransition) => {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (controller.signal.aborted) return;
      const failure = await post(t);
      if (!failure) {
        if (failures > 0) options.logger.info(`${where}: delivering again after ${failures} failed alert(s).`);
        stats.sent += 1;
        failures = 0;
        pausedUntilMs = 0;
        return;
      }
      if (controller.signal.aborted) return;
      const askedMs = failure.waitMs;
      if (!failure.retry || attempt === attempts || (askedMs !== undefined && askedMs > MAX_RETRY_AFTER_WAIT_MS)) {
        stats.failed += 1;
        failures += 1;
        const waitMs = Math.min(maxBackoffMs, Math.max(backoffMs * 2 ** (failures - 1), askedMs ?? 0));
        pausedUntilMs = now() + waitMs;
        const asked = askedMs !== undefined ? `, asking to wait ${Math.round(askedMs / 1000)} s (Retry-After)` : '';
        const advice = askedMs !== undefined ? 'The receiver is throttling: fewer alerts (Settings → Alerts) or another receiver helps.' : 'Check the URL in Settings.';
        options.logger.warn(`${where}: ${failure.cause}${asked}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}. The alert is dropped; sending resumes in ${Math.round(waitMs / 1000)} s. ${advice}`);
        return;
      }
      stats.retried += 1;
      await sleep(Math.max(retryBaseMs * 2 ** (attempt - 1), askedMs ?? 0), controller.signal);
    }
  };

  const drain = async () => {
    if (running) return;
    running = true;
    try {
      while (queue.length && !controller.signal.aborted) {
        const wait = pausedUntilMs - now();
        if (wait > 0) await sleep(wait, controller.signal);
        const item = queue.shift()!;
        try {
          await sendOne(item.t);
        } finally {
          item.done();
        }
      }
    } finally {
      running = false;
      // Anything left after dispose is released.
      for (const item of queue.splice(0)) item.done();
    }
  };

  return {
    deliver(transition) {
      if (controller.signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        if (queue.length >= maxQueue) {
          stats.dropped += 1;
          queue.shift()!.done();
        }
        queue.push({ t: transition, done: resolve });
        void drain();
      });
    },
    async sendTest() {
      const t: AlertTransition = {
        type: 'raised',
        ruleKey: 'test',
        value: null,
        atMs: now(),
        alert: { id: 'test', severity: 'warning', kind: 'threshold', message: 'Test message from Headroom: webhook delivery works.', sourceId: 'headroom', sinceMs: now() },
      };
      const failure = await post(t);
      if (failure) return { ok: false, message: `${where} (${format}): ${failure.cause}.` };
      return { ok: true, message: `${where} (${format}) accepted the test message.` };
    },
    stats: () => ({ ...stats }),
    dispose() {
      controller.abort();
    },
  };
}
