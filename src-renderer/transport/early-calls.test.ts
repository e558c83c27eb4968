import { describe, expect, it } from 'vitest';
import type { HeadroomClient } from '../../shared/contract/client';
import { toDisposable } from '../../shared/lifecycle/disposable';
import { withEarlyCalls } from './early-calls';

function fakeClient() {
  const sent: { name: string; params: unknown }[] = [];
  const client: HeadroomClient = {
    call: (name, params) => {
      sent.push({ name, params });
      return Promise.resolve({ ok: true, value: { n: sent.length } } as never);
    },
    on: () => toDisposable(() => undefined),
  };
  return { client, sent };
}

describe('withEarlyCalls', () => {
  it('sends the calls at once and answers the first later call of each name with them', async () => {
    const { client, sent } = fakeClient();
    const c = withEarlyCalls(client, [['getSnapshot', undefined], ['getHistory', { sinceMs: 5 }]]);
    expect(sent.map((s) => s.name)).toEqual(['getSnapshot', 'getHistory']);
    expect(await c.call('getHistory', { sinceMs: 9 })).toEqual({ ok: true, value: { n: 2 } });
    expect(await c.call('getSnapshot', undefined)).toEqual({ ok: true, value: { n: 1 } });
    expect(sent).toHaveLength(2);
    // The second call of a name is a new request.
    expect(await c.call('getSnapshot', undefined)).toEqual({ ok: true, value: { n: 3 } });
    expect(sent).toHaveLength(3);
  });

  it('does not hand out an answer older than 5 s', async () => {
    const { client, sent } = fakeClient();
    let now = 1000;
    const c = withEarlyCalls(client, [['getFleet', undefined]], () => now);
    now += 6000;
    expect(await c.call('getFleet', undefined)).toEqual({ ok: true, value: { n: 2 } });
    expect(sent).toHaveLength(2);
  });
});

describe('withEarlyCalls: parameters', () => {
  it('answers only a call whose parameters have the same fields (a range with maxPoints is a request of its own)', async () => {
    const { client, sent } = fakeClient();
    const c = withEarlyCalls(client, [['getHistory', { sinceMs: 5 }]]);
    expect(await c.call('getHistory', { sinceMs: 1, untilMs: 2, maxPoints: 1000 })).toEqual({ ok: true, value: { n: 2 } });
    // The early answer is still there for the call it was made for.
    expect(await c.call('getHistory', { sinceMs: 9 })).toEqual({ ok: true, value: { n: 1 } });
    expect(sent).toHaveLength(2);
  });
});
