/**
 * Issue 11 item 9: sleep and quit signals, against the documented Electron powerMonitor events
 * (`suspend`, `resume`) and Node's signal events (SIGHUP when a Windows console closes).
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPowerPolicy, onQuitSignals, QUIT_SIGNALS } from './power';

describe('power policy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pauses sampling on suspend and resumes a few seconds after resume', () => {
    const calls: boolean[] = [];
    const p = createPowerPolicy({ setSampling: (on) => calls.push(on), isUserPaused: () => false, resumeDelayMs: 5000 });
    p.onSuspend();
    p.onSuspend(); // Windows may send it twice
    expect(calls).toEqual([false]);
    p.onResume();
    vi.advanceTimersByTime(4999);
    expect(calls).toEqual([false]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual([false, true]);
    expect(p.isSuspended).toBe(false);
  });

  it("keeps the user's pause after waking, and a suspend during the resume delay wins", () => {
    const calls: boolean[] = [];
    let userPaused = true;
    const p = createPowerPolicy({ setSampling: (on) => calls.push(on), isUserPaused: () => userPaused, resumeDelayMs: 1000 });
    p.onSuspend();
    p.onResume();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([false]);
    userPaused = false;
    p.onSuspend();
    p.onResume();
    p.onSuspend(); // back to sleep before the delay ran out
    vi.advanceTimersByTime(5000);
    expect(calls).toEqual([false, false]);
    expect(p.isSuspended).toBe(true);
  });
});

describe('quit signals', () => {
  it('SIGTERM, SIGINT and SIGHUP (Windows console closed) all quit, once each; the listeners go away', () => {
    const proc = new EventEmitter() as unknown as NodeJS.Process;
    const quit = vi.fn();
    const off = onQuitSignals(proc, quit);
    for (const sig of QUIT_SIGNALS) (proc as unknown as EventEmitter).emit(sig);
    expect(quit.mock.calls).toEqual([['SIGTERM'], ['SIGINT'], ['SIGHUP']]);
    off();
    expect((proc as unknown as EventEmitter).listenerCount('SIGHUP')).toBe(0);
  });
});
