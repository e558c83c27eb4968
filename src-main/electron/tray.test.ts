import { describe, expect, it } from 'vitest';
import { fixtureAlert, fixtureGpu, fixtureSnapshot } from './snapshot-fixtures';
import { createTrayPresenter, trayImageRepresentations } from './tray';
import type { TrayAction, TrayMenuItemModel, TrayUiState } from './tray-model';
import { createAlertNotifier, type AlertNotification } from './notifications';
import type { TrayIconSpec } from '../tray-icon/tray-icon';

const GiB = 2 ** 30;
const ui: TrayUiState = { paused: false, snoozedUntilMs: null, openAtLogin: false, compact: false };
const NOW = 1_700_000_100_000;

function fakeTray() {
  const calls: string[] = [];
  const images: TrayIconSpec[] = [];
  const menus: (readonly TrayMenuItemModel[])[] = [];
  const actions: TrayAction[] = [];
  let onAction: ((a: TrayAction) => void) | null = null;
  const presenter = createTrayPresenter<TrayIconSpec, readonly TrayMenuItemModel[]>({
    tray: {
      setImage: () => calls.push('image'),
      setToolTip: (t) => calls.push(`tooltip:${t.split('\n')[1] ?? t}`),
      setContextMenu: () => calls.push('menu'),
    },
    createImage: (spec) => {
      images.push(spec);
      return spec;
    },
    buildMenu: (items, act) => {
      menus.push(items);
      onAction = act;
      return items;
    },
    onAction: (a) => actions.push(a),
    platform: 'win32',
  });
  return { presenter, calls, images, menus, actions, click: (a: TrayAction) => onAction?.(a) };
}

describe('tray presenter', () => {
  it('sets icon, tooltip and menu on the first update', () => {
    const t = fakeTray();
    t.presenter.update(fixtureSnapshot(), ui, NOW);
    expect(t.calls).toEqual(['image', 'tooltip:GPU 18.0/24.0 GiB (75%), 6.0 GiB free', 'menu']);
    expect(t.images).toEqual([{ level: 'ok', pct: 75, template: false }]);
  });

  it('redraws the icon only when the rounded value or the state changes', () => {
    const t = fakeTray();
    const at = (usedGiB: number, alerts = [] as ReturnType<typeof fixtureAlert>[]) =>
      fixtureSnapshot({ gpus: [fixtureGpu({ memoryUsedBytes: Math.round(usedGiB * GiB) })], alerts });
    t.presenter.update(at(18.0), ui, NOW); // 75.0 %
    t.presenter.update(at(18.05), ui, NOW); // 75.2 % → same icon
    t.presenter.update(at(18.1), ui, NOW); // 75.4 % → same icon
    t.presenter.update(at(18.2), ui, NOW); // 75.8 % → 76
    t.presenter.update(at(18.2, [fixtureAlert()]), ui, NOW); // warning
    t.presenter.update(at(18.2, [fixtureAlert()]), ui, NOW); // unchanged
    expect(t.images.map((s) => `${s.level}:${Math.round(s.pct ?? -1)}`)).toEqual(['ok:75', 'ok:76', 'warning:76']);
    expect(t.presenter.counts.icon).toBe(3);
  });

  it('rebuilds the menu only when it changes', () => {
    const t = fakeTray();
    for (let i = 0; i < 5; i++) t.presenter.update(fixtureSnapshot(), ui, NOW + i * 1000);
    t.presenter.update(fixtureSnapshot(), { ...ui, paused: true }, NOW);
    expect(t.presenter.counts.menu).toBe(2);
    expect(t.menus[1]?.find((m) => m.action === 'toggle-pause')?.checked).toBe(true);
  });

  it('routes menu clicks to onAction', () => {
    const t = fakeTray();
    t.presenter.update(null, ui, NOW);
    t.click('snooze');
    expect(t.actions).toEqual(['snooze']);
  });

  it('renders 16 px and 32 px PNG representations', () => {
    const reps = trayImageRepresentations({ level: 'critical', pct: 97 });
    expect(reps.map((r) => [r.scaleFactor, r.width, r.buffer.readUInt32BE(16)])).toEqual([
      [1, 16, 16],
      [2, 32, 32],
    ]);
  });
});

describe('alert notifier', () => {
  const run = () => {
    const shown: AlertNotification[] = [];
    const notifier = createAlertNotifier({ show: (n) => shown.push(n), maxPerUpdate: 2 });
    const update = (alerts: ReturnType<typeof fixtureAlert>[], opts: { snoozedUntilMs?: number | null; enabled?: boolean } = {}) =>
      notifier.update(fixtureSnapshot({ alerts }), { nowMs: NOW, snoozedUntilMs: opts.snoozedUntilMs ?? null, enabled: opts.enabled ?? true });
    return { shown, update };
  };

  it('notifies once when an alert is raised, not again while it stays active', () => {
    const { shown, update } = run();
    update([]);
    update([fixtureAlert()]);
    update([fixtureAlert()]);
    expect(shown).toEqual([{ title: 'Headroom: warning on gpu:0', body: fixtureAlert().message, urgency: 'normal', alertId: fixtureAlert().id }]);
  });

  it('notifies again on escalation to critical, and after clearing and re-raising', () => {
    const { shown, update } = run();
    update([fixtureAlert()]);
    update([fixtureAlert({ severity: 'critical' })]);
    update([]);
    update([fixtureAlert()]);
    expect(shown.map((n) => n.urgency)).toEqual(['normal', 'critical', 'normal']);
  });

  it.each([
    { name: 'snoozed', opts: { snoozedUntilMs: NOW + 1 } },
    { name: 'disabled', opts: { enabled: false } },
  ])('stays silent while $name, and does not replay afterwards', ({ opts }) => {
    const { shown, update } = run();
    update([fixtureAlert()], opts);
    update([fixtureAlert()]);
    expect(shown).toEqual([]);
  });

  it('caps a burst, critical first, with a summary line', () => {
    const { shown, update } = run();
    update([fixtureAlert({ id: 'a' }), fixtureAlert({ id: 'b', severity: 'critical' }), fixtureAlert({ id: 'c' }), fixtureAlert({ id: 'd' })]);
    expect(shown.map((n) => n.title)).toEqual(['Headroom: critical on gpu:0', 'Headroom: warning on gpu:0', 'Headroom']);
    expect(shown[2]?.body).toBe('2 more alerts: open the dashboard for details.');
  });
});
