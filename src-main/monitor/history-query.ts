/** Answers getHistory from the in-memory ring (recent) or the persisted store (older), downsampled per GPU. */
import type { HistoryPoint } from '../../shared/contract/requests';
import { downsamplePerGpu } from '../../shared/history/downsample';
import type { HistoryStore } from '../history/history-store';
import type { Monitor } from './monitor';

export async function queryHistory(
  monitor: Monitor,
  store: HistoryStore | null,
  params: { sinceMs: number; untilMs?: number; maxPoints?: number },
): Promise<HistoryPoint[]> {
  // Never past now: day files are named by date, and a far-future bound is not a date.
  const untilMs = Math.min(params.untilMs ?? Date.now(), Date.now() + 86_400_000);
  const memory = monitor.history(params.sinceMs).filter((p) => p.atMs <= untilMs);
  const oldestInMemory = monitor.oldestAtMs();
  let points: HistoryPoint[] = memory;
  if (store && (oldestInMemory === null || params.sinceMs < oldestInMemory)) {
    const samples = params.maxPoints ? await store.readDownsampled(params.sinceMs, untilMs, params.maxPoints * 2) : (await store.read(params.sinceMs, untilMs)).samples;
    const cut = oldestInMemory ?? Infinity;
    points = [
      ...samples
        .filter((s) => s.atMs < cut)
        .map((s) => ({ atMs: s.atMs, gpuId: s.gpuId, memoryUsedBytes: s.memoryUsedBytes, memoryTotalBytes: s.memoryTotalBytes, ...(s.owners ? { owners: s.owners } : {}) })),
      ...memory,
    ];
  }
  return params.maxPoints ? downsamplePerGpu(points, params.maxPoints) : points;
}
