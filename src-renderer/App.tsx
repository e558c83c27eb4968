import { lazy, memo, Suspense, useEffect, useMemo, useRef, useState } from 'react';
import type { Snapshot } from '../shared/model/snapshot';
import { FleetDashboard } from './features/fleet/FleetDashboard';
import { useLiveSnapshot } from './hooks/useSnapshot';
import { FleetContext, useFleet } from './hooks/useFleet';

// The other pages load when first opened: the dashboard's first paint does not wait for their code.
const CapacityPage = lazy(() => import('./features/capacity/CapacityPage').then((m) => ({ default: m.CapacityPage })));
const AlertsPage = lazy(() => import('./features/alerts/AlertsPage').then((m) => ({ default: m.AlertsPage })));
const PlannerPage = lazy(() => import('./features/planner/PlannerPage').then((m) => ({ default: m.PlannerPage })));
const ProbePage = lazy(() => import('./features/probe/ProbePage').then((m) => ({ default: m.ProbePage })));
const SettingsPage = lazy(() => import('./features/settings/SettingsPage').then((m) => ({ default: m.SettingsPage })));

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
  const go = useRef((p: PageId) => void (location.hash = `#/${p}`)).current;
  return [page, go];
}

/**
 * The last 10 minutes of Snapshots (at most one a second), for the capacity trend. Kept without
 * a state update of its own (that would render the whole page a second time each second); a
 * fresh copy is handed out only while the page that reads it is shown.
 */
function useRecentSnapshots(snapshot: Snapshot | null, wanted: boolean): readonly Snapshot[] {
  const ring = useRef<Snapshot[]>([]);
  const r = ring.current;
  const last = r[r.length - 1];
  // Idempotent (keyed by time), so a repeated render adds nothing.
  if (snapshot && (!last || snapshot.atMs - last.atMs >= 1000)) {
    r.push(snapshot);
    while (r.length && r[0]!.atMs < snapshot.atMs - 600_000) r.shift();
  }
  const newest = r[r.length - 1];
  return useMemo(() => (wanted ? [...r] : NO_SNAPSHOTS), [wanted, newest, r]);
}
const NO_SNAPSHOTS: readonly Snapshot[] = [];

/** The tray's compact window (`?view=compact`); the query never changes while the page is open. */
const COMPACT = typeof location !== 'undefined' && new URLSearchParams(location.search).get('view') === 'compact';

/** Time formatter made once (`toLocaleTimeString` builds a new one per call). */
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: 'numeric', second: 'numeric' });

const PageTabs = memo(function PageTabs({ page, go, activeAlerts }: { page: PageId; go: (p: PageId) => void; activeAlerts: number }) {
  return (
    <nav aria-label="Pages" className="tabs">
      {PAGES.map((p) => (
        <a key={p.id} href={`#/${p.id}`} className={`tab${page === p.id ? ' tab-active' : ''}`} aria-current={page === p.id ? 'page' : undefined} onClick={(e) => { e.preventDefault(); go(p.id); }}>
          {p.label}
          {p.id === 'alerts' && activeAlerts > 0 && <span className="count" aria-label={`${activeAlerts} active`}>{activeAlerts}</span>}
        </a>
      ))}
    </nav>
  );
});

/** `initialSnapshot`: the first Snapshot when it came before React started (see main.tsx). */
export function App({ initialSnapshot = null }: { initialSnapshot?: Snapshot | null }) {
  const { snapshot, history, connected, error, version } = useLiveSnapshot(undefined, initialSnapshot);
  const [page, go] = usePage();
  const recent = useRecentSnapshots(snapshot, page === 'capacity');
  const compact = COMPACT;
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
        <PageTabs page={page} go={go} activeAlerts={activeAlerts} />
        <span className={`conn ${connected ? 'conn-ok' : 'conn-lost'}`} role="status" data-testid="connection">
          {connected ? (snapshot ? `Updated ${CLOCK.format(snapshot.atMs)}` : 'Connecting…') : 'Connection lost: reconnecting…'}
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
          {page !== 'dashboard' && (
            <Suspense fallback={<p className="loading">Loading…</p>}>
              {page === 'capacity' && <CapacityPage snapshot={snapshot} recent={recent} />}
              {page === 'planner' && <PlannerPage snapshot={snapshot} />}
              {page === 'probe' && <ProbePage snapshot={snapshot} />}
              {page === 'alerts' && <AlertsPage snapshot={snapshot} />}
              {page === 'settings' && <SettingsPage snapshot={snapshot} />}
            </Suspense>
          )}
        </main>
      )}
    </div>
    </FleetContext.Provider>
  );
}
