import type { BackendReading, SourceStatus } from '../../../shared/model/snapshot';

const statusWord = { ok: 'OK', unavailable: 'Unavailable', error: 'Error', up: 'Up', down: 'Down', unauthorized: 'Needs API key' } as const;

/** One line per source: GPU sources, system memory, each LLM server, discovery. */
export function SourceList({ sources, backends }: { sources: SourceStatus[]; backends: BackendReading[] }) {
  return (
    <section className="card sources-card" aria-labelledby="sources-title">
      <h2 id="sources-title">Sources</h2>
      <ul className="sources" data-testid="source-list">
        {sources.map((s) => (
          <li key={s.id} data-testid={`source-${s.id}`} data-status={s.status}>
            <span className={`dot dot-${s.status}`} aria-hidden="true" />
            <strong>{s.label ?? s.id}</strong> <span className="muted">{statusWord[s.status]}</span>
            {s.message && <span className="source-message"> — {s.message}</span>}
          </li>
        ))}
        {backends.map((b) => (
          <li key={b.id} data-testid={`source-${b.id}`} data-status={b.status}>
            <span className={`dot dot-${b.status === 'up' ? 'ok' : b.status === 'down' ? 'unavailable' : 'error'}`} aria-hidden="true" />
            <strong>{b.id}</strong> <span className="muted">{statusWord[b.status]}{b.version ? ` · v${b.version}` : ''}</span>
            {b.message && <span className="source-message"> — {b.message}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
