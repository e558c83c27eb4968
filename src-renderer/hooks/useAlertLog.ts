import { useEffect, useRef, useState } from 'react';
import type { AlertTransition } from '../../shared/alerts/rules';
import { useClient } from '../transport/ClientProvider';

/**
 * Recent alert transitions (newest first). Re-read when `refreshKey` changes (e.g. the
 * Snapshot's `atMs`), at most once per `minIntervalMs`, so a fast monitor does not flood the server.
 */
export function useAlertLog(refreshKey: number, { limit = 100, minIntervalMs = 2000 } = {}): AlertTransition[] {
  const client = useClient();
  const [log, setLog] = useState<AlertTransition[]>([]);
  const lastRef = useRef(0);
  const inFlight = useRef(false);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    const now = Date.now();
    if (inFlight.current || now - lastRef.current < minIntervalMs) return;
    inFlight.current = true;
    lastRef.current = now;
    void client.call('getAlertLog', { limit }).then((r) => {
      inFlight.current = false;
      if (mounted.current && r.ok) setLog(r.value);
    });
  }, [client, refreshKey, limit, minIntervalMs]);

  return log;
}
