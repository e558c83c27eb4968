import { fleetRuleKey, LOCAL_HOST_ID } from '../../../shared/contract/fleet-ids';
import { useFleetContext } from '../../hooks/useFleet';

/** Watched servers' active alerts on the Alerts page, each labelled with its host; mute works by rule as for local ones. */
export function RemoteAlerts({ muted, muteBusy, onToggleMute }: { muted: readonly string[]; muteBusy: boolean; onToggleMute(ruleKey: string, mute: boolean): void }) {
  const fleet = useFleetContext();
  if (!fleet || fleet.hosts.length < 2) return null;
  const alerts = fleet.alerts.filter((a) => a.hostId !== LOCAL_HOST_ID);
  return (
    <section aria-labelledby="remote-alerts-title" data-testid="remote-alerts">
      <h3 id="remote-alerts-title" className="section-title">
        Watched servers ({alerts.length})
      </h3>
      {alerts.length === 0 ? (
        <p className="card muted">No active alert on the watched servers, and every one of them answers.</p>
      ) : (
        <ul className="alert-cards">
          {alerts.map((a) => {
            const key = fleetRuleKey(a.id);
            const isMuted = muted.includes(key);
            return (
              <li key={a.id} className={`card alert-card alert-${a.severity}`} data-testid="remote-alert" data-host={a.hostLabel}>
                <p>
                  <span className="badge badge-none host-label">{a.hostLabel}</span> <strong>{a.severity === 'critical' ? 'Critical' : 'Warning'}:</strong> {a.message}
                </p>
                <p className="muted small">
                  since {new Date(a.sinceMs).toLocaleTimeString()} · rule <code>{key}</code>
                  {isMuted ? ' (muted)' : ''}{' '}
                  <button type="button" className="btn btn-small" disabled={muteBusy} onClick={() => onToggleMute(key, !isMuted)}>
                    {isMuted ? `Unmute ${key}` : `Mute ${key}`}
                  </button>
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
