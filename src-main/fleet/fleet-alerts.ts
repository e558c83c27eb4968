/**
 * Alerts across hosts (pure): a watched server's active alerts labelled with the host, one
 * `backend-down`-style alert per host that is not answering, and the raised/cleared transitions
 * between two sets (remote servers send their active list, not transitions).
 */
import type { AlertTransition } from '../../shared/alerts/rules';
import { fleetRuleKey, type FleetAlert, type FleetHost } from '../../shared/contract/fleet';
import type { Alert, AlertKind, Snapshot } from '../../shared/model/snapshot';

/** A remote alert as this host's own: id prefixed with the host id, the host named in the message. */
export function remoteAlert(host: Pick<FleetHost, 'id' | 'label'>, a: Alert): FleetAlert {
  return { ...a, id: `${host.id}/${a.id}`, hostId: host.id, hostLabel: host.label };
}

const HOST_ALERT_KIND: Partial<Record<FleetHost['status'], AlertKind>> = {
  unreachable: 'backend-down',
  unauthorized: 'unauthorized',
  incompatible: 'backend-down',
  refused: 'backend-down',
};

/** The alert for a host that is not answering (or refused): null while it is fine, connecting or merely stale. */
export function hostAlert(host: FleetHost): FleetAlert | null {
  const kind = HOST_ALERT_KIND[host.status];
  if (!kind) return null;
  return {
    id: `${host.id}/host-${host.status}`,
    severity: host.status === 'unreachable' ? 'critical' : 'warning',
    kind,
    message: host.message ?? `${host.label}: ${host.status}`,
    sourceId: host.id,
    sinceMs: Math.max(0, Math.round(host.sinceMs ?? 0)),
    hostId: host.id,
    hostLabel: host.label,
  };
}

/** The rule key of an alert id, so mutes apply to remote alerts too. */
export const ruleKeyOf = fleetRuleKey;

/** A fleet alert as a plain Alert for the log, tray and notifications: the host named in front. */
export function labelled(a: FleetAlert): Alert {
  const prefix = `${a.hostLabel}: `;
  return {
    id: a.id,
    severity: a.severity,
    kind: a.kind,
    message: a.message.startsWith(prefix) || a.message.startsWith(`${a.hostLabel} `) ? a.message : `${prefix}${a.message}`,
    sourceId: a.sourceId.startsWith(a.hostId) ? a.hostLabel : `${a.hostLabel} ${a.sourceId}`,
    sinceMs: a.sinceMs,
  };
}

/** Raised/cleared transitions from `before` to `after` (by id; a changed severity is a new raise). */
export function diffAlerts(before: ReadonlyMap<string, FleetAlert>, after: ReadonlyMap<string, FleetAlert>, atMs: number): AlertTransition[] {
  const out: AlertTransition[] = [];
  for (const [id, a] of before) {
    const next = after.get(id);
    if (!next || next.severity !== a.severity) out.push({ type: 'cleared', alert: labelled(a), ruleKey: ruleKeyOf(id), value: null, atMs });
  }
  for (const [id, a] of after) {
    const prev = before.get(id);
    if (!prev || prev.severity !== a.severity) out.push({ type: 'raised', alert: labelled(a), ruleKey: ruleKeyOf(id), value: null, atMs });
  }
  return out;
}

/**
 * The local Snapshot for the tray and notifications, with the watched hosts' alerts added
 * (labelled) when `scope` is `all`. Numbers stay this machine's own.
 */
export function withFleetAlerts(local: Snapshot, fleetAlerts: readonly FleetAlert[], scope: 'local' | 'all'): Snapshot {
  if (scope === 'local') return local;
  const remote = fleetAlerts.filter((a) => a.hostId !== 'local');
  if (!remote.length) return local;
  return { ...local, alerts: [...local.alerts, ...remote.map(labelled)] };
}
