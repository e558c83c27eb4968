import type { AlertTransition } from '../../../shared/alerts/rules';

/** Recent raised/cleared transitions, newest first (a list, so it wraps at 420 px). */
export function AlertHistory({ log }: { log: AlertTransition[] }) {
  if (log.length === 0) return <p className="muted small">No alert has been raised since Headroom started.</p>;
  return (
    <ol className="alert-log" data-testid="alert-log">
      {log.map((t) => (
        <li key={`${t.alert.id}@${t.atMs}/${t.type}`} className={`log-item log-${t.type}`} data-type={t.type} data-kind={t.alert.kind} data-severity={t.alert.severity}>
          <time dateTime={new Date(t.atMs).toISOString()} className="muted small">
            {new Date(t.atMs).toLocaleString()}
          </time>{' '}
          <span className={t.type === 'raised' ? `badge badge-${t.alert.severity}` : 'badge badge-ok'}>{t.type === 'raised' ? `Raised ${t.alert.severity}` : 'Cleared'}</span>{' '}
          <code className="small">{t.ruleKey}</code>
          <p className="small log-message">{t.alert.message}</p>
        </li>
      ))}
    </ol>
  );
}
