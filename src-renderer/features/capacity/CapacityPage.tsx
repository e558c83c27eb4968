import { useMemo, useState } from 'react';
import { CAPACITY_COLUMNS, computeCapacity, contextLabel, DEFAULT_USER_CONTEXT, type ModelCapacity } from '../../../shared/capacity/capacity';
import { backendKindLabels } from '../../../shared/model/backend-labels';
import type { Snapshot } from '../../../shared/model/snapshot';
import { formatTokens } from '../models/format';

function fillsIn(seconds: number | null): string {
  if (seconds === null) return 'not filling';
  if (seconds < 90) return `in ${seconds} s`;
  if (seconds < 5400) return `in ${Math.round(seconds / 60)} min`;
  return `in ${(seconds / 3600).toFixed(1)} h`;
}
const dash = (x: number | null | undefined, digits = 0) => (x == null ? '—' : x.toFixed(digits));

function ModelRow({ m }: { m: ModelCapacity }) {
  return (
    <section className="card capacity-card" aria-label={`${m.model} on ${m.backendId}`} data-testid="capacity-model">
      <div className="card-header">
        <h3>
          {m.model} <span className="muted">{backendKindLabels[m.kind]} · {m.backendId}</span>
        </h3>
      </div>
      <p className="capacity-sentence">{m.sentence}</p>
      <dl className="stats">
        <div>
          <dt>KV pool</dt>
          <dd>{m.poolTokens === null ? '—' : formatTokens(m.poolTokens)}</dd>
        </div>
        {m.usedRatio !== null && (
          <div>
            <dt>Pool in use</dt>
            <dd>{Math.round(m.usedRatio * 100)} %</dd>
          </div>
        )}
        {m.slots && (
          <div>
            <dt>Slots in use</dt>
            <dd>{m.slots.inUse === null ? `${m.slots.total} parallel` : `${m.slots.inUse} of ${m.slots.total}`}</dd>
          </div>
        )}
        <div>
          <dt>Active now</dt>
          <dd>{dash(m.active)}</dd>
        </div>
        <div>
          <dt>Waiting</dt>
          <dd>{dash(m.waiting)}</dd>
        </div>
        {m.kind === 'vllm' && (
          <>
            <div>
              <dt>Preemptions / min</dt>
              <dd>{dash(m.preemptionsPerMinute, 1)}</dd>
            </div>
            <div>
              <dt>Pool full</dt>
              <dd>{fillsIn(m.fillsInSeconds)}</dd>
            </div>
          </>
        )}
      </dl>
      <table className="kv-table">
        <caption>Concurrent users whose whole context fits</caption>
        <thead>
          <tr>
            {m.usersAt.map((u) => (
              <th key={u.contextTokens} className="num" scope="col">
                {contextLabel(u.contextTokens)} per user
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            {m.usersAt.map((u) => (
              <td key={u.contextTokens} className="num">
                {u.users ?? '—'}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
      {m.notes.length > 0 && (
        <ul className="capacity-notes muted">
          {m.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** How many more people this server takes, at the context each of them uses. */
export function CapacityPage({ snapshot, recent }: { snapshot: Snapshot; recent: readonly Snapshot[] }) {
  const [ctx, setCtx] = useState<number>(DEFAULT_USER_CONTEXT);
  const report = useMemo(() => computeCapacity(snapshot, recent, { perUserContextTokens: ctx }), [snapshot, recent, ctx]);
  return (
    <div className="capacity-page" data-updated={snapshot.atMs}>
      <h2 className="section-title">Capacity</h2>
      <div className="capacity-head card">
        <p className="capacity-headline" role="status" data-testid="capacity-headline">
          {report.headline}
        </p>
        <label className="capacity-ctx">
          Context per user{' '}
          <select value={ctx} onChange={(e) => setCtx(Number(e.target.value))}>
            {CAPACITY_COLUMNS.map((c) => (
              <option key={c} value={c}>
                {contextLabel(c)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {report.ollamaEviction.map((s) => (
        <p key={s} className="hint">
          {s}
        </p>
      ))}
      {report.models.length === 0 ? <p className="muted">No vLLM, Ollama or llama.cpp model is loaded.</p> : report.models.map((m) => <ModelRow key={`${m.backendId}/${m.model}`} m={m} />)}
    </div>
  );
}
