import { useEffect, useRef, useState } from 'react';
import { gpuOwnerShares, type HistoryPoint } from '../../shared/contract/requests';
import type { Snapshot } from '../../shared/model/snapshot';
import { useClient } from '../transport/ClientProvider';
import { share } from './share';

export interface LiveState {
  snapshot: Snapshot | null;
  /** Per-GPU points for the timeline, oldest first, bounded to `windowMs`. */
  history: Map<string, HistoryPoint[]>;
  connected: boolean;
  error: string | null;
  /** Increments on each update so memoised charts know to redraw. */
  version: number;
}

const WINDOW_MS = 15 * 60_000;

/** Merges older points (from getHistory) with live ones, in time order, without duplicates. */
export function mergeHistory(history: Map<string, HistoryPoint[]>, points: HistoryPoint[]): void {
  const byGpu = new Map<string, HistoryPoint[]>();
  for (const p of points) {
    let list = byGpu.get(p.gpuId);
    if (!list) byGpu.set(p.gpuId, (list = []));
    list.push(p);
  }
  for (const [gpuId, older] of byGpu) {
    const merged = [...older, ...(history.get(gpuId) ?? [])].sort((a, b) => a.atMs - b.atMs);
    history.set(gpuId, merged.filter((p, i) => i === 0 || merged[i - 1]!.atMs !== p.atMs));
  }
}

/** Appends a Snapshot's GPU readings to the per-GPU points, dropping those older than `windowMs`. */
function appendSnapshot(history: Map<string, HistoryPoint[]>, s: Snapshot, windowMs: number): void {
  for (const g of s.gpus) {
    let list = history.get(g.id);
    if (!list) history.set(g.id, (list = []));
    const last = list[list.length - 1];
    if (last && last.atMs >= s.atMs) continue;
    const owners = gpuOwnerShares(g);
    list.push({ atMs: s.atMs, gpuId: g.id, memoryUsedBytes: g.memoryUsedBytes, memoryTotalBytes: g.memoryTotalBytes, ...(owners ? { owners } : {}) });
    const cutoff = s.atMs - windowMs;
    let drop = 0;
    while (drop < list.length && list[drop]!.atMs < cutoff) drop++;
    if (drop) list.splice(0, drop);
  }
}

/**
 * `initial`: a first Snapshot already here when the page mounts (main.tsx waits briefly for the
 * one asked for before React started), drawn in the first render; none is asked for then.
 */
export function useLiveSnapshot(windowMs = WINDOW_MS, initial: Snapshot | null = null): LiveState {
  const client = useClient();
  const historyRef = useRef<Map<string, HistoryPoint[]> | null>(null);
  if (!historyRef.current) {
    historyRef.current = new Map();
    if (initial) appendSnapshot(historyRef.current, initial, windowMs);
  }
  const [state, setState] = useState<LiveState>(() => ({ snapshot: initial, history: historyRef.current!, connected: true, error: null, version: 0 }));
  const initialRef = useRef(initial);

  useEffect(() => {
    let alive = true;
    const history = historyRef.current!;
    const append = (s: Snapshot) => appendSnapshot(history, s, windowMs);
    // The parts of a Snapshot that did not change keep their identity (memoised components skip them).
    let last: Snapshot | null = initialRef.current;
    const publish = (s: Snapshot | null, patch: Partial<LiveState> = {}) => {
      if (!alive) return;
      const shared = s ? (last = share(last, s)) : null;
      setState((prev) => ({ ...prev, ...patch, snapshot: shared ?? prev.snapshot, history, version: prev.version + 1 }));
    };
    // The event stream starts with the latest Snapshot: right after the page's first render (or a
    // reconnect) that is usually the one already shown, and a whole dashboard render for nothing.
    let replay = false;
    const sub = client.on('snapshotPublished', (s) => {
      const again = replay && last !== null && s.atMs <= last.atMs;
      replay = false;
      if (again) return setState((p) => (p.connected && p.error === null ? p : { ...p, connected: true, error: null }));
      append(s);
      publish(s, { error: null, connected: true });
    });
    const conn = client.onConnectionChange?.((connected) => {
      if (connected) replay = true;
      // (Unchanged: the same state, so nothing re-renders.)
      if (alive) setState((p) => (p.connected === connected ? p : { ...p, connected }));
    });
    // The live cards never wait for history: the Snapshot is asked for beside it and shown when it
    // comes; the recent points are merged into the timeline whenever they arrive.
    if (!initialRef.current) {
      void client.call('getSnapshot', undefined).then((r) => {
        if (r.ok) {
          if (last && last.atMs >= r.value.atMs) return;
          append(r.value);
          publish(r.value);
        } else if (r.error.code !== 'unavailable') publish(null, { error: r.error.message });
      });
    }
    void client.call('getHistory', { sinceMs: Math.max(0, Date.now() - windowMs) }).then((h) => {
      if (!h.ok || !alive) return;
      mergeHistory(history, h.value);
      setState((prev) => ({ ...prev, history, version: prev.version + 1 }));
    });
    return () => {
      alive = false;
      sub.dispose();
      conn?.dispose();
    };
  }, [client, windowMs]);

  return state;
}
