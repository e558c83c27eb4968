import type { Alert } from '../../../shared/model/snapshot';

export function AlertBanner({ alerts }: { alerts: Alert[] }) {
  if (!alerts.length) return null;
  const sorted = [...alerts].sort((a, b) => (a.severity === b.severity ? a.sinceMs - b.sinceMs : a.severity === 'critical' ? -1 : 1));
  return (
    <section className="alerts" aria-label="Active alerts" data-testid="alerts">
      {sorted.map((a) => (
        <div key={a.id} className={`alert alert-${a.severity}`} role={a.severity === 'critical' ? 'alert' : 'status'} data-testid={`alert-${a.kind}`} data-severity={a.severity}>
          <strong>{a.severity === 'critical' ? 'Critical' : 'Warning'}:</strong> {a.message}
          <span className="muted small"> since {new Date(a.sinceMs).toLocaleTimeString()}</span>
        </div>
      ))}
      <a className="small banner-link" href="#/alerts">
        Fixes, snooze and alert history
      </a>
    </section>
  );
}
