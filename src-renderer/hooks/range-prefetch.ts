/**
 * The timeline's longest range, asked for once when the first timeline mounts: choosing it then
 * draws from an answer already here instead of waiting for a round trip (after a restart the
 * server answers it from its per-day reductions in memory: a few milliseconds, ~100 KB). One
 * answer (all GPUs) serves every GPU card; it is handed out once, and only while fresh.
 */
import type { HeadroomClient } from '../../shared/contract/client';
import type { HistoryPoint } from '../../shared/contract/requests';
import type { Result } from '../../shared/contract/result';

/** An answer older than this is not handed out (a fresh request is made instead). */
export const PREFETCH_MAX_AGE_MS = 60_000;

export interface Prefetched {
  client: HeadroomClient;
  rangeMs: number;
  maxPoints: number;
  /** When it was asked for (this page's clock). */
  askedAtMs: number;
  /** The newest live point (server time) when it was asked for: live points after it follow the answer. */
  liveAtMs: number;
  answer: Promise<Result<HistoryPoint[]>>;
  /** The answer once it has come (null before). */
  settled: Result<HistoryPoint[]> | null;
  used: boolean;
}

let current: Prefetched | null = null;

const matches = (p: Prefetched | null, client: HeadroomClient, rangeMs: number, maxPoints: number, nowMs: number): p is Prefetched =>
  p !== null && !p.used && p.client === client && p.rangeMs === rangeMs && p.maxPoints === maxPoints && nowMs - p.askedAtMs <= PREFETCH_MAX_AGE_MS && nowMs >= p.askedAtMs;

/** Asks for `rangeMs` of history (as useRangeHistory would) unless a fresh, unused answer for it is here or on its way. */
export function prefetchRange(client: HeadroomClient, rangeMs: number, maxPoints: number, liveAtMs: number, nowMs = Date.now()): void {
  if (matches(current, client, rangeMs, maxPoints, nowMs)) return;
  const p: Prefetched = {
    client,
    rangeMs,
    maxPoints,
    askedAtMs: nowMs,
    liveAtMs,
    settled: null,
    used: false,
    answer: client.call('getHistory', { sinceMs: Math.max(0, nowMs - rangeMs), untilMs: nowMs + 60_000, maxPoints }),
  };
  void p.answer.then((r) => (p.settled = r));
  current = p;
}

/** The fresh, unused prefetched answer for this range, if one has come (it stays available: see `takePrefetched`). */
export function peekPrefetched(client: HeadroomClient, rangeMs: number, maxPoints: number, nowMs = Date.now()): { points: HistoryPoint[]; liveAtMs: number } | null {
  const p = current;
  if (!matches(p, client, rangeMs, maxPoints, nowMs) || !p.settled?.ok) return null;
  return { points: p.settled.value, liveAtMs: p.liveAtMs };
}

/** The fresh, unused prefetch for this range (answered or still on its way), marked used; null if none. */
export function takePrefetched(client: HeadroomClient, rangeMs: number, maxPoints: number, nowMs = Date.now()): Pick<Prefetched, 'answer' | 'liveAtMs'> | null {
  const p = current;
  if (!matches(p, client, rangeMs, maxPoints, nowMs)) return null;
  p.used = true;
  current = null;
  return { answer: p.answer, liveAtMs: p.liveAtMs };
}

/** Forgets any prefetched answer (tests). */
export function resetPrefetch(): void {
  current = null;
}
