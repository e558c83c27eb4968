/**
 * Main-process CPU per monitor tick in the Electron shell, collectors excluded: tray model,
 * icon (re-rendered only when the rounded value or state changes), tooltip, menu, notifications
 * and the IPC push (V8 serialisation, which is what webContents.send does), with the window
 * hidden and shown. Measured without the Electron binary: the same pure modules main.ts uses,
 * with fake Tray/Menu/WebContents objects. Target: ≤ 0.5 ms per tick while hidden.
 */
import { serialize } from 'node:v8';
import { pathToFileURL } from 'node:url';
import type { WebContents } from 'electron';
import type { Alert, Snapshot } from '../shared/model/snapshot';
import { createVisibleOnlyPublisher } from '../src-main/electron/ipc';
import { createAlertNotifier } from '../src-main/electron/notifications';
import { withSettingsNotices } from '../src-main/electron/settings-notice';
import { fixtureAlert, fixtureBackend, fixtureGpu, fixtureSnapshot } from '../src-main/electron/snapshot-fixtures';
import { createTrayPresenter, trayImageRepresentations } from '../src-main/electron/tray';
import type { TrayMenuItemModel, TrayUiState } from '../src-main/electron/tray-model';
import { renderTrayIconPng } from '../src-main/tray-icon/tray-icon';

const GiB = 2 ** 30;
const TARGET_HIDDEN_MS = 0.5;

function line(name: string, value: string, target: string, pass: boolean | null): string {
  const verdict = pass === null ? '' : pass ? '  PASS' : '  FAIL';
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${verdict}`;
}

/** A session: two GPUs drifting like a long chat (±60 MiB per tick), an alert now and then. */
function makeSnapshots(count: number): Snapshot[] {
  let seed = 42;
  const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  let used0 = 17 * GiB;
  const out: Snapshot[] = [];
  for (let i = 0; i < count; i++) {
    used0 = Math.min(23.5 * GiB, Math.max(4 * GiB, used0 + Math.round((rand() - 0.5) * 120 * 2 ** 20)));
    const pct = (used0 / (24 * GiB)) * 100;
    const alerts: Alert[] = pct > 80 ? [fixtureAlert({ severity: pct > 90 ? 'critical' : 'warning', message: `GPU 0 memory at ${Math.round(pct)}%.` })] : [];
    const backend = fixtureBackend();
    backend.models[0]!.slots = [0, 1, 2, 3].map((id) => ({ id, contextTokens: 8192, usedTokens: (i * 37 + id * 500) % 8192, processing: id === 0 }));
    out.push(
      fixtureSnapshot({
        atMs: 1_700_000_000_000 + i * 1000,
        gpus: [fixtureGpu({ memoryUsedBytes: used0 }), fixtureGpu({ index: 1, id: 'gpu:1', memoryUsedBytes: 6 * GiB })],
        backends: [backend, fixtureBackend({ id: 'vllm@127.0.0.1:8000', kind: 'vllm', url: 'http://127.0.0.1:8000' })],
        alerts,
      }),
    );
  }
  return out;
}

function run(snapshots: Snapshot[], visible: boolean) {
  const ui: TrayUiState = { paused: false, snoozedUntilMs: null, openAtLogin: false, compact: false };
  let bytesSent = 0;
  const presenter = createTrayPresenter<unknown, unknown>({
    tray: { setImage() {}, setToolTip() {}, setContextMenu() {} },
    createImage: (spec) => trayImageRepresentations(spec),
    buildMenu: (items: readonly TrayMenuItemModel[]) => items.map((i) => ({ ...i })),
    onAction() {},
    platform: 'win32',
  });
  const notifier = createAlertNotifier({ show() {} });
  const webContents = {
    isDestroyed: () => false,
    send: (_channel: string, payload: unknown) => {
      bytesSent += serialize(payload).length;
    },
  } as unknown as WebContents;
  const publisher = createVisibleOnlyPublisher({ target: () => webContents, isVisible: () => visible });
  const tick = (s: Snapshot) => {
    presenter.update(s, ui, s.atMs);
    notifier.update(s, { nowMs: s.atMs, snoozedUntilMs: null, enabled: true });
    publisher.publish(withSettingsNotices(s, []));
  };
  const warm = Math.min(200, snapshots.length);
  for (let i = 0; i < warm; i++) tick(snapshots[i]!);
  const before = process.cpuUsage();
  const t0 = performance.now();
  for (let i = warm; i < snapshots.length; i++) tick(snapshots[i]!);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(before);
  const ticks = snapshots.length - warm;
  return {
    cpuMsPerTick: (cpu.user + cpu.system) / 1000 / ticks,
    wallMsPerTick: wallMs / ticks,
    iconRedrawsPer1000: (presenter.counts.icon / snapshots.length) * 1000,
    bytesPerPush: publisher.sentCount ? bytesSent / publisher.sentCount : 0,
  };
}

export async function benchElectronCost(): Promise<{ lines: string[] }> {
  const snapshots = makeSnapshots(5200);
  // Alternate hidden/shown runs so JIT warm-up favours neither; report the median of each.
  const hiddenRuns: ReturnType<typeof run>[] = [];
  const shownRuns: ReturnType<typeof run>[] = [];
  for (let i = 0; i < 5; i++) {
    hiddenRuns.push(run(snapshots, false));
    shownRuns.push(run(snapshots, true));
  }
  const median = (runs: ReturnType<typeof run>[]) => [...runs].sort((a, b) => a.cpuMsPerTick - b.cpuMsPerTick)[Math.floor(runs.length / 2)]!;
  const hidden = median(hiddenRuns);
  const shown = median(shownRuns);
  const iconRuns = 500;
  const t0 = performance.now();
  for (let i = 0; i < iconRuns; i++) {
    renderTrayIconPng({ level: 'warning', pct: i % 101 }, 1);
    renderTrayIconPng({ level: 'warning', pct: i % 101 }, 2);
  }
  const iconMs = (performance.now() - t0) / iconRuns;
  return {
    lines: [
      line('electron main CPU per tick, window hidden (tray+notify)', `${hidden.cpuMsPerTick.toFixed(4)} ms`, `≤ ${TARGET_HIDDEN_MS} ms`, hidden.cpuMsPerTick <= TARGET_HIDDEN_MS),
      line('electron main CPU per tick, window shown (+ IPC push)', `${shown.cpuMsPerTick.toFixed(4)} ms`, 'report', null),
      line('electron IPC push size per Snapshot (V8 serialised)', `${(shown.bytesPerPush / 1024).toFixed(1)} KiB`, 'report', null),
      line('electron tray icon redraws per 1000 ticks (drifting GPU)', `${hidden.iconRedrawsPer1000.toFixed(0)}`, 'report', null),
      line('electron tray icon render + PNG encode (16 + 32 px)', `${iconMs.toFixed(3)} ms`, 'report', null),
    ],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { lines } = await benchElectronCost();
  process.stdout.write(`${lines.join('\n')}\n`);
}
