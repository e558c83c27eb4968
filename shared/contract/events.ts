import type { Snapshot } from '../model/snapshot';
import type { FleetSnapshot } from './fleet';

/** Events pushed from the core to every view. */
export interface Events {
  /** One per monitor tick; every view renders from this. */
  snapshotPublished: Snapshot;
  /**
   * This machine and every watched server, when at least one server is watched: on each local
   * tick and when a watched host changes (at most twice per tick). Without watched servers only
   * `snapshotPublished` is sent and views build a one-host fleet from it (`localFleet`).
   */
  fleetPublished: FleetSnapshot;
}

export type EventName = keyof Events;
export const eventNames = ['snapshotPublished', 'fleetPublished'] as const satisfies readonly EventName[];
