/**
 * Settings problems (corrupt file moved aside, key not decryptable, keys in plain text) reach the
 * UI without a new contract entry: as one extra source in the Snapshot's `sources`, which the
 * dashboard already lists with its status and message.
 */
import type { Snapshot } from '../../shared/model/snapshot';

export const SETTINGS_SOURCE_ID = 'settings';

export function withSettingsNotices(snapshot: Snapshot, notices: readonly string[]): Snapshot {
  if (notices.length === 0) return snapshot;
  return {
    ...snapshot,
    sources: [...snapshot.sources, { id: SETTINGS_SOURCE_ID, status: 'error', label: 'Settings', message: notices.join(' ') }],
  };
}
