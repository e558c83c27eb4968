import { createContext, useContext, useEffect, useRef, useState } from 'react';
import { type FleetSnapshot } from '../../shared/contract/fleet';
import { useClient } from '../transport/ClientProvider';

/**
 * This machine and the watched Headroom servers. `fleetPublished` arrives while any server is
 * watched; a fleet that stops arriving while local Snapshots continue (servers removed in the
 * settings) is fetched again, so a removed or stale host never lingers as current.
 */
export function useFleet(localAtMs: number | null, intervalMs: number): FleetSnapshot | null {
  const client = useClient();
  const [fleet, setFleet] = useState<FleetSnapshot | null>(null);
  const lastEventMs = useRef(0);
  const fetching = useRef(false);

  useEffect(() => {
    let alive = true;
    const sub = client.on('fleetPublished', (f) => {
      lastEventMs.current = Date.now();
      if (alive) setFleet(f);
    });
    void client.call('getFleet', undefined).then((r) => {
      if (alive && r.ok) setFleet((cur) => (cur && cur.atMs > r.value.atMs ? cur : r.value));
    });
    return () => {
      alive = false;
      sub.dispose();
    };
  }, [client]);

  useEffect(() => {
    if (!fleet || fleet.hosts.length < 2 || localAtMs === null || fetching.current) return;
    if (Date.now() - lastEventMs.current < 3 * intervalMs + 2000) return;
    fetching.current = true;
    void client.call('getFleet', undefined).then((r) => {
      fetching.current = false;
      lastEventMs.current = Date.now();
      if (r.ok) setFleet(r.value);
    });
  }, [client, fleet, localAtMs, intervalMs]);

  return fleet;
}

/** The fleet for components below App (Alerts page, settings), without a second subscription. */
export const FleetContext = createContext<FleetSnapshot | null>(null);
export const useFleetContext = (): FleetSnapshot | null => useContext(FleetContext);
