import { useEffect, useState } from 'react';
import type { SettingsPatch } from '../../../shared/contract/settings';
import { useSettings } from '../../hooks/useSettings';
import { useClient } from '../../transport/ClientProvider';

interface Row {
  rowId: number;
  url: string;
  label: string;
  /** Typed token (write-only); empty = keep the stored one. */
  token: string;
  hasToken: boolean;
  removeToken: boolean;
}

type Check = { busy: boolean; ok: boolean; message: string };

let nextRowId = 1;

/** The settings patch for the rows (pure): a token is sent only when typed or removed. */
export function watchedServersPatch(rows: readonly Row[], trayScope: 'local' | 'all'): SettingsPatch {
  return {
    fleet: {
      trayScope,
      servers: rows.map((r) => ({
        url: r.url.trim(),
        label: r.label.trim() || null,
        ...(r.token ? { token: r.token } : r.removeToken ? { token: null } : {}),
      })),
    },
  };
}

/**
 * Settings → "Servers to watch": Headroom servers (URL + token) shown beside this machine.
 * Tokens are write-only (the page learns only whether one is stored); each server is tried on save.
 */
export function WatchedServersEditor() {
  const client = useClient();
  const { settings, save } = useSettings();
  const [rows, setRows] = useState<Row[] | null>(null);
  const [trayScope, setTrayScope] = useState<'local' | 'all'>('all');
  const [checks, setChecks] = useState<Record<number, Check>>({});
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!settings || rows) return;
    setRows((settings.fleet?.servers ?? []).map((s) => ({ rowId: nextRowId++, url: s.url, label: s.label ?? '', token: '', hasToken: s.hasToken, removeToken: false })));
    setTrayScope(settings.fleet?.trayScope ?? 'all');
  }, [settings, rows]);

  if (!settings || !rows) return null;
  if (!settings.fleet) return null; // an older server without watched-server support

  const update = (i: number, patch: Partial<Row>) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const test = async (r: Row) => {
    setChecks((c) => ({ ...c, [r.rowId]: { busy: true, ok: true, message: `Trying ${r.url.trim()}…` } }));
    const res = await client.call('testWatchedServer', { url: r.url.trim(), ...(r.token ? { token: r.token } : {}) });
    setChecks((c) => ({ ...c, [r.rowId]: res.ok ? { busy: false, ok: res.value.ok, message: res.value.message } : { busy: false, ok: false, message: res.error.message } }));
  };
  const onSave = async () => {
    setBusy(true);
    setResult(null);
    const r = await save(watchedServersPatch(rows, trayScope));
    setBusy(false);
    if (!r.ok) {
      setResult({ ok: false, message: `Not saved: ${r.error.message}` });
      return;
    }
    const saved = r.value.fleet?.servers ?? [];
    const next = saved.map((s, i) => ({ rowId: rows[i]?.rowId ?? nextRowId++, url: s.url, label: s.label ?? '', token: '', hasToken: s.hasToken, removeToken: false }));
    setRows(next);
    setResult({ ok: true, message: `Saved ${saved.length} server${saved.length === 1 ? '' : 's'} to watch.` });
    await Promise.all(next.map((row) => test(row)));
  };

  return (
    <section className="card settings-group watched-servers" aria-labelledby="watched-title" data-testid="watched-servers">
      <h3 id="watched-title">Servers to watch</h3>
      <p className="muted small">
        Other Headroom servers (<code>headroom serve</code>) shown on the dashboard beside this machine, with their alerts in the tray and the Alerts page. Watching needs only a viewer token: make one on that
        server with <code>headroom token create --role viewer</code> (an admin token works too). It is
        {settings.keyStorage === 'os-encrypted' ? ' encrypted by the operating system' : ' stored in the settings file'} and never sent back to this page.
      </p>
      {rows.length === 0 && <p className="muted small">No server watched.</p>}
      <ol className="backend-rows">
        {rows.map((r, i) => {
          const c = checks[r.rowId];
          const tokenState = r.token ? 'will be saved' : r.removeToken ? 'will be removed' : r.hasToken ? 'stored' : 'not set';
          return (
            <li key={r.rowId} className="backend-row" data-testid={`watched-row-${i}`} aria-label={`Watched server ${i + 1}`}>
              <div className="backend-grid">
                <div className="field">
                  <label htmlFor={`watched-${r.rowId}-url`}>Watched server {i + 1} URL</label>
                  <input id={`watched-${r.rowId}-url`} type="url" value={r.url} placeholder="https://gpu-server-1:7878" autoComplete="off" spellCheck={false} onChange={(e) => update(i, { url: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`watched-${r.rowId}-label`}>Watched server {i + 1} label</label>
                  <input id={`watched-${r.rowId}-label`} type="text" value={r.label} placeholder="Its host name" maxLength={64} onChange={(e) => update(i, { label: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`watched-${r.rowId}-token`}>
                    Watched server {i + 1} token <span className="key-state">({tokenState})</span>
                  </label>
                  <input
                    id={`watched-${r.rowId}-token`}
                    type="password"
                    value={r.token}
                    placeholder={r.hasToken && !r.removeToken ? 'Stored: type to replace' : 'A viewer token (hrv_…)'}
                    autoComplete="new-password"
                    onChange={(e) => update(i, { token: e.target.value, removeToken: false })}
                  />
                </div>
              </div>
              <div className="row-actions">
                <button type="button" className="btn btn-small" disabled={c?.busy || r.url.trim() === ''} onClick={() => void test(r)}>
                  Test connection
                </button>
                {r.hasToken && !r.removeToken && !r.token && (
                  <button type="button" className="btn btn-small" onClick={() => update(i, { removeToken: true })}>
                    Remove token
                  </button>
                )}
                <button type="button" className="btn btn-small btn-danger" onClick={() => setRows(rows.filter((_, j) => j !== i))} aria-label={`Stop watching server ${i + 1}${r.url ? ` (${r.url})` : ''}`}>
                  Stop watching
                </button>
              </div>
              <p className={`test-result small${c && !c.busy ? (c.ok ? ' test-ok' : ' test-fail') : ''}`} role="status" data-testid={`watched-result-${i}`}>
                {c?.message ?? ''}
              </p>
            </li>
          );
        })}
      </ol>
      <div className="row-actions">
        <button type="button" className="btn" onClick={() => setRows([...rows, { rowId: nextRowId++, url: '', label: '', token: '', hasToken: false, removeToken: false }])}>
          Add a server to watch
        </button>
      </div>
      <div className="field">
        <label htmlFor="watched-tray-scope">Tray icon shows</label>
        <select id="watched-tray-scope" value={trayScope} onChange={(e) => setTrayScope(e.target.value as 'local' | 'all')}>
          <option value="all">The worst of this machine and the watched servers</option>
          <option value="local">This machine only</option>
        </select>
      </div>
      <div className="row-actions">
        <button type="button" className="btn btn-primary" disabled={busy} onClick={() => void onSave()}>
          Save servers to watch
        </button>
      </div>
      <p className={`action-result${result ? (result.ok ? ' result-ok' : ' result-fail') : ''}`} role="status" data-testid="watched-save-result">
        {result?.message ?? ''}
      </p>
    </section>
  );
}
