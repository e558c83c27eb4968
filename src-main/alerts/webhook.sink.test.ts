import { afterEach, describe, expect, it } from 'vitest';
import { startFakeServer, type FakeServer } from '../../e2e/fakes/fake-http';
import type { AlertTransition } from '../../shared/alerts/rules';
import type { Logger } from '../util/logger';
import { createWebhookSink } from './webhook.sink';

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
    expect(sink.stats()).toEqual({ sent: 1, failed: 0, dropped: 0 });
    expect(lines).toEqual([]);
    sink.dispose();
  });

  it.each([
    { name: 'HTTP 500', reply: { status: 500, body: 'boom' }, want: 'answered HTTP 500' },
    { name: 'timeout', reply: { hang: true }, want: 'no answer within 300 ms' },
  ])('$name: one attempt, logged without the secret, then back-off drops instead of retrying', async ({ reply, want }) => {
    server = await startFakeServer({ 'POST /hook': reply });
    const { logger, lines } = recordingLogger();
    let now = 0;
    const sink = createWebhookSink({ url: `${server.url}/hook?token=secret`, timeoutMs: 300, logger, nowMs: () => now });
    await sink.deliver(raised);
    await sink.deliver(raised);
    await sink.deliver(raised);
    expect(server.requests).toHaveLength(1);
    expect(sink.stats()).toEqual({ sent: 0, failed: 1, dropped: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(want);
    expect(lines[0]).not.toContain('secret');
    // after the back-off it tries again, once
    now += 30_000;
    server.setRoute('POST /hook', { status: 200 });
    await sink.deliver(raised);
    expect(server.requests).toHaveLength(2);
    expect(sink.stats().sent).toBe(1);
    expect(lines.at(-1)).toContain('delivering again after 1 failure(s); 2 alert(s) were dropped');
    sink.dispose();
  });

  it('drops instead of queueing when requests are in flight', async () => {
    server = await startFakeServer({ 'POST /hook': { status: 200, delayMs: 100 } });
    const { logger } = recordingLogger();
    const sink = createWebhookSink({ url: `${server.url}/hook`, timeoutMs: 2000, logger, maxInFlight: 2 });
    await Promise.all([sink.deliver(raised), sink.deliver(raised), sink.deliver(raised), sink.deliver(raised)]);
    expect(sink.stats()).toEqual({ sent: 2, failed: 0, dropped: 2 });
    sink.dispose();
  });

  it('refused connection is one failure, and dispose stops delivery', async () => {
    const s = await startFakeServer();
    const url = `${s.url}/hook`;
    await s.close();
    const { logger, lines } = recordingLogger();
    const sink = createWebhookSink({ url, timeoutMs: 1000, logger });
    await sink.deliver(raised);
    expect(lines[0]).toContain('connection refused');
    sink.dispose();
    await sink.deliver(raised);
    expect(sink.stats()).toEqual({ sent: 0, failed: 1, dropped: 0 });
  });
});
