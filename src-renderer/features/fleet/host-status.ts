/** Words for a host's status (pure, tested): the badge, its level, and the "since …" line. */
import type { FleetHost } from '../../../shared/contract/fleet';

const STATUS_WORDS: Record<FleetHost['status'], string> = {
  ok: 'Live',
  connecting: 'Connecting…',
  stale: 'No updates',
  unreachable: 'Unreachable',
  unauthorized: 'Unauthorized',
  incompatible: 'Incompatible version',
  refused: 'Data refused',
};

export function statusWords(status: FleetHost['status']): string {
  return STATUS_WORDS[status];
}

export function statusLevel(status: FleetHost['status']): 'ok' | 'warning' | 'critical' | 'none' {
  if (status === 'ok') return 'ok';
  if (status === 'connecting') return 'none';
  if (status === 'unreachable') return 'critical';
  return 'warning';
}

const time = (ms: number) => new Date(ms).toLocaleTimeString();

/** "Updated 10:02:03", "Unreachable since 10:01:55 · last reading 10:01:54", "Connecting since …". */
export function sinceLine(host: FleetHost): string {
  if (host.status === 'ok') return host.snapshot ? `Updated ${time(host.snapshot.atMs)}` : 'Live';
  const since = host.sinceMs !== null ? ` since ${time(host.sinceMs)}` : '';
  const last = host.lastSeenMs !== null ? ` · last reading ${time(host.lastSeenMs)}; figures hidden until it answers` : ' · no reading yet';
  return `${statusWords(host.status)}${since}${last}`;
}
