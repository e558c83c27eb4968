import type { BackendReading, SourceStatus } from '../../../shared/model/snapshot';

const statusWord = { ok: 'OK', unavailable: 'Unavailable', error: 'Error', up: 'Up', down: 'Down', unauthorized: 'Needs API key' } as const;

function SourceLine({ s }: { s: SourceStatus }) {
  return (
    <li data-testid={`source-${s.id}`} data-status={s.status}>
      <span className={`dot dot-${s.status}`} aria-hidden="true" />
      <strong>{s.label ?? s.id}</strong> <span className="muted">{statusWord[s.status]}</span>
      {s.message && <span className="source-message"> — {s.message}</span>}
    </li>
  );
}

/**
 * One line per source: GPU sources, system memory, each LLM server, discovery. When GPUs are
 * being read, the sources that do not apply here (other vendors, other OSes) fold away under
 * a summary; with no GPU they stay visible, since they say why.
 */
export function SourceList({ sources, backends, hasGpus }: { sources: SourceStatus[]; backends: BackendReading[]; hasGpus: boolean }) {
  const folded = hasGpus ? sources.filter((s) => s.status === 'unavailable' && s.id !== 'discovery') : [];
  const shown = sources.filter((s) => !folded.includes(s));
  return (
    <section className="card sources-card" aria-labelledby="sources-title">
      <h2 id="sources-title">Sources</h2>
      <ul className="sources" data-testid="source-list">
        {shown.map((s) => (
          <SourceLine key={s.id} s={s} />
        ))}
        {backends.map((b) => (
          <li key={b.id} data-testid={`source-${b.id}`} data-status={b.status}>
            <span className={`dot dot-${b.status === 'up' ? 'ok' : b.status === 'down' ? 'unavailable' : 'error'}`} aria-hidden="true" />
            <strong>{b.id}</strong> <span className="muted">{statusWord[b.status]}{b.version ? ` · v${b.version}` : ''}</span>
            {b.message && <span className="source-message"> — {b.message}</span>}
          </li>
        ))}
      </ul>
      {folded.length > 0 && (
        <details className="folded-sources">
          <summary>{folded.length} other sources not used on this machine</summary>
          <ul className="sources">
            {folded.map((s) => (
              <SourceLine key={s.id} s={s} />
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
