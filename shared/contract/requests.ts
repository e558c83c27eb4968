import type { Snapshot } from '../model/snapshot';
import type { Result } from './result';

/** One sample of history for one GPU (the timeline). */
export interface HistoryPoint {
  atMs: number;
  gpuId: string;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
}

/**
 * Every request the renderer can make. Add an entry here, to `requestNames` and to
 * `requestSchemas` (schemas.ts); the type checker then lists every handler and client to update.
 */
export interface Requests {
  /** The latest Snapshot (or an `unavailable` error before the first tick). */
  getSnapshot: { params: void; result: Snapshot };
  /**
   * Per-GPU memory samples with sinceMs ≤ atMs ≤ untilMs (epoch ms), oldest first; from memory
   * for the last hour, from the persisted history beyond. With `maxPoints`, each GPU's series is
   * downsampled (min/max-preserving) to about that many points.
   */
  getHistory: { params: { sinceMs: number; untilMs?: number; maxPoints?: number }; result: HistoryPoint[] };
}

export type RequestName = keyof Requests;
export type ParamsOf<N extends RequestName> = Requests[N]['params'];
export type ResultOf<N extends RequestName> = Requests[N]['result'];

export const requestNames = ['getSnapshot', 'getHistory'] as const satisfies readonly RequestName[];

/** What both transports call: implemented once in src-main/monitor/. */
export type Handlers = { [N in RequestName]: (params: ParamsOf<N>) => Promise<Result<ResultOf<N>>> };
