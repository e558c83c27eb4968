import type { ProbeSummary } from '../../../shared/contract/probe';

/** Saved and running probes; pick one to view, another to compare it with. */
export function ProbeRuns({ runs, selectedId, compareId, onSelect, onCompare }: { runs: ProbeSummary[]; selectedId: string | null; compareId: string | null; onSelect(id: string): void; onCompare(id: string | null): void }) {
  if (runs.length === 0) return <p className="muted small" data-testid="probe-runs-empty">No probes yet. Runs are saved in the data folder (probes/), one JSON file each.</p>;
  return (
    <table className="kv-table" data-testid="probe-runs">
      <caption>Runs</caption>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Model</th>
          <th scope="col">KV</th>
          <th scope="col" className="num">Steps</th>
          <th scope="col" className="num">Largest usable</th>
          <th scope="col">Status</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-testid="probe-run" aria-current={r.id === selectedId ? 'true' : undefined} className={r.id === selectedId ? 'probe-run-selected' : undefined}>
            <td>{new Date(r.startedAtMs).toLocaleString()}</td>
            <td>
              {r.model} <span className="muted small">({r.backendKind})</span>
            </td>
            <td>{r.cacheType}</td>
            <td className="num">{r.stepCount}</td>
            <td className="num">{r.largestUsableContextTokens === null ? '—' : r.largestUsableContextTokens.toLocaleString('en-US')}</td>
            <td title={r.stopReason ?? undefined}>{r.status}</td>
            <td className="probe-run-actions">
              <button type="button" className="btn btn-small" onClick={() => onSelect(r.id)} disabled={r.id === selectedId} aria-label={`View the ${r.model} run of ${new Date(r.startedAtMs).toLocaleString()}`}>
                View
              </button>
              {selectedId && r.id !== selectedId && (
                <button type="button" className="btn btn-small" aria-pressed={r.id === compareId} onClick={() => onCompare(r.id === compareId ? null : r.id)} aria-label={`Compare with the ${r.model} ${r.cacheType} run of ${new Date(r.startedAtMs).toLocaleString()}`}>
                  Compare
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
