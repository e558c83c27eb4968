import { afterEach, describe, expect, it } from 'vitest';
import type { HeadroomClient } from '../../shared/contract/client';
import type { HistoryPoint } from '../../shared/contract/requests';
import { toDisposable } from '../../shared/lifecycle/disposable';
import { peekPrefetched, prefetchRange, PREFETCH_MAX_AGE_MS, resetPrefetch, takePrefetched } from './range-prefetch';

const WEEK = 7 * 86_400_000;
const point = (atMs: number): HistoryPoint => ({ atMs, gpuId: 'gpu:0', memoryUsedBytes: 1, memoryTotalBytes: 2 });

function fakeClient(answer: () => unknown = () => ({ ok: true, value: [point(1), point(2)] })) {
  const sent: unknown[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const client: HeadroomClient = {
    call: (_name, params) => {
      sent.push(params);
      return gate.then(() => answer()) as never;
    },
    on: () => toDisposable(() => undefined),
  };
  return { client, sent, release };
}

afterEach(() => resetPrefetch());

describe('range prefetch', () => {
  it('asks once for the range (as the timeline would) and hands the answer out once', async () => {
    const f = fakeClient();
    prefetchRange(f.client, WEEK, 1000, 500, 10_000_000_000);
    prefetchRange(f.client, WEEK, 1000, 600, 10_000_000_100); // a second GPU card: no second request
    expect(f.sent).toEqual([{ sinceMs: 10_000_000_000 - WEEK, untilMs: 10_000_000_000 + 60_000, maxPoints: 1000 }]);
    // Not answered yet: nothing to draw from, but the request on its way can be taken.
    expect(peekPrefetched(f.client, WEEK, 1000, 10_000_000_200)).toBeNull();
    f.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(peekPrefetched(f.client, WEEK, 1000, 10_000_000_200)).toEqual({ points: [point(1), point(2)], liveAtMs: 500 });
    const taken = takePrefetched(f.client, WEEK, 1000, 10_000_000_200);
    expect(taken?.liveAtMs).toBe(500);
    expect(await taken?.answer).toEqual({ ok: true, value: [point(1), point(2)] });
    // Used: the next choice of the range asks the server again.
    expect(peekPrefetched(f.client, WEEK, 1000, 10_000_000_300)).toBeNull();
    expect(takePrefetched(f.client, WEEK, 1000, 10_000_000_300)).toBeNull();
  });

  it('hands out nothing for another range, another point count, another client or an answer too old', async () => {
    const f = fakeClient();
    const t = 10_000_000_000;
    prefetchRange(f.client, WEEK, 1000, 0, t);
    f.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(peekPrefetched(f.client, 86_400_000, 1000, t)).toBeNull();
    expect(peekPrefetched(f.client, WEEK, 500, t)).toBeNull();
    expect(peekPrefetched(fakeClient().client, WEEK, 1000, t)).toBeNull();
    expect(takePrefetched(f.client, WEEK, 1000, t + PREFETCH_MAX_AGE_MS + 1)).toBeNull();
    expect(peekPrefetched(f.client, WEEK, 1000, t + PREFETCH_MAX_AGE_MS)).not.toBeNull();
  });

  it('an answer too old is asked for again; a failed one is not drawn from', async () => {
    const f = fakeClient(() => ({ ok: false, error: { code: 'unavailable', message: 'down' } }));
    const t = 10_000_000_000;
    prefetchRange(f.client, WEEK, 1000, 0, t);
    prefetchRange(f.client, WEEK, 1000, 0, t + PREFETCH_MAX_AGE_MS + 1);
    expect(f.sent).toHaveLength(2);
    f.release();
    await new Promise((r) => setTimeout(r, 0));
    expect(peekPrefetched(f.client, WEEK, 1000, t + PREFETCH_MAX_AGE_MS + 2)).toBeNull();
    // Still takeable: the hook sees the failure and asks again.
    expect(await takePrefetched(f.client, WEEK, 1000, t + PREFETCH_MAX_AGE_MS + 2)?.answer).toEqual({ ok: false, error: { code: 'unavailable', message: 'down' } });
  });
});
