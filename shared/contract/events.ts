import type { Snapshot } from '../model/snapshot';

/** Events pushed from the core to every view. */
export interface Events {
  /** One per monitor tick; every view renders from this. */
  snapshotPublished: Snapshot;
}

export type EventName = keyof Events;
export const eventNames = ['snapshotPublished'] as const satisfies readonly EventName[];
