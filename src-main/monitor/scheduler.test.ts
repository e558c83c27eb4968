import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RingBuffer } from './ring-buffer';
import { FALLBACK_TICKS, startLoop } from './scheduler';

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

  it('back on the timer when the pokes stop (a stalled stream): the fallback runs the next tick, then the timer', async () => {
    const at: number[] = [];
    const t0 = Date.now();
    const loop = loopAt(at, t0);
    await vi.advanceTimersByTimeAsync(900);
    loop.poke();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(8000);
    loop.dispose();
    expect(at.slice(0, 2)).toEqual([0, 900]);
    const gaps = at.slice(1).map((v, i) => v - at[i]!);
    // Once: FALLBACK_TICKS intervals and a quarter after the last poked tick.
    expect(gaps[1]).toBe(FALLBACK_TICKS * 1000 + 250);
    // Then on time, on the timer.
    expect(new Set(gaps.slice(2))).toEqual(new Set([1000]));
  });

  it('while the source drives the ticks, its timer is moved once per FALLBACK_TICKS ticks, not every tick (a cleared timer still wakes the process)', async () => {
    const at: number[] = [];
    const t0 = Date.now();
    const loop = loopAt(at, t0);
    await vi.advanceTimersByTimeAsync(800);
    const cleared = vi.spyOn(globalThis, 'clearTimeout');
    const armed = vi.spyOn(globalThis, 'setTimeout');
    for (let s = 0; s < 30; s++) {
      loop.poke();
      await vi.advanceTimersByTimeAsync(1000);
    }
    loop.dispose();
    expect(at.slice(1, 4)).toEqual([800, 1800, 2800]);
    expect(at).toHaveLength(31);
    // The tick itself arms one 50 ms timer per run (loopAt's work): leave those out.
    const loopTimers = armed.mock.calls.filter(([, ms]) => ms !== 50).length;
    expect(loopTimers).toBeLessThanOrEqual(Math.ceil(30 / FALLBACK_TICKS) + 1);
    expect(cleared.mock.calls.length).toBeLessThanOrEqual(Math.ceil(30 / FALLBACK_TICKS) + 2);
  });

  it('a tick that hangs while the source drives the ticks is aborted by a poke once past its timeout', async () => {
    const aborted: number[] = [];
    const t0 = Date.now();
    let hang = false;
    const loop = startLoop(
      (signal) =>
        hang
          ? new Promise<void>((resolve) => signal.addEventListener('abort', () => (aborted.push(Date.now() - t0), resolve())))
          : Promise.resolve(),
      { intervalMs: 1000, timeoutMs: 2000, now: () => Date.now() },
    );
    await vi.advanceTimersByTimeAsync(800);
    for (let s = 0; s < 3; s++) {
      loop.poke();
      await vi.advanceTimersByTimeAsync(1000);
    }
    hang = true; // the tick poked at 3.8 s hangs
    for (let s = 0; s < 4; s++) {
      loop.poke();
      await vi.advanceTimersByTimeAsync(1000);
    }
    loop.dispose();
    expect(aborted[0]).toBe(5800); // by the first poke 2 s after it started
  });
});
