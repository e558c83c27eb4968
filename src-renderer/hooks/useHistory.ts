import { useEffect, useMemo, useRef, useState } from 'react';
import type { HistoryPoint } from '../../shared/contract/requests';
import { useClient } from '../transport/ClientProvider';
import { peekPrefetched, prefetchRange, takePrefetched } from './range-prefetch';

/** Timeline ranges, shortest first. The live hook keeps 15 min; longer ranges read getHistory. */
export const TIMELINE_RANGES = [
  { id: '5m', label: '5 min', ms: 5 * 60_000 },
  { id: '1h', label: '1 h', ms: 3_600_000 },
  { id: '6h', label: '6 h', ms: 6 * 3_600_000 },
  { id: '24h', label: '24 h', ms: 24 * 3_600_000 },
  { id: '7d', label: '7 d', ms: 7 * 24 * 3_600_000 },
] as const;
export type TimelineRangeId = (typeof TIMELINE_RANGES)[number]['id'];

/** What the live snapshot hook keeps in memory (useLiveSnapshot's default window). */
export const LIVE_WINDOW_MS = 15 * 60_000;

/** Points a long range is asked for (min/max-downsampled by the server): about the chart's width. */
export const TIMELINE_MAX_POINTS = 1000;

/** The longest range: asked for before it is chosen (see range-prefetch.ts). */
export const LONGEST_RANGE_MS = TIMELINE_RANGES[TIMELINE_RANGES.length - 1]!.ms;

export interface RangeHistory {
  points: HistoryPoint[];
  loading: boolean;
  error: string | null;
}

/**
 * One GPU's points for a time range: the live points when the range fits in the live window,
 * else getHistory (min/max-downsampled to `maxPoints`, about the chart's width) with the live
 * points after it appended. Re-fetched when the appended tail grows past `maxPoints`, so a
 * long range stays about `2 × maxPoints` points however long the page stays open.
 * `prefetchMs`: a longer range asked for when the hook mounts (see range-prefetch.ts); choosing
 * it then draws in the same render, without a round trip.
 */
export function useRangeHistory(gpuId: string, rangeMs: number, live: HistoryPoint[], version: number, maxPoints = TIMELINE_MAX_POINTS, prefetchMs?: number): RangeHistory {
  // `version`: the points are recomputed when it changes (`live` is appended in place). The
  // timeline passes its redraw step, so a live update between two redraws costs nothing here.
  const client = useClient();
  const fromLive = rangeMs <= LIVE_WINDOW_MS;
  // `liveAtMs`: the newest live point when it was asked for (server time, as the points are).
  const [base, setBase] = useState<{ key: string; points: HistoryPoint[]; liveAtMs: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const key = `${gpuId}|${rangeMs}|${generation}`;
  const requested = useRef<string | null>(null);
  const newestLive = () => live[live.length - 1]?.atMs ?? -Infinity;

  useEffect(() => {
    if (prefetchMs !== undefined && prefetchMs > LIVE_WINDOW_MS) prefetchRange(client, prefetchMs, maxPoints, newestLive());
    // (Once, when the hook mounts: `live` is read when the request leaves.)
  }, [client, prefetchMs, maxPoints]);

  // A prefetched answer for this range is drawn in the very render that chose it (no loading state).
  const early = useMemo(() => {
    if (fromLive || generation !== 0 || base?.key === key) return null;
    const p = peekPrefetched(client, rangeMs, maxPoints);
    return p ? { key, points: p.points.filter((x) => x.gpuId === gpuId), liveAtMs: p.liveAtMs } : null;
  }, [fromLive, generation, base, key, client, rangeMs, maxPoints, gpuId]);
  const earlyRef = useRef(early);
  earlyRef.current = early;
  const current = base?.key === key ? base : early;

  useEffect(() => {
    if (fromLive || requested.current === key) return;
    requested.current = key;
    let alive = true;
    // An explicit untilMs: the server cannot read its persisted days without one (see the report).
    const ask = () => {
      const nowMs = Date.now();
      const liveAtMs = newestLive();
      return client.call('getHistory', { sinceMs: Math.max(0, nowMs - rangeMs), untilMs: nowMs + 60_000, maxPoints }).then((r) => ({ r, liveAtMs }));
    };
    const pre = generation === 0 ? takePrefetched(client, rangeMs, maxPoints) : null;
    const shown = earlyRef.current;
    if (pre && shown?.key === key) {
      // Already drawn from it: the same object, so nothing is recomputed or redrawn.
      setBase(shown);
      setError(null);
    } else {
      // A prefetch still on its way is waited for; one that failed is asked again.
      const answer = pre ? pre.answer.then((r) => (r.ok ? { r, liveAtMs: pre.liveAtMs } : ask())) : ask();
      void answer.then(({ r, liveAtMs }) => {
        if (!alive) return;
        if (r.ok) {
          setBase({ key, points: r.value.filter((p) => p.gpuId === gpuId), liveAtMs });
          setError(null);
        } else setError(r.error.message);
      });
    }
    return () => {
      alive = false;
      if (requested.current === key) requested.current = null;
    };
    // (`live` is read when the request leaves, not followed.)
  }, [client, fromLive, key, gpuId, rangeMs, maxPoints, generation]);

  const points = useMemo(() => {
    const now = live[live.length - 1]?.atMs ?? Date.now();
    const cutoff = now - rangeMs;
    if (fromLive) return live.filter((p) => p.atMs >= cutoff);
    if (!current) return [];
    const lastBase = current.points[current.points.length - 1]?.atMs ?? -Infinity;
    const tail = live.filter((p) => p.atMs > lastBase);
    return [...current.points.filter((p) => p.atMs >= cutoff), ...tail];
    // `live` is appended in place: `version` says when to look again.
  }, [fromLive, current, live, rangeMs, version]);

  // Live points that arrived since the request: past `maxPoints` of them, ask again; also when the
  // live window no longer reaches back to the request (a gap would open between the two). Counted
  // from the request, not from the answer's last point: a downsampled answer's last point can sit
  // minutes back, and counting from it asked again and again, tens of times a second.
  const grown = useMemo(() => {
    if (fromLive || !current) return 0;
    if (live.length > 0 && live[0]!.atMs > current.liveAtMs) return Infinity;
    return countAfter(live, current.liveAtMs);
  }, [fromLive, current, live, version]);
  useEffect(() => {
    if (grown > maxPoints) setGeneration((g) => g + 1);
  }, [grown, maxPoints]);

  return { points, loading: !fromLive && !current && error === null, error };
}

/** How many of `points` (oldest first) are later than `atMs`. */
export function countAfter(points: readonly HistoryPoint[], atMs: number): number {
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.atMs <= atMs) lo = mid + 1;
    else hi = mid;
  }
  return points.length - lo;
}
