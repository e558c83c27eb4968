/** The tray icon with watched servers (issue 15): worst of all hosts, or this machine only, per the setting. */
import { describe, expect, it } from 'vitest';
import type { FleetAlert } from '../../shared/contract/fleet';
import { withFleetAlerts } from '../fleet/fleet-alerts';
import { createAlertNotifier } from './notifications';
import { fixtureAlert, fixtureSnapshot } from './snapshot-fixtures';
import { trayIconSpec, trayTooltip } from './tray-model';

const remoteCritical: FleetAlert = { ...fixtureAlert({ id: 'host:gpu-server-1:7878/vram-critical:gpu:0', severity: 'critical', message: 'GPU 0 memory at 97%.' }), hostId: 'host:gpu-server-1:7878', hostLabel: 'gpu-server-1' };
const hostDown: FleetAlert = { id: 'host:b:1/host-unreachable', severity: 'critical', kind: 'backend-down', message: 'gpu-server-2 is not answering (connection refused).', sourceId: 'host:b:1', sinceMs: 1, hostId: 'host:b:1', hostLabel: 'gpu-server-2' };

describe('tray with watched servers', () => {
  it.each([
    { name: 'all: a remote critical turns the icon red', scope: 'all' as const, alerts: [remoteCritical], want: 'critical' },
    { name: 'local only: the remote is ignored', scope: 'local' as const, alerts: [remoteCritical], want: 'ok' },
    { name: 'all: a watched server down is critical', scope: 'all' as const, alerts: [hostDown], want: 'critical' },
    { name: 'all, nothing remote: as before', scope: 'all' as const, alerts: [], want: 'ok' },
  ])('$name', ({ scope, alerts, want }) => {
    const view = withFleetAlerts(fixtureSnapshot(), alerts, scope);
    expect(trayIconSpec(view, false, false).level).toBe(want);
  });

  it('the tooltip and notifications name the host', () => {
    const view = withFleetAlerts(fixtureSnapshot(), [remoteCritical], 'all');
    expect(trayTooltip(view, { paused: false, snoozedUntilMs: null }, 1_700_000_100_000)).toContain('gpu-server-1');
    const shown = createAlertNotifier({ show: () => undefined }).update(view, { nowMs: 1, snoozedUntilMs: null, enabled: true });
    expect(shown).toEqual([{ alertId: 'host:gpu-server-1:7878/vram-critical:gpu:0', title: 'Headroom: critical on gpu-server-1 gpu:0', body: 'gpu-server-1: GPU 0 memory at 97%.', urgency: 'critical' }]);
    // Snoozed: the same snooze holds remote alerts back.
    expect(createAlertNotifier({ show: () => undefined }).update(view, { nowMs: 1, snoozedUntilMs: 10, enabled: true })).toEqual([]);
  });
});
