/**
 * The dashboard window: created on first show (a tray app that was never opened costs no
 * renderer), closing hides it to the tray, bounds are remembered per mode (normal / compact) and
 * restored only where they are still on a screen. The BrowserWindow constructor and the screen
 * come in as parameters, so the policy is unit-tested without the Electron binary.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron';
import type { Disposable } from '../../shared/lifecycle/disposable';
import type { Rect } from '../settings/settings-schema';
import type { Logger } from '../util/logger';
import { secureWebPreferences } from './security';

export interface Size {
  width: number;
  height: number;
}

export const NORMAL_SIZE: Size = { width: 1120, height: 760 };
export const NORMAL_MIN_SIZE: Size = { width: 640, height: 480 };
export const COMPACT_SIZE: Size = { width: 360, height: 480 };
export const COMPACT_MIN_SIZE: Size = { width: 280, height: 320 };
/** The title bar must overlap a work area by this much for saved bounds to be reused. */
const VISIBLE_STRIP = { width: 64, height: 16, barHeight: 32 };
const EDGE_MARGIN = 16;

/** Persisted window state (settings `window`). */
export interface WindowSettings {
  bounds: Rect | null;
  compactBounds: Rect | null;
  maximized: boolean;
  compact: boolean;
}

function overlap(a: Rect, b: Rect): Size {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/**
 * Where to put the window: the saved bounds when their title bar is still on some display (size
 * capped to that display), otherwise `size` centred (normal) or bottom-right (compact) on the
 * primary display's work area.
 */
export function placeWindow(saved: Rect | null, workAreas: readonly Rect[], primary: Rect, size: Size, anchor: 'center' | 'bottom-right'): Rect {
  if (saved) {
    const titleBar = { x: saved.x, y: saved.y, width: saved.width, height: VISIBLE_STRIP.barHeight };
    const area = workAreas.find((a) => {
      const o = overlap(titleBar, a);
      return o.width >= VISIBLE_STRIP.width && o.height >= VISIBLE_STRIP.height;
    });
    if (area) return { x: saved.x, y: saved.y, width: Math.min(saved.width, area.width), height: Math.min(saved.height, area.height) };
  }
  const width = Math.min(size.width, primary.width);
  const height = Math.min(size.height, primary.height);
  if (anchor === 'bottom-right') {
    return {
      x: primary.x + Math.max(0, primary.width - width - EDGE_MARGIN),
      y: primary.y + Math.max(0, primary.height - height - EDGE_MARGIN),
      width,
      height,
    };
  }
  return { x: primary.x + Math.round((primary.width - width) / 2), y: primary.y + Math.round((primary.height - height) / 2), width, height };
}

/**
 * The compact popover next to the tray icon (Electron `tray.getBounds()`, Windows and macOS):
 * above the icon when the taskbar is at the bottom, below it at the top, beside it for a
 * vertical taskbar, always inside the work area of the display that holds the icon. Null when
 * the tray has no bounds (Linux returns an empty rectangle) or no display holds it.
 */
export function placeAtTray(tray: Rect | null, workAreas: readonly Rect[], size: Size): Rect | null {
  if (!tray || tray.width <= 0 || tray.height <= 0) return null;
  const cx = tray.x + tray.width / 2;
  const cy = tray.y + tray.height / 2;
  // The work area excludes the taskbar, so pick the display whose full extent is nearest the icon.
  const dist = (a: Rect) => Math.hypot(Math.max(a.x - cx, 0, cx - (a.x + a.width)), Math.max(a.y - cy, 0, cy - (a.y + a.height)));
  const area = [...workAreas].sort((a, b) => dist(a) - dist(b))[0];
  if (!area || dist(area) > 200) return null;
  const width = Math.min(size.width, area.width);
  const height = Math.min(size.height, area.height);
  const clampX = (x: number) => Math.round(Math.min(Math.max(x, area.x), area.x + area.width - width));
  const clampY = (y: number) => Math.round(Math.min(Math.max(y, area.y), area.y + area.height - height));
  if (tray.y >= area.y + area.height) return { x: clampX(cx - width / 2), y: area.y + area.height - height, width, height }; // taskbar at the bottom
  if (tray.y + tray.height <= area.y) return { x: clampX(cx - width / 2), y: area.y, width, height }; // top (macOS menu bar)
  if (tray.x >= area.x + area.width) return { x: area.x + area.width - width, y: clampY(cy - height / 2), width, height }; // right
  if (tray.x + tray.width <= area.x) return { x: area.x, y: clampY(cy - height / 2), width, height }; // left
  return { x: clampX(cx - width / 2), y: clampY(tray.y - height), width, height }; // overflow area inside the screen
}

/** Closing the window hides it to the tray, unless the app is quitting. */
export function closeAction(state: { isQuitting: boolean }): 'hide' | 'close' {
  return state.isQuitting ? 'close' : 'hide';
}

export function dashboardWindowOptions(opts: { bounds: Rect; compact: boolean; preloadPath: string; icon?: BrowserWindowConstructorOptions['icon'] | null }): BrowserWindowConstructorOptions {
  const min = opts.compact ? COMPACT_MIN_SIZE : NORMAL_MIN_SIZE;
  return {
    ...opts.bounds,
    minWidth: min.width,
    minHeight: min.height,
    show: false,
    title: 'Headroom',
    backgroundColor: '#0d1117',
    alwaysOnTop: opts.compact,
    autoHideMenuBar: true,
    ...(opts.icon ? { icon: opts.icon } : {}),
    webPreferences: secureWebPreferences(opts.preloadPath),
  };
}

export interface WindowControllerDeps {
  createWindow(options: BrowserWindowConstructorOptions): BrowserWindow;
  /** Work areas of all displays and of the primary one (Electron `screen`), in DIPs. */
  displays(): { workAreas: Rect[]; primary: Rect };
  /** The tray icon's bounds (`tray.getBounds()`), where the compact popover opens; null when unknown. */
  trayBounds?(): Rect | null;
  /**
   * A window hidden this long is destroyed (its renderer's memory returned) and created again on
   * the next show. Default 10 minutes; 0 keeps it.
   */
  releaseHiddenAfterMs?: number;
  preloadPath: string;
  /** The window's own icon (a NativeImage with one representation per scale, or a file). */
  icon?: BrowserWindowConstructorOptions['icon'] | null;
  /** The renderer URL for a mode (`app://headroom/index.html`, `?view=compact`). */
  url(compact: boolean): string;
  loadSettings(): WindowSettings;
  saveSettings(settings: WindowSettings): void;
  isQuitting(): boolean;
  /**
   * The window's WebContents was created / destroyed: main.ts registers the IPC handlers on
   * `contents.ipc` (scoped to this window) and keeps the trusted-sender set.
   */
  onWebContents(contents: WebContents, alive: boolean): void;
  onVisibilityChange(visible: boolean): void;
  logger: Logger;
  saveDelayMs?: number;
}

export interface WindowController extends Disposable {
  show(): void;
  /** Shows the window at a dashboard page (`alerts?alert=<id>`): a hash route, no reload when open. */
  showPage(route: string): void;
  hide(): void;
  setCompact(compact: boolean): void;
  isVisible(): boolean;
  webContents(): WebContents | null;
}

export function createWindowController(deps: WindowControllerDeps): WindowController {
  let win: BrowserWindow | null = null;
  let state: WindowSettings = { ...deps.loadSettings() };
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  const saveDelayMs = deps.saveDelayMs ?? 500;
  const releaseAfterMs = deps.releaseHiddenAfterMs ?? 10 * 60_000;
  let releaseTimer: ReturnType<typeof setTimeout> | null = null;
  const cancelRelease = () => {
    if (releaseTimer) clearTimeout(releaseTimer);
    releaseTimer = null;
  };
  /** Hidden long enough: save bounds and destroy the window; `show` creates a fresh one. */
  const scheduleRelease = () => {
    cancelRelease();
    if (releaseAfterMs <= 0) return;
    releaseTimer = setTimeout(() => {
      releaseTimer = null;
      const w = alive();
      if (!w || visibleNow()) return;
      saveNow();
      win = null;
      w.destroy();
      deps.logger.info('Released the hidden dashboard window; it is created again when opened.');
    }, releaseAfterMs);
    releaseTimer.unref?.();
  };

  const alive = (): BrowserWindow | null => (win && !win.isDestroyed() ? win : null);

  const captureBounds = () => {
    const w = alive();
    if (!w) return;
    const maximized = w.isMaximized();
    const raw = maximized ? w.getNormalBounds() : w.getBounds();
    const bounds: Rect = { x: Math.round(raw.x), y: Math.round(raw.y), width: Math.round(raw.width), height: Math.round(raw.height) };
    state = state.compact ? { ...state, compactBounds: bounds } : { ...state, bounds, maximized };
  };

  const saveNow = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = null;
    captureBounds();
    deps.saveSettings({ ...state });
  };

  const scheduleSave = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(saveNow, saveDelayMs);
  };

  const targetBounds = (): Rect => {
    const { workAreas, primary } = deps.displays();
    return state.compact
      ? (placeAtTray(deps.trayBounds?.() ?? null, workAreas, COMPACT_SIZE) ?? placeWindow(state.compactBounds, workAreas, primary, COMPACT_SIZE, 'bottom-right'))
      : placeWindow(state.bounds, workAreas, primary, NORMAL_SIZE, 'center');
  };

  const load = (w: BrowserWindow, route?: string) => {
    const url = deps.url(state.compact) + (route ? `#/${route}` : '');
    w.loadURL(url).catch((e: unknown) => {
      deps.logger.error(`Could not load the dashboard from ${url}: ${e instanceof Error ? e.message : String(e)}. Was the renderer built (npm run build)?`);
    });
  };

  const visibleNow = () => {
    const w = alive();
    return w != null && w.isVisible() && !w.isMinimized();
  };

  const create = (route?: string): BrowserWindow => {
    const w = deps.createWindow(dashboardWindowOptions({ bounds: targetBounds(), compact: state.compact, preloadPath: deps.preloadPath, icon: deps.icon }));
    const contents = w.webContents;
    deps.onWebContents(contents, true);
    if (state.maximized && !state.compact) w.maximize();
    w.on('close', (event) => {
      if (closeAction({ isQuitting: deps.isQuitting() }) === 'hide') {
        event.preventDefault();
        w.hide();
      }
    });
    w.on('closed', () => {
      deps.onWebContents(contents, false);
      if (win === w) win = null;
    });
    for (const e of ['show', 'restore'] as const)
      w.on(e as 'show', () => {
        cancelRelease();
        deps.onVisibilityChange(visibleNow());
      });
    for (const e of ['hide', 'minimize'] as const)
      w.on(e as 'hide', () => {
        scheduleRelease();
        deps.onVisibilityChange(false);
      });
    for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const) w.on(e as 'resize', scheduleSave);
    load(w, route);
    return w;
  };

  const show = (route?: string) => {
    if (disposed) return;
    const existing = alive();
    if (existing) {
      // Only the fragment differs from the loaded URL: a same-document navigation, no reload.
      if (route) load(existing, route);
      if (existing.isMinimized()) existing.restore();
      // The popover follows the tray icon (the taskbar may have moved, another display).
      if (state.compact && deps.trayBounds) existing.setBounds(targetBounds());
      existing.show();
      existing.focus();
      return;
    }
    const w = create(route);
    win = w;
    w.once('ready-to-show', () => {
      if (win === w && !w.isDestroyed()) {
        w.show();
        w.focus();
      }
    });
  };

  return {
    show: () => show(),
    showPage: (route) => show(route),
    hide() {
      alive()?.hide();
    },
    setCompact(compact) {
      if (disposed || compact === state.compact) return;
      captureBounds();
      state = { ...state, compact };
      const w = alive();
      if (w) {
        if (compact && w.isMaximized()) w.unmaximize();
        const min = compact ? COMPACT_MIN_SIZE : NORMAL_MIN_SIZE;
        w.setMinimumSize(min.width, min.height);
        w.setAlwaysOnTop(compact);
        w.setBounds(targetBounds());
        if (!compact && state.maximized) w.maximize();
        load(w);
      }
      saveNow();
    },
    isVisible: visibleNow,
    webContents() {
      const w = alive();
      return w && !w.webContents.isDestroyed() ? w.webContents : null;
    },
    dispose() {
      if (disposed) return;
      if (alive()) saveNow();
      else if (saveTimer) clearTimeout(saveTimer);
      disposed = true;
      cancelRelease();
      const w = alive();
      win = null;
      w?.destroy();
    },
  };
}
