import { useEffect, useRef, useState } from 'react';
import type { Snapshot } from '../shared/model/snapshot';
import { CapacityPage } from './features/capacity/CapacityPage';
import { AlertsPage } from './features/alerts/AlertsPage';
import { FleetDashboard } from './features/fleet/FleetDashboard';
import { PlannerPage } from './features/planner/PlannerPage';
import { ProbePage } from './features/probe/ProbePage';
import { SettingsPage } from './features/settings/SettingsPage';
import { useLiveSnapshot } from './hooks/useSnapshot';
import { FleetContext, useFleet } from './hooks/useFleet';

export type PageId = 'dashboard' | 'capacity' | 'planner' | 'probe' | 'alerts' | 'settings';
const PAGES: { id: PageId; label: string }[] = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'planner', label: 'Planner' },
  { id: 'capacity', label: 'Capacity' },
  { id: 'probe', label: 'Probe' },
  { id: 'alerts', label: 'Alerts' },
  { id: 'settings', label: 'Settings' },
];

function pageFromHash(): PageId {
  // `#/alerts?alert=<id>` (a clicked desktop notification): the page is the part before `?`.
  const id = location.hash.replace(/^#\/?/, '').split(/[?/]/)[0] ?? '';
  return PAGES.some((p) => p.id === id) ? (id as PageId) : 'dashboard';
}

/** Hash routing (#/planner): works the same from app:// in Electron and http:// in a browser. */
function usePage(): [PageId, (p: PageId) => void] {
  const [page, setPage] = useState<PageId>(pageFromHash);
  useEffect(() => {
    const on = () => setPage(pageFromHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return [page, (p) => (location.hash = `#/${p}`)];
}

/** The last 10 minutes of Snapshots (at most one a second), for the capacity trend. */
function useRecentSnapshots(snapshot: Snapshot | null): readonly Snapshot[] {
  const ring = useRef<Snapshot[]>([]);
  const [view, setView] = useState<readonly Snapshot[]>([]);
  useEffect(() => {
    if (!snapshot) return;
    const r = ring.current;
    const last = r[r.length - 1];
    if (last && snapshot.atMs - last.atMs < 1000) return;
    r.push(snapshot);
    while (r.length && r[0]!.atMs < snapshot.atMs - 600_000) r.shift();
    setView([...r]);
  }, [snapshot]);
  return view;
}

export function App() {
  const { snapshot, history, connected, error, version } = useLiveSnapshot();
  const recent = useRecentSnapshots(snapshot);
  const [page, go] = usePage();
  const compact = new URLSearchParams(location.search).get('view') === 'compact';
  const ready = snapshot !== null;
  const fleet = useFleet(snapshot?.atMs ?? null, snapshot?.intervalMs ?? 1000);
  const activeAlerts = fleet && fleet.hosts.length > 1 ? fleet.alerts.length : (snapshot?.alerts.length ?? 0);
  return (
    <FleetContext.Provider value={fleet}>
    <div className={`app${compact ? ' app-compact' : ''}`} data-app-state={ready ? 'ready' : 'loading'}>
      <header className="topbar">
        <h1>
          Headroom {snapshot?.demo && <span className="badge badge-demo" data-testid="demo-badge">Demo</span>}
        </h1>
        <nav aria-label="Pages" className="tabs">
          {PAGES.map((p) => (
            <a key={p.id} href={`#/${p.id}`} className={`tab${page === p.id ? ' tab-active' : ''}`} aria-current={page === p.id ? 'page' : undefined} onClick={(e) => { e.preventDefault(); go(p.id); }}>
              {p.label}
              {p.id === 'alerts' && activeAlerts > 0 && <span className="count" aria-label={`${activeAlerts} active`}>{activeAlerts}</span>}
            </a>
          ))}
        </nav>
        <span className={`conn ${connected ? 'conn-ok' : 'conn-lost'}`} role="status" data-testid="connection">
          {connected ? (snapshot ? `Updated ${new Date(snapshot.atMs).toLocaleTimeString()}` : 'Connecting…') : 'Connection lost: reconnecting…'}
        </span>
      </header>
      {error && (
        <p className="alert alert-critical" role="alert">
          {error}
        </p>
      )}
      {!ready ? (
        <p className="loading">Waiting for the first reading…</p>
      ) : (
        <main>
          {page === 'dashboard' && <FleetDashboard fleet={fleet} snapshot={snapshot} history={history} version={version} compact={compact} />}
          {page === 'capacity' && <CapacityPage snapshot={snapshot} recent={recent} />}
          {page === 'planner' && <PlannerPage snapshot={snapshot} />}
          {page === 'probe' && <ProbePage snapshot={snapshot} />}
          {page === 'alerts' && <AlertsPage snapshot={snapshot} />}
          {page === 'settings' && <SettingsPage snapshot={snapshot} />}
        </main>
      )}
    </div>
    </FleetContext.Provider>
  );
}
