import type { Snapshot } from '../../../shared/model/snapshot';

/** Planner page (being built). */
export function PlannerPage({ snapshot }: { snapshot: Snapshot }) {
  return (
    <section className="card" aria-labelledby="planner-title" data-updated={snapshot.atMs}>
      <h2 id="planner-title">Planner</h2>
    </section>
  );
}
