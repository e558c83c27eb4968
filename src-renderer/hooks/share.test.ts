import { describe, expect, it } from 'vitest';
import { share } from './share';

describe('share', () => {
  it('keeps the identity of the parts that did not change', () => {
    const prev = { atMs: 1, gpus: [{ id: 'gpu:0', used: 5, processes: [{ pid: 1 }] }, { id: 'gpu:1', used: 7 }], alerts: [], system: { ram: 3 } };
    const next = JSON.parse(JSON.stringify({ ...prev, atMs: 2, gpus: [prev.gpus[0], { id: 'gpu:1', used: 8 }] })) as typeof prev;
    const out = share(prev, next);
    expect(out).toEqual(next);
    expect(out).not.toBe(prev);
    expect(out.gpus).not.toBe(prev.gpus);
    expect(out.gpus[0]).toBe(prev.gpus[0]);
    expect(out.gpus[1]).not.toBe(prev.gpus[1]);
    expect(out.alerts).toBe(prev.alerts);
    expect(out.system).toBe(prev.system);
  });

  it('returns the previous object when everything is equal, and sees added, removed and retyped parts', () => {
    const prev = { a: [1, 2], b: { c: null as number | null } };
    expect(share(prev, JSON.parse(JSON.stringify(prev)))).toBe(prev);
    expect(share(prev, { a: [1, 2, 3], b: { c: null } }).a).toEqual([1, 2, 3]);
    expect(share(prev, { a: [1, 2], b: { c: 4 } }).b).toEqual({ c: 4 });
    expect(share({ x: 1 } as Record<string, number>, { x: 1, y: 2 })).toEqual({ x: 1, y: 2 });
    expect(share({ x: 1, y: 2 } as Record<string, number>, { x: 1 })).toEqual({ x: 1 });
    expect(share({ x: [1] } as Record<string, unknown>, { x: { 0: 1 } })).toEqual({ x: { 0: 1 } });
    expect(share(null, { x: 1 })).toEqual({ x: 1 });
  });
});
