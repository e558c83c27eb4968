import './fleet.css';
import type { FleetSnapshot } from '../../../shared/contract/fleet';
import { LOCAL_HOST_ID } from '../../../shared/contract/fleet-ids';
import { DashboardPage, type DashboardPageProps } from '../dashboard/DashboardPage';
import { HostHeader, hostDomId, RemoteHostSection } from './RemoteHostSection';
import { statusLevel, statusWords } from './host-status';

/**
 * The dashboard over several machines: this one first (the full dashboard), then one section
 * per watched server. With no server watched it is the one-machine dashboard, unchanged.
 */
export function FleetDashboard({ fleet, ...props }: DashboardPageProps & { fleet: FleetSnapshot | null }) {
  const local = fleet?.hosts.find((h) => h.id === LOCAL_HOST_ID);
  const remotes = fleet?.hosts.filter((h) => h.id !== LOCAL_HOST_ID) ?? [];
  if (!local || remotes.length === 0) return <DashboardPage {...props} />;
  const hosts = [local, ...remotes];
  return (
    <>
      <nav className="host-strip" aria-label="Hosts" data-testid="host-strip">
        {hosts.map((h) => (
          <a key={h.id} href={`#${hostDomId(h)}`} className="host-chip" onClick={(e) => { e.preventDefault(); document.getElementById(hostDomId(h))?.scrollIntoView(); }}>
            <span className={`dot dot-${({ ok: 'ok', none: 'unavailable', warning: 'warning', critical: 'error' } as const)[statusLevel(h.status)]}`} aria-hidden="true" />
            {h.label} <span className="muted small">{h.id === LOCAL_HOST_ID ? 'this machine' : statusWords(h.status)}</span>
          </a>
        ))}
      </nav>
      <section className="host-section host-ok" aria-labelledby={`${hostDomId(local)}-title`} id={hostDomId(local)} data-testid="host-section" data-host={local.label} data-status="ok">
        <HostHeader host={{ ...local, snapshot: props.snapshot, status: 'ok' }} />
        <DashboardPage {...props} />
      </section>
      {remotes.map((h) => (
        <RemoteHostSection key={h.id} host={h} />
      ))}
    </>
  );
}
