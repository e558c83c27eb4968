import { useEffect, useState } from 'react';
import type { Snapshot } from '../../../shared/model/snapshot';
import { useAlertLog } from '../../hooks/useAlertLog';
import { useSettings } from '../../hooks/useSettings';
import { useClient } from '../../transport/ClientProvider';
import { RULE_KEYS } from '../settings/rule-keys';
import { ActiveAlertCard } from './ActiveAlertCard';
import { AlertHistory } from './AlertHistory';
import { RemoteAlerts } from '../fleet/RemoteAlerts';
import { ConfirmDialog } from './ConfirmDialog';
import { describeModel, type AlertModel } from './fixes';

type Outcome = { ok: boolean; message: string } | null;

function snoozeText(snapshot: Snapshot): string {
  const s = snapshot.delivery?.snoozes.find((x) => x.target === '*');
  if (!s) return 'Notifications are on.';
  if (s.untilMs === null) return 'Notifications are snoozed until Headroom restarts.';
  return `Notifications are snoozed until ${new Date(s.untilMs).toLocaleTimeString()}.`;
}

/** Active alerts with fixes, snooze, mute per rule, and the transition history. */
export function AlertsPage({ snapshot }: { snapshot: Snapshot }) {
  const client = useClient();
  const { settings, save } = useSettings();
  const log = useAlertLog(snapshot.atMs);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [pending, setPending] = useState<AlertModel | null>(null);
  const [busy, setBusy] = useState(false);
  const [muteBusy, setMuteBusy] = useState(false);

  const muted = settings?.alerts.mutedRules ?? snapshot.delivery?.mutedRules ?? [];
  const snoozed = snapshot.delivery?.snoozes.some((x) => x.target === '*') ?? false;

  const snooze = async (durationMs: number | null) => {
    const r = await client.call('snoozeAlerts', { durationMs });
    setOutcome(r.ok ? { ok: true, message: r.value.message } : { ok: false, message: r.error.message });
  };

  const toggleMute = async (ruleKey: string, mute: boolean) => {
    setMuteBusy(true);
    const next = mute ? [...new Set([...muted, ruleKey])] : muted.filter((k) => k !== ruleKey);
    const r = await save({ alerts: { mutedRules: next } });
    setMuteBusy(false);
    setOutcome(r.ok ? { ok: true, message: mute ? `Muted ${ruleKey}: no notifications or webhooks for it.` : `Unmuted ${ruleKey}.` } : { ok: false, message: r.error.message });
  };

  const unload = async () => {
    if (!pending) return;
    setBusy(true);
    const r = await client.call('unloadModel', { backendId: pending.backend.id, model: pending.model.name });
    setBusy(false);
    setPending(null);
    setOutcome(r.ok ? { ok: true, message: r.value.message } : { ok: false, message: r.error.message });
  };

  // Opened from a desktop notification (`#/alerts?alert=<id>`): bring that alert into view once.
  const focusId = new URLSearchParams(location.hash.split('?')[1] ?? '').get('alert');
  const focusPresent = focusId !== null && snapshot.alerts.some((a) => a.id === focusId);
  useEffect(() => {
    if (!focusId || !focusPresent) return;
    const card = document.querySelector<HTMLElement>(`[data-alert-id="${CSS.escape(focusId)}"]`);
    card?.scrollIntoView({ block: 'center' });
    card?.focus();
  }, [focusId, focusPresent]);

  const labelOf = (key: string) => RULE_KEYS.find((r) => r.key === key)?.label ?? key;

  return (
    <div className="alerts-page" data-updated={snapshot.atMs}>
      <h2 className="section-title">Alerts</h2>
      <p className={`action-result${outcome ? (outcome.ok ? ' result-ok' : ' result-fail') : ''}`} role="status" data-testid="action-result">
        {outcome?.message ?? ''}
      </p>

      <section className="card" aria-labelledby="snooze-title">
        <h3 id="snooze-title">Notifications</h3>
        <p data-testid="snooze-state">{snoozeText(snapshot)}</p>
        <div className="row-actions">
          <button type="button" className="btn btn-small" onClick={() => void snooze(3_600_000)}>
            Snooze 1 h
          </button>
          <button type="button" className="btn btn-small" onClick={() => void snooze(null)}>
            Snooze until restart
          </button>
          <button type="button" className="btn btn-small" disabled={!snoozed} onClick={() => void snooze(0)}>
            End snooze
          </button>
        </div>
        <p className="muted small">Snoozing holds back desktop notifications and webhooks; alerts still show here and on the dashboard.</p>
        {muted.length > 0 && (
          <div>
            <h4 className="small">Muted rules</h4>
            <ul className="muted-list" data-testid="muted-rules">
              {muted.map((k) => (
                <li key={k}>
                  {labelOf(k)} <code className="muted">{k}</code>{' '}
                  <button type="button" className="btn btn-small" disabled={muteBusy} onClick={() => void toggleMute(k, false)}>
                    Unmute {k}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
      </section>

      <section aria-labelledby="active-title">
        <h3 id="active-title" className="section-title">
          Active ({snapshot.alerts.length})
        </h3>
        {snapshot.alerts.length === 0 ? (
          <p className="card muted" data-testid="no-active-alerts">
            No active alert: every GPU is below its thresholds and every server answers.
          </p>
        ) : (
          <ul className="alert-cards">
            {snapshot.alerts.map((a) => (
              <ActiveAlertCard key={a.id} alert={a} snapshot={snapshot} focused={a.id === focusId} isMuted={muted.includes(a.id.split(':')[0]!)} muteBusy={muteBusy} onToggleMute={(k, m) => void toggleMute(k, m)} onUnload={setPending} />
            ))}
          </ul>
        )}
      </section>

      <RemoteAlerts muted={muted} muteBusy={muteBusy} onToggleMute={(k, m) => void toggleMute(k, m)} />

      <section className="card" aria-labelledby="history-title">
        <h3 id="history-title">History</h3>
        <AlertHistory log={log} />
      </section>

      {pending && (
        <ConfirmDialog title={`Unload ${pending.model.name}?`} confirmLabel="Unload" busy={busy} onConfirm={() => void unload()} onCancel={() => setPending(null)}>
          <p>
            Ollama at {pending.backend.url} will free {describeModel(pending)} now (<code>keep_alive: 0</code>). The next request to it loads it again.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
