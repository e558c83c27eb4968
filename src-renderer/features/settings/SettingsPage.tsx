import type { Snapshot } from '../../../shared/model/snapshot';

/** Settings page (being built). */
export function SettingsPage({ snapshot }: { snapshot: Snapshot }) {
  return (
    <section className="card" aria-labelledby="settings-title" data-updated={snapshot.atMs}>
      <h2 id="settings-title">Settings</h2>
    </section>
  );
}
