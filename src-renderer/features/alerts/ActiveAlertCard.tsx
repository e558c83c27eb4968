import { commandShellFromUserAgent } from '../../../shared/alerts/remedies';
import { backendKindLabels } from '../../../shared/model/backend-labels';
import type { Alert, Snapshot } from '../../../shared/model/snapshot';
import { ruleKeyOf } from '../settings/rule-keys';
import { CopyCommand } from './CopyCommand';
import { describeModel, modelsFor, reloadGuidance, unloadTargets, wantsReloadGuidance, type AlertModel } from './fixes';

const kindNames: Record<Alert['kind'], string> = {
  threshold: 'Threshold',
  forecast: 'Forecast',
  spill: 'Spilled to RAM',
  'other-app': 'Other app',
  'backend-down': 'Server down',
  unauthorized: 'Unauthorized',
  preemption: 'Preemption',
  'context-full': 'Context full',
};
const backendNames = backendKindLabels;

export interface ActiveAlertCardProps {
  alert: Alert;
  snapshot: Snapshot;
  /** The alert a clicked notification opened the page at: highlighted and focusable. */
  focused?: boolean;
  isMuted: boolean;
  muteBusy: boolean;
  onToggleMute(ruleKey: string, mute: boolean): void;
  onUnload(target: AlertModel): void;
}

/** One active alert: severity, kind, message, since; mute; one-click unload; reload guidance. */
export function ActiveAlertCard({ alert, snapshot, focused = false, isMuted, muteBusy, onToggleMute, onUnload }: ActiveAlertCardProps) {
  const ruleKey = ruleKeyOf(alert.id);
  const unloads = unloadTargets(alert, snapshot);
  // Commands for the viewer's OS and shell (PowerShell on Windows).
  const shell = commandShellFromUserAgent(navigator.userAgent);
  const guidance = wantsReloadGuidance(alert) ? modelsFor(alert, snapshot).map((m) => reloadGuidance(m, shell)).filter((g) => g !== null) : [];
  const titleId = `alert-${alert.id.replace(/[^\w-]/g, '_')}`;
  return (
    <li className={`card alert-card alert-card-${alert.severity}${focused ? ' alert-card-focused' : ''}`} data-alert-id={alert.id} tabIndex={focused ? -1 : undefined} data-testid={`active-alert-${alert.kind}`} data-severity={alert.severity} aria-labelledby={titleId}>
      <div className="alert-card-head">
        <h3 id={titleId}>
          <span className={`badge badge-${alert.severity}`}>{alert.severity === 'critical' ? 'Critical' : 'Warning'}</span> {kindNames[alert.kind]}{' '}
          <span className="muted small">on {alert.sourceId}</span>
        </h3>
        <span className="muted small">since {new Date(alert.sinceMs).toLocaleTimeString()}</span>
      </div>
      <p className="alert-message">{alert.message}</p>
      <div className="row-actions">
        {unloads.map((t) => (
          <button key={`${t.backend.id}/${t.model.name}`} type="button" className="btn btn-small" onClick={() => onUnload(t)} aria-label={`Unload ${t.model.name} from ${t.backend.id}`}>
            Unload {describeModel(t)}
          </button>
        ))}
        <button type="button" className="btn btn-small" disabled={muteBusy} aria-pressed={isMuted} onClick={() => onToggleMute(ruleKey, !isMuted)}>
          {isMuted ? `Unmute ${ruleKey}` : `Mute ${ruleKey}`}
        </button>
      </div>
      {guidance.length > 0 && (
        <details className="guidance">
          <summary>Reload with a smaller context or a quantized KV cache</summary>
          {guidance.map((g) => (
            <div key={`${g.kind}/${g.model}`} className="guidance-item">
              <p className="small">
                {backendNames[g.kind]}, {g.model}: {g.contextTokens.toLocaleString()} tokens ({g.why}), q8_0 KV (about half the KV memory of f16).
              </p>
              <CopyCommand command={g.command} label={`${backendNames[g.kind]} command for ${g.model}`} />
            </div>
          ))}
        </details>
      )}
    </li>
  );
}
