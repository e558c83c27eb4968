/** Id of the local machine in a FleetSnapshot. */
export const LOCAL_HOST_ID = 'local';

/**
 * The rule key of a (remote or host) alert id, so mutes apply across hosts:
 * `host:a:7878/vram-critical:gpu:0` → `vram-critical`; a host's own alert → `host-down`.
 */
export function fleetRuleKey(alertId: string): string {
  const local = alertId.slice(alertId.lastIndexOf('/') + 1);
  if (local.startsWith('host-')) return 'host-down';
  if (local.startsWith('fit:')) return 'vram-forecast';
  return local.split(':')[0] ?? local;
}
