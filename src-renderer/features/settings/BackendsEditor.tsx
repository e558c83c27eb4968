import { useState } from 'react';
import { backendKindSchema, type BackendKind } from '../../../shared/model/snapshot';
import { useClient } from '../../transport/ClientProvider';
import { describedBy, FieldError } from './Field';
import { fieldId, newRowId, type BackendDraft, type FieldErrors } from './settings-form';
import { backendKindLabels } from '../../../shared/model/backend-labels';

const kindLabels = backendKindLabels;

export interface BackendsEditorProps {
  backends: BackendDraft[];
  errors: FieldErrors;
  onChange(backends: BackendDraft[]): void;
}

/** The LLM servers list: add/remove, URL, optional kind, write-only API key, test connection. */
export function BackendsEditor({ backends, errors, onChange }: BackendsEditorProps) {
  const client = useClient();
  const [tests, setTests] = useState<Record<number, { busy: boolean; message: string; ok: boolean }>>({});
  const update = (i: number, patch: Partial<BackendDraft>) => onChange(backends.map((b, j) => (j === i ? { ...b, ...patch } : b)));

  const test = async (b: BackendDraft) => {
    setTests((t) => ({ ...t, [b.rowId]: { busy: true, message: `Testing ${b.url.trim() || 'the address'}…`, ok: true } }));
    const r = await client.call('testBackend', { url: b.url.trim(), ...(b.apiKey ? { apiKey: b.apiKey } : {}) });
    const result = r.ok ? { busy: false, message: r.value.message, ok: r.value.kind !== null } : { busy: false, message: r.error.message.replace(/^url: /, ''), ok: false };
    setTests((t) => ({ ...t, [b.rowId]: result }));
  };

  return (
    <div className="backends-editor">
      {backends.length === 0 && <p className="muted small">No server added. With discovery on, Headroom finds Ollama, llama.cpp, vLLM and LM Studio on their default ports.</p>}
      <ol className="backend-rows">
        {backends.map((b, i) => {
          const p = `backends.${i}`;
          const urlErr = errors[`${p}.url`];
          const keyErr = errors[`${p}.apiKey`];
          const t = tests[b.rowId];
          const keyState = b.apiKey ? 'will be saved' : b.removeKey ? 'will be removed' : b.hasApiKey ? 'stored' : 'not set';
          return (
            <li key={b.rowId} className="backend-row" data-testid={`backend-row-${i}`} aria-label={`Server ${i + 1}`}>
              <div className="backend-grid">
                <div className="field">
                  <label htmlFor={fieldId(`${p}.url`)}>Server {i + 1} URL</label>
                  <input id={fieldId(`${p}.url`)} type="url" inputMode="url" value={b.url} placeholder="http://127.0.0.1:11434" autoComplete="off" spellCheck={false} onChange={(e) => update(i, { url: e.target.value })} {...describedBy(`${p}.url`, urlErr)} />
                  <FieldError path={`${p}.url`} error={urlErr} />
                </div>
                <div className="field">
                  <label htmlFor={fieldId(`${p}.kind`)}>Server {i + 1} kind</label>
                  <select id={fieldId(`${p}.kind`)} value={b.kind} onChange={(e) => update(i, { kind: e.target.value as BackendKind | '' })}>
                    <option value="">Detect automatically</option>
                    {backendKindSchema.options.map((k) => (
                      <option key={k} value={k}>
                        {kindLabels[k]}
                      </option>
                    ))}
                  </select>
                </div>
                <div className="field">
                  <label htmlFor={fieldId(`${p}.apiKey`)}>
                    Server {i + 1} API key <span className={`key-state key-${keyState.replace(/ /g, '-')}`} data-testid={`key-state-${i}`}>({keyState})</span>
                  </label>
                  <input
                    id={fieldId(`${p}.apiKey`)}
                    type="password"
                    value={b.apiKey}
                    placeholder={b.hasApiKey && !b.removeKey ? 'Stored: type to replace' : 'Optional'}
                    autoComplete="new-password"
                    onChange={(e) => update(i, { apiKey: e.target.value, removeKey: false })}
                    {...describedBy(`${p}.apiKey`, keyErr)}
                  />
                  <FieldError path={`${p}.apiKey`} error={keyErr} />
                </div>
              </div>
              <div className="row-actions">
                <button type="button" className="btn btn-small" disabled={t?.busy || b.url.trim() === ''} onClick={() => void test(b)}>
                  Test connection
                </button>
                {b.hasApiKey && !b.removeKey && !b.apiKey && (
                  <button type="button" className="btn btn-small" onClick={() => update(i, { removeKey: true })}>
                    Remove key
                  </button>
                )}
                {b.removeKey && (
                  <button type="button" className="btn btn-small" onClick={() => update(i, { removeKey: false })}>
                    Keep key
                  </button>
                )}
                <button type="button" className="btn btn-small btn-danger" onClick={() => onChange(backends.filter((_, j) => j !== i))} aria-label={`Remove server ${i + 1}${b.url ? ` (${b.url})` : ''}`}>
                  Remove server
                </button>
              </div>
              <p className={`test-result small${t && !t.busy ? (t.ok ? ' test-ok' : ' test-fail') : ''}`} role="status" data-testid={`test-result-${i}`}>
                {t?.message ?? ''}
              </p>
            </li>
          );
        })}
      </ol>
      <button type="button" className="btn" onClick={() => onChange([...backends, { rowId: newRowId(), kind: '', url: '', hasApiKey: false, apiKey: '', removeKey: false }])}>
        Add server
      </button>
    </div>
  );
}
