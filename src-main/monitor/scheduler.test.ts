import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RingBuffer } from './ring-buffer';
import { startLoop } from './scheduler';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('startLoop', () => {
  it('never overlaps: a slow tick delays the next one', async () => {
    let running = 0;
    let maxRunning = 0;
    let ticks = 0;
    const d = startLoop(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        ticks++;
        await new Promise((r) => setTimeout(r, 2500));
        running--;
      },
      { intervalMs: 1000, timeoutMs: 10_000, now: () => Date.now() },
    );
    await vi.advanceTimersByTimeAsync(10_000);
    d.dispose();
    expect(maxRunning).toBe(1);
    expect(ticks).toBe(4); // 0, 2.5, 5, 7.5 s
  });

  it('aims at next += interval (no drift)', async () => {
    const at: number[] = [];
    const t0 = Date.now();
    const d = startLoop(
      async () => {
        at.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, 300));
      },
      { intervalMs: 1000, timeoutMs: 5000, now: () => Date.now() },
    );
    await vi.advanceTimersByTimeAsync(4500);
    d.dispose();
    expect(at).toEqual([0, 1000, 2000, 3000, 4000]);
  });

  it('aborts a tick past its timeout and keeps going', async () => {
    const aborted: boolean[] = [];
    const d = startLoop(
      (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted.push(true);
            resolve();
          });
        }),
      { intervalMs: 1000, timeoutMs: 500, now: () => Date.now() },
    );
    await vi.advanceTimersByTimeAsync(3200);
    expect(aborted.length).toBe(3); // aborted at 0.5, 1.5 and 2.5 s
    d.dispose(); // dispose aborts the tick in flight too
    expect(aborted.length).toBe(4);
  });

  it('a throwing tick is reported, the loop continues', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const d = startLoop(
      async () => {
        n++;
        throw new Error('boom');
      },
      { intervalMs: 100, timeoutMs: 50, onError: (e) => errors.push(e), now: () => Date.now() },
    );
    await vi.advanceTimersByTimeAsync(350);
    d.dispose();
    expect(n).toBe(4);
    expect(errors).toHaveLength(4);
  });

  it('silent after dispose', async () => {
    let n = 0;
    const d = startLoop(async () => void n++, { intervalMs: 100, timeoutMs: 50, now: () => Date.now() });
    await vi.advanceTimersByTimeAsync(250);
    d.dispose();
    const before = n;
    await vi.advanceTimersByTimeAsync(1000);
    expect(n).toBe(before);
  });
});

describe('RingBuffer', () => {
  it.each([
    { name: 'under capacity', cap: 5, push: [1, 2, 3], since: 2, want: [2, 3] },
    { name: 'wraps and keeps capacity', cap: 3, push: [1, 2, 3, 4, 5], since: 0, want: [3, 4, 5] },
    { name: 'since after all', cap: 3, push: [1, 2], since: 9, want: [] },
    { name: 'empty', cap: 3, push: [], since: 0, want: [] },
  ])('$name', ({ cap, push, since, want }) => {
    const rb = new RingBuffer<{ atMs: number }>(cap);
    for (const atMs of push) rb.push({ atMs });
    expect(rb.since(since).map((x) => x.atMs)).toEqual(want);
    expect(rb.size).toBe(Math.min(cap, push.length));
  });
  it('rejects a bad capacity', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });
});

describe('startLoop poke (ticks ride on the data source\'s wake-up)', () => {
  const loopAt = (at: number[], t0: number) =>
    startLoop(
      async () => {
        at.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      },
      { intervalMs: 1000, timeoutMs: 5000, now: () => Date.now() },
    );

  it('runs a tick due within a quarter interval when poked, and follows the source from then on', async () => {
    const at: number[] = [];
    const t0 = Date.now();
    const loop = loopAt(at, t0);
    // A source printing at 800 ms past each second (like nvidia-smi -lms 1000 started then).
    for (let s = 0; s < 4; s++) {
      await vi.advanceTimersByTimeAsync(s === 0 ? 800 : 1000);
      loop.poke();
      await vi.advanceTimersByTimeAsync(0);
    }
    loop.dispose();
    expect(at).toEqual([0, 800, 1800, 2800, 3800]);
  });

  it('ignores a poke far from the next tick, and one while a tick runs', async () => {
    const at: number[] = [];
    const t0 = Date.now();
    const loop = loopAt(at, t0);
    await vi.advanceTimersByTimeAsync(10); // first tick running (50 ms)
    loop.poke();
    await vi.advanceTimersByTimeAsync(290);
    loop.poke(); // 300 ms: the next tick is 700 ms away
    await vi.advanceTimersByTimeAsync(2000);
    loop.dispose();
    expect(at[0]).toBe(0);
    expect(at[1]).toBeGreaterThanOrEqual(1000);
    expect(at[1]).toBeLessThanOrEqual(1250);
  });

  it('back on the timer when the pokes stop (a stalled stream): never more than a quarter interval late', async () => {
    const at: number[] = [];
    const t0 = Date.now();
    const loop = loopAt(at, t0);
    await vi.advanceTimersByTimeAsync(900);
    loop.poke();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(5000);
    loop.dispose();
    expect(at.slice(0, 2)).toEqual([0, 900]);
    const gaps = at.slice(1).map((v, i) => v - at[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1250);
    // Two intervals without a poke: on time again.
    expect(gaps[gaps.length - 1]).toBe(1000);
  });
});
