import type { Snapshot } from '../../../shared/model/snapshot';

/** Alerts page (being built). */
export function AlertsPage({ snapshot }: { snapshot: Snapshot }) {
  return (
    <section className="card" aria-labelledby="alerts-title" data-updated={snapshot.atMs}>
      <h2 id="alerts-title">Alerts</h2>
    </section>
  );
}
