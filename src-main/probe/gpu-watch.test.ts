import { describe, expect, it } from 'vitest';
import type { GpuReading } from '../../shared/model/snapshot';
import { GpuWatchHub } from './gpu-watch';

const r = (id: string, used: number, extra: Partial<GpuReading> = {}): GpuReading => ({
  id, index: Number(id.slice(4)), vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: 100, memoryUsedBytes: used, memoryFreeBytes: 100 - used, utilizationPct: null, temperatureC: null, powerWatts: null, ...extra,
});

describe('GpuWatchHub', () => {
  it('a window keeps the highest reading of its GPU, from the reading at opening on', () => {
    const hub = new GpuWatchHub();
    hub.push([r('gpu:0', 10), r('gpu:1', 90)]);
    const w = hub.openWindow('gpu:0');
    expect(w.peakBytes()).toBe(10);
    hub.push([r('gpu:0', 40), r('gpu:1', 99)]);
    hub.push([r('gpu:0', 20)]);
    expect(w.peakBytes()).toBe(40);
    w.close();
    hub.push([r('gpu:0', 80)]);
    expect(w.peakBytes()).toBe(40);
  });
  it('stale readings (a stalled stream) are ignored', () => {
    const hub = new GpuWatchHub();
    hub.push([r('gpu:0', 10)]);
    const w = hub.openWindow('gpu:0');
    hub.push([r('gpu:0', 95, { stale: true })]);
    expect(w.peakBytes()).toBe(10);
    expect(hub.latest('gpu:0')?.memoryUsedBytes).toBe(10);
  });
  it('latest() without an id is the lowest-index GPU; none before the first reading', () => {
    const hub = new GpuWatchHub();
    expect(hub.latest()).toBeNull();
    hub.push([r('gpu:1', 5), r('gpu:0', 7)]);
    expect(hub.latest()?.id).toBe('gpu:0');
  });
  it('nextReading resolves on the next reading of that GPU, null on timeout or abort', async () => {
    const hub = new GpuWatchHub();
    const next = hub.nextReading('gpu:0', 1000);
    hub.push([r('gpu:1', 1)]);
    hub.push([r('gpu:0', 33)]);
    expect((await next)?.memoryUsedBytes).toBe(33);
    expect(await hub.nextReading('gpu:0', 5)).toBeNull();
    const abort = new AbortController();
    const aborted = hub.nextReading('gpu:0', 10_000, abort.signal);
    abort.abort();
    expect(await aborted).toBeNull();
  });
});
