/**
 * Desktop notifications for alerts: one when an alert is raised (or escalates to critical), none
 * while snoozed or disabled, none for alerts that were already active. At most `maxPerUpdate`
 * per Snapshot, the rest summed up in one line, so a burst cannot flood the notification centre.
 */
import type { Alert, Snapshot } from '../../shared/model/snapshot';

export interface AlertNotification {
  title: string;
  body: string;
  urgency: 'normal' | 'critical';
  /** The alert a click opens the dashboard at; null for the "N more alerts" summary. */
  alertId: string | null;
}

export interface AlertNotifier {
  /** Returns the notifications shown for this Snapshot (also passed to `show`). */
  update(snapshot: Snapshot, options: { nowMs: number; snoozedUntilMs: number | null; enabled: boolean }): AlertNotification[];
}

const key = (a: Alert) => `${a.id}\u0000${a.severity}`;

export function createAlertNotifier(deps: { show: (n: AlertNotification) => void; maxPerUpdate?: number }): AlertNotifier {
  const max = deps.maxPerUpdate ?? 3;
  let active = new Set<string>();
  return {
    update(snapshot, { nowMs, snoozedUntilMs, enabled }) {
      const next = new Set<string>();
      const raised: Alert[] = [];
      for (const a of snapshot.alerts) {
        const k = key(a);
        next.add(k);
        if (!active.has(k)) raised.push(a);
      }
      active = next;
      const snoozed = snoozedUntilMs != null && snoozedUntilMs > nowMs;
      if (!enabled || snoozed || raised.length === 0) return [];
      raised.sort((a, b) => (a.severity === b.severity ? a.sinceMs - b.sinceMs : a.severity === 'critical' ? -1 : 1));
      const shown: AlertNotification[] = raised.slice(0, max).map((a) => ({
        title: `Headroom: ${a.severity === 'critical' ? 'critical' : 'warning'} on ${a.sourceId}`,
        body: a.message,
        urgency: a.severity === 'critical' ? 'critical' : 'normal',
        alertId: a.id,
      }));
      if (raised.length > max) {
        const rest = raised.length - max;
        shown.push({ title: 'Headroom', body: `${rest} more alert${rest === 1 ? '' : 's'}: open the dashboard for details.`, urgency: 'normal', alertId: null });
      }
      for (const n of shown) deps.show(n);
      return shown;
    },
  };
}
