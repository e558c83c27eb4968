import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../../e2e/fakes/fake-http';
import type { AlertTransition } from '../../shared/alerts/rules';
import type { Logger } from '../util/logger';
import { createWebhookSink, detectFormat, formatBody } from './webhook.sink';

const raised: AlertTransition = {
  type: 'raised',
  ruleKey: 'vram-critical',
  value: 91.2,
  atMs: 1_700_000_000_000,
  alert: { id: 'vram-critical:gpu:0', severity: 'critical', kind: 'threshold', message: 'GPU 0: VRAM 91% full.', sourceId: 'gpu:0', sinceMs: 1_700_000_000_000 },
};

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
  return { logger, lines };
}

let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe('webhook sink', () => {
  it('POSTs the transition as JSON', async () => {
    server = await startFakeServer({ 'POST /hook': { status: 204 } });
    const { logger, lines } = recordingLogger();
    const sink = createWebhookSink({ url: `${server.url}/hook?token=secret`, timeoutMs: 2000, logger });
    await sink.deliver(raised);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({
      source: 'headroom',
      type: 'alert.raised',
      atMs: raised.atMs,
      ruleKey: 'vram-critical',
      value: 91.2,
      alert: raised.alert,
    });
    expect(sink.stats()).toEqual({ sent: 1, failed: 0, retried: 0, dropped: 0 });
    expect(lines).toEqual([]);
    sink.dispose();
  });

  const noWait = async () => {};

  it.each([
    { name: 'HTTP 500', reply: { status: 500, body: 'boom' }, want: 'answered HTTP 500 (after 4 attempts)', attempts: 4 },
    { name: 'timeout', reply: { hang: true }, want: 'no answer within 300 ms (after 4 attempts)', attempts: 4 },
    { name: 'HTTP 404 (not retried)', reply: { status: 404 }, want: 'answered HTTP 404.', attempts: 1 },
  ])('$name: retried with back-off where worth it, logged without the secret, then paused', async ({ reply, want, attempts }) => {
    server = await startFakeServer({ 'POST /hook': reply });
    const { logger, lines } = recordingLogger();
    const now = 0;
    const waits: number[] = [];
    const sink = createWebhookSink({ url: `${server.url}/hook?token=secret`, timeoutMs: 300, logger, nowMs: () => now, sleep: async (ms) => void waits.push(ms) });
    await sink.deliver(raised);
    expect(server.requests).toHaveLength(attempts);
    expect(waits).toEqual([1000, 2000, 4000].slice(0, attempts - 1));
    expect(sink.stats()).toEqual({ sent: 0, failed: 1, retried: attempts - 1, dropped: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(want);
    expect(lines[0]).toContain('sending resumes in 30 s');
    expect(lines[0]).not.toContain('secret');
    // The next alert waits out the pause (30 s), then goes out.
    server.setRoute('POST /hook', { status: 200 });
    waits.length = 0;
    const next = sink.deliver(raised);
    await next;
    expect(waits).toEqual([30_000]);
    expect(sink.stats().sent).toBe(1);
    expect(lines.at(-1)).toContain('delivering again after 1 failed alert(s)');
    sink.dispose();
  });

  it('a receiver that recovers within the retries gets the alert once', async () => {
    let calls = 0;
    server = await startFakeServer({ 'POST /hook': () => ({ status: ++calls < 3 ? 503 : 200 }) });
    const { logger, lines } = recordingLogger();
    const sink = createWebhookSink({ url: `${server.url}/hook`, timeoutMs: 1000, logger, sleep: noWait });
    await sink.deliver(raised);
    expect(sink.stats()).toEqual({ sent: 1, failed: 0, retried: 2, dropped: 0 });
    expect(lines).toEqual([]);
    sink.dispose();
  });

  // RFC 9110 §10.2.3 (Retry-After: delay-seconds or an HTTP-date, on 503 and 429); Slack's
  // incoming webhooks answer 429 with Retry-After when they rate-limit (api.slack.com/docs/rate-limits).
  it('429 with Retry-After: the next attempt waits at least that long, then the alert goes out once', async () => {
    let calls = 0;
    server = await startFakeServer({ 'POST /hook': () => (++calls === 1 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 200 }) });
    const { logger, lines } = recordingLogger();
    const waits: number[] = [];
    const sink = createWebhookSink({ url: `${server.url}/hook`, timeoutMs: 1000, logger, nowMs: () => 0, sleep: async (ms) => void waits.push(ms) });
    await sink.deliver(raised);
    expect(waits).toEqual([7000]); // not the 1 s back-off
    expect(server.requests).toHaveLength(2);
    expect(sink.stats()).toEqual({ sent: 1, failed: 0, retried: 1, dropped: 0 });
    expect(lines).toEqual([]);
    sink.dispose();
  });

  it('503 with a Retry-After beyond a minute (an HTTP-date): no retry in line; dropped, and sending pauses until then', async () => {
    const nowMs = Date.UTC(2026, 10, 30, 12, 0, 0);
    server = await startFakeServer({ 'POST /hook': { status: 503, headers: { 'retry-after': new Date(nowMs + 300_000).toUTCString() } } });
    const { logger, lines } = recordingLogger();
    const waits: number[] = [];
    const sink = createWebhookSink({ url: `${server.url}/hook`, timeoutMs: 1000, logger, nowMs: () => nowMs, sleep: async (ms) => void waits.push(ms) });
    await sink.deliver(raised);
    expect(server.requests).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(sink.stats()).toEqual({ sent: 0, failed: 1, retried: 0, dropped: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('answered HTTP 503, asking to wait 300 s (Retry-After)');
    expect(lines[0]).toContain('sending resumes in 300 s');
    // The next alert waits out the receiver's 5 minutes, not the default 30 s.
    server.setRoute('POST /hook', { status: 204 });
    await sink.deliver(raised);
    expect(waits).toEqual([300_000]);
    expect(sink.stats().sent).toBe(1);
    sink.dispose();
  });

  it('a Retry-After on other statuses, or one that is not a delay, changes nothing', async () => {
    for (const reply of [
      { status: 500, headers: { 'retry-after': '9' } },
      { status: 429, headers: { 'retry-after': '-3' } },
      { status: 429, headers: { 'retry-after': 'soon' } },
    ]) {
      await server?.close();
      server = await startFakeServer({ 'POST /hook': reply });
      const waits: number[] = [];
      const sink = createWebhookSink({ url: `${server.url}/hook`, timeoutMs: 1000, logger: recordingLogger().logger, nowMs: () => 0, sleep: async (ms) => void waits.push(ms) });
      await sink.deliver(raised);
      expect(waits, JSON.stringify(reply)).toEqual([1000, 2000, 4000]);
      sink.dispose();
    }
  });

  it('never blocks the caller: deliver only queues; in order; the oldest is dropped beyond the cap', async () => {
    server = await startFakeServer({ 'POST /hook': { status: 200, delayMs: 50 } });
    const { logger } = recordingLogger();
    const sink = createWebhookSink({ url: `${server.url}/hook`, timeoutMs: 2000, logger, maxQueue: 3 });
    const ts = [1, 2, 3, 4, 5].map((i) => ({ ...raised, atMs: i }));
    let settled = 0;
    const pending = ts.map((t) => sink.deliver(t).then(() => void settled++));
    await Promise.resolve();
    expect(server.requests).toHaveLength(0); // enqueued; nothing was sent while the caller waited
    expect(settled).toBe(1); // only the dropped one (2) is done
    await Promise.all(pending);
    // 1 was taken at once; 2 was dropped when 5 arrived (queue 3: 3, 4, 5).
    expect(server.requests.map((r) => (JSON.parse(r.body) as { atMs: number }).atMs)).toEqual([1, 3, 4, 5]);
    expect(sink.stats()).toMatchObject({ sent: 4, dropped: 1 });
    sink.dispose();
  });

  it.each([
    { url: 'https://hooks.slack.com/services/T/B/X', format: 'slack' },
    { url: 'https://contoso.webhook.office.com/webhookb2/x', format: 'teams' },
    { url: 'https://prod-12.westus.logic.azure.com/workflows/x', format: 'teams' },
    { url: 'https://example.com/hook', format: 'json' },
  ])('detects $format from $url', ({ url, format }) => {
    expect(detectFormat(url)).toBe(format);
  });

  it('Slack and Teams bodies', async () => {
    const slack = formatBody(raised, 'slack') as { text: string; blocks: { text?: { text: string } }[] };
    expect(slack.text).toBe('🔴 Headroom Critical: GPU 0: VRAM 91% full.');
    expect(slack.blocks[0]!.text!.text).toBe('🔴 *Headroom critical*\nGPU 0: VRAM 91% full.');
    const teams = formatBody({ ...raised, type: 'cleared' }, 'teams') as { type: string; attachments: { contentType: string; content: { type: string; body: { text?: string }[] } }[] };
    expect(teams.type).toBe('message');
    expect(teams.attachments[0]!.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0]!.content.type).toBe('AdaptiveCard');
    expect(teams.attachments[0]!.content.body.map((b) => b.text)).toEqual(['✅ Headroom cleared', 'GPU 0: VRAM 91% full.', undefined]);
    // Sent in the chosen format.
    server = await startFakeServer({ 'POST /hook': { status: 200 } });
    const sink = createWebhookSink({ url: `${server.url}/hook`, timeoutMs: 1000, logger: recordingLogger().logger, format: 'slack' });
    await sink.deliver(raised);
    expect(JSON.parse(server.requests[0]!.body)).toEqual(slack);
    sink.dispose();
  });

  it('send test: one attempt now, whatever the pause, with a sentence', async () => {
    server = await startFakeServer({ 'POST /hook': { status: 500 } });
    const sink = createWebhookSink({ url: `${server.url}/hook?k=secret`, timeoutMs: 1000, logger: recordingLogger().logger, sleep: noWait });
    const bad = await sink.sendTest();
    expect(bad).toEqual({ ok: false, message: `Webhook ${server.url} (json): answered HTTP 500.` });
    server.setRoute('POST /hook', { status: 204 });
    expect(await sink.sendTest()).toEqual({ ok: true, message: `Webhook ${server.url} (json) accepted the test message.` });
    expect(JSON.parse(server.requests.at(-1)!.body)).toMatchObject({ source: 'headroom', ruleKey: 'test' });
    sink.dispose();
  });

  it('refused connection fails after its retries, and dispose stops delivery', async () => {
    const s = await startFakeServer();
    const url = `${s.url}/hook`;
    await s.close();
    const { logger, lines } = recordingLogger();
    const sink = createWebhookSink({ url, timeoutMs: 1000, logger, sleep: noWait });
    await sink.deliver(raised);
    expect(lines[0]).toContain('connection refused');
    sink.dispose();
    await sink.deliver(raised);
    expect(sink.stats()).toEqual({ sent: 0, failed: 1, retried: 3, dropped: 0 });
  });
});
