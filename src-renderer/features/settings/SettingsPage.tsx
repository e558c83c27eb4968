import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Snapshot } from '../../../shared/model/snapshot';
import { useSettings } from '../../hooks/useSettings';
import { BackendsEditor } from './BackendsEditor';
import { WatchedServersEditor } from '../fleet/WatchedServersEditor';
import { PerGpuEditor } from './PerGpuEditor';
import { CheckField, TextField } from './Field';
import { RULE_KEYS } from './rule-keys';
import { WebhookTest } from './WebhookTest';
import { draftFrom, fieldId, fieldPaths, serverErrors, validateDraft, type FieldErrors, type SettingsDraft } from './settings-form';

type SaveState = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; message: string } | { kind: 'failed'; message: string };

/** Settings: servers, thresholds, polling, notifications, muted rules, retention; saved live. */
export function SettingsPage({ snapshot }: { snapshot: Snapshot }) {
  const { settings, loadError, save } = useSettings();
  const [draft, setDraft] = useState<SettingsDraft | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'idle' });
  const formRef = useRef<HTMLFormElement | null>(null);
  const focusFirstError = useRef(false);

  useEffect(() => {
    if (settings && draft === null) setDraft(draftFrom(settings));
  }, [settings, draft]);

  useEffect(() => {
    if (!focusFirstError.current) return;
    focusFirstError.current = false;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);

  if (loadError) {
    return (
      <section className="card settings" aria-labelledby="settings-title" data-updated={snapshot.atMs}>
        <h2 id="settings-title">Settings</h2>
        <p className="field-error" role="alert">
          Could not read the settings: {loadError}
        </p>
      </section>
    );
  }
  if (!settings || !draft) {
    return (
      <section className="card settings" aria-labelledby="settings-title" aria-busy="true" data-updated={snapshot.atMs}>
        <h2 id="settings-title">Settings</h2>
        <p className="muted">Loading settings…</p>
      </section>
    );
  }

  const set = (patch: Partial<SettingsDraft>) => {
    setDraft({ ...draft, ...patch });
    if (saveState.kind === 'saved') setSaveState({ kind: 'idle' });
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    const { errors: clientErrors, patch } = validateDraft(draft);
    setFormErrors([]);
    if (!patch) {
      setErrors(clientErrors);
      focusFirstError.current = true;
      setSaveState({ kind: 'failed', message: `Not saved: fix the ${Object.keys(clientErrors).length === 1 ? 'field' : `${Object.keys(clientErrors).length} fields`} marked below.` });
      return;
    }
    setErrors({});
    setSaveState({ kind: 'saving' });
    const r = await save(patch);
    if (r.ok) {
      setDraft(draftFrom(r.value));
      setSaveState({ kind: 'saved', message: 'Saved and applied: the next reading uses these settings.' });
      return;
    }
    if (r.error.code === 'bad-request') {
      const mapped = serverErrors(r.error.message, fieldPaths(draft));
      setErrors(mapped.fields);
      setFormErrors(mapped.form);
      focusFirstError.current = true;
    }
    setSaveState({ kind: 'failed', message: `Not saved: ${r.error.message}` });
  };

  const toggleMuted = (key: string, on: boolean) => set({ mutedRules: on ? [...new Set([...draft.mutedRules, key])] : draft.mutedRules.filter((k) => k !== key) });
  const inEffect = snapshot.thresholds;

  return (
    <section className="settings" aria-labelledby="settings-title" data-updated={snapshot.atMs}>
      <h2 id="settings-title" className="section-title">
        Settings
      </h2>
      {settings.notices.length > 0 && (
        <div className="notices" role="note" aria-label="Settings notices" data-testid="settings-notices">
          <ul>
            {settings.notices.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </div>
      )}
      <form ref={formRef} className="settings-form" noValidate onSubmit={(e) => void onSubmit(e)} aria-describedby="settings-file">
        <fieldset className="card settings-group">
          <legend>LLM servers</legend>
          <p className="muted small" data-testid="key-storage">
            {settings.keyStorage === 'os-encrypted'
              ? 'API keys are encrypted by the operating system and never sent back to this page.'
              : `API keys are stored in plain text in the settings file${settings.filePath ? ` (${settings.filePath})` : ''}; this page never receives them, only whether one is set.`}
          </p>
          <BackendsEditor backends={draft.backends} errors={errors} onChange={(backends) => set({ backends })} />
          <CheckField path="monitor.discover" label="Find local LLM servers on their default ports" checked={draft.discover} onChange={(discover) => set({ discover })} />
        </fieldset>

        <fieldset className="card settings-group">
          <legend>Monitoring</legend>
          <div className="field-row">
            <TextField path="monitor.warningPct" label="Warning threshold" unit="% of VRAM" type="number" inputMode="decimal" value={draft.warningPct} onChange={(warningPct) => set({ warningPct })} error={errors['monitor.warningPct']} />
            <TextField path="monitor.criticalPct" label="Critical threshold" unit="% of VRAM" type="number" inputMode="decimal" value={draft.criticalPct} onChange={(criticalPct) => set({ criticalPct })} error={errors['monitor.criticalPct']} />
            <TextField path="monitor.intervalMs" label="Poll interval" unit="ms" type="number" inputMode="numeric" value={draft.intervalMs} onChange={(intervalMs) => set({ intervalMs })} error={errors['monitor.intervalMs']} hint="250–60000 ms between readings." />
          </div>
          {inEffect && (
            <p className="muted small" data-testid="thresholds-in-effect">
              In effect now: warning {inEffect.warningPct}%, critical {inEffect.criticalPct}% of GPU memory
              {Object.entries(inEffect.perGpu ?? {})
                .map(([id, t]) => (t.ignoreVram ? `; ${id}: no VRAM alerts` : `; ${id}: ${t.warningPct}% / ${t.criticalPct}%`))
                .join('')}
              .
            </p>
          )}
          {snapshot.gpus.length > 0 && (
            <PerGpuEditor
              gpus={snapshot.gpus}
              perGpu={draft.perGpu}
              errors={errors}
              globalWarning={draft.warningPct}
              globalCritical={draft.criticalPct}
              onChange={(perGpu) => set({ perGpu })}
            />
          )}
        </fieldset>

        <fieldset className="card settings-group">
          <legend>Alerts</legend>
          <CheckField path="alerts.notifications" label="Desktop notifications" checked={draft.notifications} onChange={(notifications) => set({ notifications })} hint="Tray app only; the dashboard always shows alerts." />
          <TextField path="alerts.webhookUrl" label="Webhook URL" type="url" inputMode="url" placeholder="https://example.com/hook (empty: off)" value={draft.webhookUrl} onChange={(webhookUrl) => set({ webhookUrl })} error={errors['alerts.webhookUrl']} hint="Receives a POST for each alert raised or cleared: Slack and Microsoft Teams URLs get their own message format, any other URL plain JSON." />
          <WebhookTest url={draft.webhookUrl} />
          <fieldset className="muted-rules" aria-describedby="muted-hint">
            <legend>Muted rules</legend>
            <p className="hint muted small" id="muted-hint">
              Muted rules still show here and on the dashboard, but send no notification or webhook.
            </p>
            <div className="check-grid">
              {RULE_KEYS.map((r) => (
                <div key={r.key} className="field-check">
                  <input id={fieldId(`alerts.mutedRules.${r.key}`)} type="checkbox" checked={draft.mutedRules.includes(r.key)} onChange={(e) => toggleMuted(r.key, e.target.checked)} />
                  <label htmlFor={fieldId(`alerts.mutedRules.${r.key}`)}>
                    {r.label} <code className="muted">{r.key}</code>
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
        </fieldset>

        <fieldset className="card settings-group">
          <legend>History</legend>
          <TextField path="history.retentionDays" label="Keep history for" unit="days" type="number" inputMode="numeric" value={draft.retentionDays} onChange={(retentionDays) => set({ retentionDays })} error={errors['history.retentionDays']} hint="Older days are deleted from disk." />
        </fieldset>

        <div className="save-bar">
          <button type="submit" className="btn btn-primary" disabled={saveState.kind === 'saving'}>
            {saveState.kind === 'saving' ? 'Saving…' : 'Save settings'}
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => {
              setDraft(draftFrom(settings));
              setErrors({});
              setFormErrors([]);
              setSaveState({ kind: 'idle' });
            }}
          >
            Discard changes
          </button>
          <p className={`save-status${saveState.kind === 'failed' ? ' field-error' : ''}`} role="status" data-testid="save-status">
            {saveState.kind === 'saved' || saveState.kind === 'failed' ? saveState.message : ''}
          </p>
        </div>
        {formErrors.length > 0 && (
          <ul className="field-error" data-testid="form-errors">
            {formErrors.map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
        )}
        <p className="muted small" id="settings-file">
          {settings.filePath ? `Settings file: ${settings.filePath}` : 'Settings are not saved to a file in this mode.'}
        </p>
      </form>
      <WatchedServersEditor />
    </section>
  );
}
