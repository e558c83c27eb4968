/**
 * Electron main process: the tray app around the shared core (create-core.ts). This file only
 * wires Electron objects into the pure modules beside it; the policies live there and are
 * unit-tested without the Electron binary.
 *
 * Environment (tests, development):
 *   HEADROOM_USER_DATA_DIR   use this folder for settings (and the single-instance lock)
 *   HEADROOM_DEMO=1, --demo  demo data instead of nvidia-smi and real backends
 *   HEADROOM_DEV_SERVER_URL  load the renderer from the Vite dev server (unpackaged builds only)
 *   --hidden                 start in the tray (used by the login item)
 */
import { app, BrowserWindow, Menu, nativeImage, Notification, powerMonitor, protocol, safeStorage, screen, session, shell, Tray, type MenuItemConstructorOptions, type NativeImage, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Handlers } from '../../shared/contract/requests';
import { DisposableStore, toDisposable, type Disposable } from '../../shared/lifecycle/disposable';
import type { Snapshot } from '../../shared/model/snapshot';
import { createCore, type Core } from '../create-core';
import { createSettingsStore, type SettingsStore } from '../settings/settings-store';
import type { AppSettings } from '../settings/settings-schema';
import { createConsoleLogger } from '../util/logger';
import { createAppProtocolHandler } from './app-protocol';
import { coreOptionsFromSettings } from './core-options';
import { loginItemStatus, safeStorageEncryptor, setLoginItem, type LoginItemContext } from './os-integration';
import { createVisibleOnlyPublisher, registerIpcHandlers, sendEvent } from './ipc';
import { withFleetAlerts } from '../fleet/fleet-alerts';
import { createAlertNotifier } from './notifications';
import { createToastPresenter, ensureStartMenuShortcut } from './toasts';
import { createPowerPolicy, onQuitSignals } from './power';
import { APP_ORIGIN, APP_SCHEME, appOnlyPermissions, hardenWebContents, lockDownPackaged, type OriginPolicy } from './security';
import { withSettingsNotices } from './settings-notice';
import { appIconRepresentations, createTrayPresenter, trayImageRepresentations } from './tray';
import { SNOOZE_MS, type TrayAction, type TrayMenuItemModel, type TrayUiState } from './tray-model';
import { createWindowController, type WindowController } from './window';
import type { TrayIconSpec } from '../tray-icon/tray-icon';

/** Same as `appId` in electron-builder.yml: Windows groups notifications and taskbar by it. */
const APP_USER_MODEL_ID = 'dev.headroom.app';
const DISPOSE_TIMEOUT_MS = 3000;

const here = dirname(fileURLToPath(import.meta.url));
const preloadPath = join(here, 'preload.cjs');
const rendererDir = join(here, '..', 'renderer');
const logger = createConsoleLogger('headroom');

const devServerUrl = !app.isPackaged ? (process.env.HEADROOM_DEV_SERVER_URL ?? null) : null;
const policy: OriginPolicy = { devServerOrigin: devServerUrl ? new URL(devServerUrl).origin : null };
const isDemo = process.argv.includes('--demo') || process.env.HEADROOM_DEMO === '1';
const startHidden = process.argv.includes('--hidden');

// Before `ready`: the privileged scheme, the data folder (the single-instance lock lives there).
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox(); // every renderer sandboxed, whatever its webPreferences say
if (process.env.HEADROOM_USER_DATA_DIR) app.setPath('userData', process.env.HEADROOM_USER_DATA_DIR);
if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

// Handles owned by the Electron shell (style guide §8 allows these in electron/).
let windowController: WindowController | null = null;
let core: Core | null = null;
let settingsStore: SettingsStore | null = null;
let trayRef: Tray | null = null;
let isQuitting = false;
let isShutDown = false;
const root = new DisposableStore();

if (!app.requestSingleInstanceLock()) {
  // Another Headroom runs with this user-data folder: it gets 'second-instance' and shows itself.
  app.quit();
} else {
  app.on('second-instance', () => windowController?.show());
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, { policy, openExternal: (url) => shell.openExternal(url), logger });
    if (app.isPackaged) lockDownPackaged(contents, logger);
  });
  // A tray app keeps running with no window; without a listener Electron would quit.
  app.on('window-all-closed', () => undefined);
  app.on('activate', () => windowController?.show());
  app.on('before-quit', (event) => {
    if (isShutDown) return;
    event.preventDefault();
    if (isQuitting) {
      app.exit(0); // a second quit request while shutting down: exit at once
      return;
    }
    isQuitting = true;
    void shutDown().finally(() => {
      isShutDown = true;
      app.quit();
    });
  });
  // SIGTERM / SIGINT / SIGHUP (Windows: console closed) quit like the tray's Quit: flushed.
  onQuitSignals(process, (signal) => {
    logger.info(`${signal} received: quitting.`);
    app.quit();
  });
  app
    .whenReady()
    .then(() => {
      // Linux/macOS: delay the system shutdown until history and settings are written.
      // The typings omit the event the docs describe ("If the event handler invokes e.preventDefault() …").
      const onShutdown = (e?: { preventDefault(): void }) => {
        e?.preventDefault();
        app.quit();
      };
      powerMonitor.on('shutdown', onShutdown as () => void);
    })
    .then(start)
    .catch((e: unknown) => {
      logger.error(`Headroom could not start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      app.exit(1);
    });
}

/** Electron menu template for the tray model (recursive for the "Tray icon shows" submenu). */
function menuTemplate(items: readonly TrayMenuItemModel[], act: (a: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((i): MenuItemConstructorOptions => {
    if (i.type === 'separator') return { type: 'separator' };
    if (i.type === 'submenu') return { label: i.label, submenu: menuTemplate(i.submenu ?? [], act) };
    return { label: i.label, type: i.type, checked: i.checked ?? false, enabled: i.enabled ?? true, click: () => i.action && act(i.action) };
  });
}

/** The window's own icon (title bar, taskbar, Alt+Tab), drawn at each Windows scale. */
function appWindowIcon(): NativeImage {
  const image = nativeImage.createEmpty();
  for (const r of appIconRepresentations()) image.addRepresentation(r);
  return image;
}

/** Tray, window (saves its bounds), IPC handlers, then the core and pending settings writes. */
async function shutDown(): Promise<void> {
  root.dispose();
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timed out'), DISPOSE_TIMEOUT_MS).unref());
  const done = Promise.allSettled([core?.dispose(), settingsStore?.whenIdle()]).then(() => 'done');
  if ((await Promise.race([done, timeout])) !== 'done') logger.warn(`Shutdown took over ${DISPOSE_TIMEOUT_MS} ms; quitting anyway.`);
}

/** The tray's snooze, or one set from the dashboard (`snapshot.delivery`, null untilMs = until restart). */
function effectiveSnooze(trayUntilMs: number | null, snapshot: Snapshot): number | null {
  const all = snapshot.delivery?.snoozes.find((s) => s.target === '*');
  if (!all) return trayUntilMs;
  if (all.untilMs === null) return Number.MAX_SAFE_INTEGER;
  return Math.max(all.untilMs, trayUntilMs ?? 0);
}

async function start(): Promise<void> {
  // No default menu (and with it no Reload / Toggle DevTools accelerators) in a packaged build.
  if (app.isPackaged) Menu.setApplicationMenu(null);
  const store = createSettingsStore({ dir: app.getPath('userData'), encryptor: safeStorageEncryptor(safeStorage, process.platform), logger });
  settingsStore = store;
  const loaded = await store.load();
  const saveSettings = (change: (s: AppSettings) => AppSettings) => {
    void store.update(change).then((r) => {
      if (!r.ok) logger.warn(r.error.message);
    });
  };

  const c = await createCore({
    ...coreOptionsFromSettings(loaded.settings, { demo: isDemo, dataDir: app.getPath('userData'), logger }),
    settingsStore: store,
    keyStorage: safeStorage.isEncryptionAvailable() ? 'os-encrypted' : 'plain-text',
  });
  core = c;

  protocol.handle(APP_SCHEME, createAppProtocolHandler({ rootDir: rendererDir }));
  root.add(toDisposable(() => protocol.unhandle(APP_SCHEME)));
  appOnlyPermissions(session.defaultSession, policy, logger);

  const decorate = (s: Snapshot) => withSettingsNotices(s, store.notices());
  const handlers: Handlers = {
    ...c.handlers,
    getSnapshot: async (p) => {
      const r = await c.handlers.getSnapshot(p);
      return r.ok ? { ok: true, value: decorate(r.value) } : r;
    },
  };
  // IPC handlers live on each dashboard window's own `contents.ipc` (scoped to that WebContents,
  // so no other renderer can reach them), and every message is still sender-checked.
  const trusted = new Set<number>();
  const windowIpc = new Map<number, Disposable>();
  const onWebContents = (contents: WebContents, isAlive: boolean) => {
    if (isAlive) {
      trusted.add(contents.id);
      windowIpc.set(contents.id, registerIpcHandlers({ ipcMain: contents.ipc, handlers, trustedWebContentsIds: trusted, policy, logger }));
    } else {
      trusted.delete(contents.id);
      windowIpc.get(contents.id)?.dispose();
      windowIpc.delete(contents.id);
    }
  };

  const ui: TrayUiState = {
    paused: false,
    snoozedUntilMs: store.current().alerts.snoozedUntilMs,
    openAtLogin: null,
    compact: store.current().window.compact,
    iconGpu: store.current().tray.iconGpu,
  };

  // `npm start` runs `electron <folder>`: the login item must pass that folder too.
  const loginCtx: LoginItemContext = { env: process.env, defaultAppPath: process.defaultApp ? app.getAppPath() : null };
  const readLoginItem = () => {
    const s = loginItemStatus(app, process.platform, loginCtx);
    ui.openAtLogin = s.openAtLogin;
    ui.loginItemDisabledByUser = s.disabledByUser;
  };
  readLoginItem();

  const publisher = createVisibleOnlyPublisher({ target: () => windowController?.webContents() ?? null, isVisible: () => windowController?.isVisible() ?? false });
  const wc = createWindowController({
    createWindow: (options) => new BrowserWindow(options),
    displays: () => ({ workAreas: screen.getAllDisplays().map((d) => d.workArea), primary: screen.getPrimaryDisplay().workArea }),
    trayBounds: () => (trayRef && !trayRef.isDestroyed() ? trayRef.getBounds() : null),
    icon: appWindowIcon(),
    preloadPath,
    url: (compact) => (devServerUrl ?? `${APP_ORIGIN}/index.html`) + (compact ? '?view=compact' : ''),
    loadSettings: () => store.current().window,
    saveSettings: (window) => saveSettings((s) => ({ ...s, window })),
    isQuitting: () => isQuitting,
    onWebContents,
    onVisibilityChange: (visible) => {
      if (visible) publisher.flush();
    },
    logger,
  });
  windowController = root.add(wc);

  // Windows shows toasts only for an AppUserModelID with a Start-menu shortcut (portable, npm start).
  ensureStartMenuShortcut({
    platform: process.platform,
    shell,
    programsDir: join(app.getPath('appData'), 'Microsoft', 'Windows', 'Start Menu', 'Programs'),
    target: process.env.PORTABLE_EXECUTABLE_FILE ?? process.execPath,
    args: process.defaultApp ? `"${app.getAppPath()}"` : '',
    appUserModelId: APP_USER_MODEL_ID,
    logger,
    exists: existsSync,
  });
  const toasts = createToastPresenter({
    create: (options) => new Notification(options),
    isSupported: () => Notification.isSupported(),
    onClick: (alertId) => wc.showPage(alertId ? `alerts?alert=${encodeURIComponent(alertId)}` : 'alerts'),
    platform: process.platform,
    logger,
  });
  const notifier = createAlertNotifier({ show: (n) => toasts.show(n) });

  const createTrayImage = (spec: TrayIconSpec) => {
    const image = nativeImage.createEmpty();
    for (const r of trayImageRepresentations(spec, process.platform)) image.addRepresentation(r);
    if (spec.template) image.setTemplateImage(true);
    return image;
  };
  // Linux and macOS need a real image at construction; the presenter replaces it on first update.
  const tray = new Tray(createTrayImage({ level: 'none', pct: null, template: process.platform === 'darwin' }));
  root.add(toDisposable(() => tray.destroy()));
  // Watched servers' alerts (issue 15): the tray icon per the "local only / all" setting; notifications for all.
  const fleetAlerts = () => (c.fleet.hasRemotes ? c.fleet.latest().alerts : []);
  const trayView = (s: Snapshot | null) => (s ? withFleetAlerts(s, fleetAlerts(), c.fleet.trayScope) : s);
  const refreshTray = () => presenter.update(trayView(c.latest()), ui, Date.now());
  const onAction = (action: TrayAction) => {
    switch (action) {
      case 'open':
        wc.show();
        break;
      case 'toggle-compact':
        ui.compact = !ui.compact;
        wc.setCompact(ui.compact);
        wc.show();
        break;
      case 'snooze':
      case 'unsnooze': {
        const until = action === 'snooze' ? Date.now() + SNOOZE_MS : null;
        ui.snoozedUntilMs = until;
        saveSettings((s) => ({ ...s, alerts: { ...s.alerts, snoozedUntilMs: until } }));
        // The same snooze for the core's channels (webhook) and the dashboard's Alerts page.
        void c.handlers.snoozeAlerts({ durationMs: action === 'snooze' ? SNOOZE_MS : 0 });
        break;
      }
      case 'toggle-pause':
        ui.paused = !ui.paused;
        if (!power.isSuspended) c.setPaused(ui.paused);
        break;
      case 'toggle-login':
        if (ui.openAtLogin == null) break;
        setLoginItem(app, process.platform, !ui.openAtLogin, loginCtx);
        readLoginItem();
        break;
      case 'quit':
        app.quit();
        return;
      default: {
        // 'icon-gpu:fullest' | 'icon-gpu:gpu:<n>': which GPU the tray icon shows.
        const gpu = action.slice('icon-gpu:'.length);
        ui.iconGpu = gpu === 'fullest' ? null : gpu;
        saveSettings((s) => ({ ...s, tray: { ...s.tray, iconGpu: ui.iconGpu ?? null } }));
      }
    }
    refreshTray();
  };
  let lastTooltip = '';
  let lastMenu: Electron.Menu | null = null;
  const presenter = createTrayPresenter({
    tray: {
      setImage: (image: NativeImage) => tray.setImage(image),
      setToolTip: (text: string) => {
        lastTooltip = text;
        tray.setToolTip(text);
      },
      setContextMenu: (menu: Electron.Menu | null) => {
        lastMenu = menu;
        tray.setContextMenu(menu);
      },
    },
    platform: process.platform,
    createImage: createTrayImage,
    buildMenu: (items, act) => Menu.buildFromTemplate(menuTemplate(items, act)),
    onAction,
  });
  tray.on('click', () => wc.show());
  trayRef = tray;
  // Moved to a display with another scale (or scaling changed): set the image again so that
  // Electron picks the representation drawn for the new size.
  const onDisplayMetrics = () => {
    presenter.invalidateIcon();
    refreshTray();
  };
  screen.on('display-metrics-changed', onDisplayMetrics);
  root.add(toDisposable(() => screen.off('display-metrics-changed', onDisplayMetrics)));
  // The Task Manager Startup toggle can change while Headroom runs: re-read before the menu opens.
  tray.on('mouse-enter', () => {
    const before = `${ui.openAtLogin}|${ui.loginItemDisabledByUser}`;
    readLoginItem();
    if (`${ui.openAtLogin}|${ui.loginItemDisabledByUser}` !== before) refreshTray();
  });
  refreshTray();

  // Sleep: stop sampling before, start again a few seconds after (no watchdog storm on wake).
  const power = createPowerPolicy({ setSampling: (on) => c.setPaused(!on), isUserPaused: () => ui.paused, log: (m) => logger.info(m) });
  const onSuspend = () => power.onSuspend();
  const onResume = () => power.onResume();
  powerMonitor.on('suspend', onSuspend);
  powerMonitor.on('resume', onResume);
  root.add(toDisposable(() => {
    powerMonitor.off('suspend', onSuspend);
    powerMonitor.off('resume', onResume);
    power.dispose();
  }));

  let lastShellError = '';
  root.add(
    c.onSnapshot((snapshot) => {
      try {
        const nowMs = Date.now();
        presenter.update(trayView(snapshot), ui, nowMs);
        notifier.update(withFleetAlerts(snapshot, fleetAlerts(), 'all'), { nowMs, snoozedUntilMs: effectiveSnooze(ui.snoozedUntilMs, snapshot), enabled: store.current().alerts.notifications });
        publisher.publish(decorate(snapshot));
      } catch (e) {
        // The shell must not break the monitor's tick: log at this boundary (once per distinct
        // message, not every second) and carry on.
        const message = `Tray/window update failed: ${e instanceof Error ? e.message : String(e)}`;
        if (message !== lastShellError) logger.error(message);
        lastShellError = message;
      }
    }),
  );

  root.add(
    c.fleet.onFleet((fleet) => {
      const target = windowController?.webContents() ?? null;
      if (target && windowController?.isVisible()) sendEvent(target, 'fleetPublished', fleet);
      const local = c.latest();
      if (!local) return;
      presenter.update(trayView(local), ui, Date.now());
      notifier.update(withFleetAlerts(local, fleet.alerts, 'all'), { nowMs: Date.now(), snoozedUntilMs: effectiveSnooze(ui.snoozedUntilMs, local), enabled: store.current().alerts.notifications });
    }),
  );

  const openedAtLogin = startHidden || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  if (loaded.isFirstRun || !store.current().firstRunCompleted || loaded.notices.length > 0 || !openedAtLogin) {
    // First run, or something the user must read (settings moved aside), or launched by hand.
    wc.show();
  }
  if (!store.current().firstRunCompleted) saveSettings((s) => ({ ...s, firstRunCompleted: true }));
  if (!app.isPackaged && process.env.HEADROOM_E2E === '1') {
    // Read-only view for e2e/specs/electron.spec.ts (unpackaged builds only): what the tray
    // shows, its menu (clickable as a user would), the toasts held, the login-item state.
    const menuItems = () => (lastMenu?.items ?? []).map((i) => ({ label: i.label, type: i.type, checked: i.checked, enabled: i.enabled }));
    (globalThis as { __headroomE2E?: unknown }).__headroomE2E = {
      tooltip: () => lastTooltip,
      menu: menuItems,
      clickMenu: (label: string) => lastMenu?.items.find((i) => i.label === label)?.click(),
      toastsHeld: () => toasts.held(),
      notify: (critical: boolean) => toasts.show({ title: 'Headroom: test', body: 'A test notification.', urgency: critical ? 'critical' : 'normal', alertId: 'vram-critical:gpu:0' }),
      loginItem: () => loginItemStatus(app, process.platform, loginCtx),
      windowUrl: () => wc.webContents()?.getURL() ?? null,
    };
  }
  logger.info(`Headroom ${app.getVersion()} started${isDemo ? ' (demo data)' : ''}; settings in ${store.filePath}.`);
}
