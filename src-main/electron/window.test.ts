import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Rect } from '../settings/settings-schema';
import { silentLogger } from '../util/logger';
import { closeAction, COMPACT_SIZE, createWindowController, dashboardWindowOptions, NORMAL_SIZE, placeAtTray, placeWindow, type WindowSettings } from './window';

const primary: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
const second: Rect = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('placeWindow', () => {
  it.each([
    { name: 'first run: centred default', saved: null, areas: [primary], anchor: 'center', want: { x: 400, y: 140, width: 1120, height: 760 } },
    { name: 'saved on primary', saved: { x: 100, y: 50, width: 900, height: 600 }, areas: [primary], anchor: 'center', want: { x: 100, y: 50, width: 900, height: 600 } },
    { name: 'saved on second display', saved: { x: 2000, y: 100, width: 1200, height: 900 }, areas: [primary, second], anchor: 'center', want: { x: 2000, y: 100, width: 1200, height: 900 } },
    { name: 'second display unplugged', saved: { x: 2000, y: 100, width: 1200, height: 900 }, areas: [primary], anchor: 'center', want: { x: 400, y: 140, width: 1120, height: 760 } },
    { name: 'title bar above the screen', saved: { x: 100, y: -500, width: 900, height: 600 }, areas: [primary], anchor: 'center', want: { x: 400, y: 140, width: 1120, height: 760 } },
    { name: 'only a sliver visible', saved: { x: 1900, y: 100, width: 900, height: 600 }, areas: [primary], anchor: 'center', want: { x: 400, y: 140, width: 1120, height: 760 } },
    { name: 'larger than the display is capped', saved: { x: 0, y: 0, width: 4000, height: 3000 }, areas: [primary], anchor: 'center', want: { x: 0, y: 0, width: 1920, height: 1040 } },
    { name: 'compact first run: bottom-right', saved: null, areas: [primary], anchor: 'bottom-right', size: COMPACT_SIZE, want: { x: 1544, y: 544, width: 360, height: 480 } },
  ] as const)('$name', ({ saved, areas, anchor, want, ...rest }) => {
    const size = ('size' in rest ? rest.size : undefined) ?? NORMAL_SIZE;
    expect(placeWindow(saved, areas, primary, size, anchor)).toEqual(want);
  });

  it('fits a small primary display', () => {
    const small = { x: 0, y: 0, width: 800, height: 600 };
    expect(placeWindow(null, [small], small, NORMAL_SIZE, 'center')).toEqual({ x: 0, y: 0, width: 800, height: 600 });
  });
});

describe('closeAction', () => {
  it.each([
    { isQuitting: false, want: 'hide' },
    { isQuitting: true, want: 'close' },
  ])('quitting=$isQuitting → $want', ({ isQuitting, want }) => {
    expect(closeAction({ isQuitting })).toBe(want);
  });
});

describe('dashboardWindowOptions', () => {
  it('starts hidden with secure preferences; compact is small and on top', () => {
    const o = dashboardWindowOptions({ bounds: { x: 1, y: 2, width: 360, height: 480 }, compact: true, preloadPath: '/p.cjs' });
    expect(o).toMatchObject({ x: 1, y: 2, width: 360, height: 480, show: false, alwaysOnTop: true, minWidth: 280 });
    expect(o.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, preload: '/p.cjs' });
  });
});

/** A BrowserWindow stand-in: events, bounds and visibility. */
class FakeWindow {
  static nextId = 1;
  readonly webContents = { id: FakeWindow.nextId++, isDestroyed: () => this.destroyed, send: vi.fn() };
  readonly listeners = new Map<string, ((...a: unknown[]) => void)[]>();
  bounds: Rect;
  visible = false;
  minimized = false;
  maximized = false;
  destroyed = false;
  alwaysOnTop: boolean;
  urls: string[] = [];
  constructor(readonly options: BrowserWindowConstructorOptions) {
    this.bounds = { x: options.x!, y: options.y!, width: options.width!, height: options.height! };
    this.alwaysOnTop = options.alwaysOnTop ?? false;
  }
  on(name: string, l: (...a: unknown[]) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), l]);
    return this;
  }
  once(name: string, l: (...a: unknown[]) => void) {
    return this.on(name, l);
  }
  emit(name: string, ...args: unknown[]) {
    for (const l of this.listeners.get(name) ?? []) l(...args);
  }
  /** What Electron does on the close button: 'close' (cancellable), then 'closed'. */
  userClose() {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (!prevented) this.destroy();
  }
  loadURL(url: string) {
    this.urls.push(url);
    return Promise.resolve();
  }
  show() {
    this.visible = true;
    this.emit('show');
  }
  hide() {
    this.visible = false;
    this.emit('hide');
  }
  focus() {}
  restore() {
    this.minimized = false;
  }
  isVisible() {
    return this.visible;
  }
  isMinimized() {
    return this.minimized;
  }
  isMaximized() {
    return this.maximized;
  }
  maximize() {
    this.maximized = true;
  }
  unmaximize() {
    this.maximized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
    this.visible = false;
    this.emit('closed');
  }
  getBounds() {
    return { ...this.bounds };
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  setBounds(b: Rect) {
    this.bounds = { ...b };
  }
  setAlwaysOnTop(v: boolean) {
    this.alwaysOnTop = v;
  }
  setMinimumSize() {}
}

function setup(initial: Partial<WindowSettings> = {}, extra: { trayBounds?: () => Rect | null; releaseHiddenAfterMs?: number } = {}) {
  const windows: FakeWindow[] = [];
  const saved: WindowSettings[] = [];
  const trusted = new Set<number>();
  const visibility: boolean[] = [];
  let quitting = false;
  let settings: WindowSettings = { bounds: null, compactBounds: null, maximized: false, compact: false, ...initial };
  const controller = createWindowController({
    createWindow: (o) => {
      const w = new FakeWindow(o);
      windows.push(w);
      return w as unknown as BrowserWindow;
    },
    displays: () => ({ workAreas: [primary], primary }),
    preloadPath: '/preload.cjs',
    url: (compact) => `app://headroom/index.html${compact ? '?view=compact' : ''}`,
    loadSettings: () => settings,
    saveSettings: (s) => {
      settings = s;
      saved.push(s);
    },
    isQuitting: () => quitting,
    onWebContents: (contents, alive) => (alive ? trusted.add(contents.id) : trusted.delete(contents.id)),
    onVisibilityChange: (v) => visibility.push(v),
    logger: silentLogger,
    saveDelayMs: 100,
    ...extra,
  });
  return { controller, windows, saved, trusted, visibility, quit: () => (quitting = true), settings: () => settings };
}

describe('placeAtTray (compact popover at the tray icon)', () => {
  // Windows 11 at 1920×1080, taskbar at the bottom: work area 1920×1032, icon at y 1040.
  const work: Rect = { x: 0, y: 0, width: 1920, height: 1032 };
  it.each([
    { name: 'taskbar at the bottom: above the icon', tray: { x: 1700, y: 1040, width: 24, height: 32 }, areas: [work], want: { x: 1532, y: 552, width: 360, height: 480 } },
    { name: 'icon near the right edge: kept on screen', tray: { x: 1900, y: 1040, width: 24, height: 32 }, areas: [work], want: { x: 1560, y: 552, width: 360, height: 480 } },
    { name: 'taskbar at the top', tray: { x: 1700, y: 0, width: 24, height: 32 }, areas: [{ x: 0, y: 48, width: 1920, height: 1032 }], want: { x: 1532, y: 48, width: 360, height: 480 } },
    { name: 'taskbar on the right', tray: { x: 1880, y: 900, width: 32, height: 24 }, areas: [{ x: 0, y: 0, width: 1872, height: 1080 }], want: { x: 1512, y: 600, width: 360, height: 480 } },
    { name: 'on the second display', tray: { x: 3900, y: 1400, width: 24, height: 32 }, areas: [work, { x: 1920, y: 0, width: 2560, height: 1392 }], want: { x: 3732, y: 912, width: 360, height: 480 } },
  ])('$name', ({ tray, areas, want }) => {
    expect(placeAtTray(tray, areas, COMPACT_SIZE)).toEqual(want);
  });
  it('no bounds (Linux) → null', () => {
    expect(placeAtTray({ x: 0, y: 0, width: 0, height: 0 }, [work], COMPACT_SIZE)).toBeNull();
    expect(placeAtTray(null, [work], COMPACT_SIZE)).toBeNull();
  });
});

describe('window controller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens at a page: a new window loads it, an open one navigates its fragment without a second window', () => {
    const t = setup();
    t.controller.showPage('alerts?alert=vram-critical%3Agpu%3A0');
    const w = t.windows[0]!;
    expect(w.urls).toEqual(['app://headroom/index.html#/alerts?alert=vram-critical%3Agpu%3A0']);
    w.emit('ready-to-show');
    t.controller.showPage('alerts');
    expect(t.windows).toHaveLength(1);
    expect(w.urls.at(-1)).toBe('app://headroom/index.html#/alerts');
    expect(w.visible).toBe(true);
  });

  it('releases a window hidden for long (renderer memory back) and creates a fresh one on open', () => {
    const t = setup({}, { releaseHiddenAfterMs: 60_000 });
    t.controller.show();
    const w = t.windows[0]!;
    w.emit('ready-to-show');
    w.userClose(); // hides
    vi.advanceTimersByTime(59_000);
    t.controller.show(); // shown again in time: kept
    vi.advanceTimersByTime(120_000);
    expect(w.destroyed).toBe(false);
    w.userClose();
    vi.advanceTimersByTime(60_000);
    expect(w.destroyed).toBe(true);
    expect(t.trusted.has(w.webContents.id)).toBe(false);
    t.controller.show();
    expect(t.windows).toHaveLength(2);
    expect(t.saved.length).toBeGreaterThan(0);
  });

  it('the compact popover opens at the tray icon', () => {
    const t = setup({ compact: true, compactBounds: { x: 10, y: 10, width: 360, height: 480 } }, { trayBounds: () => ({ x: 1700, y: 1040, width: 24, height: 32 }) });
    t.controller.show();
    expect(t.windows[0]!.bounds).toEqual({ x: 1532, y: 560, width: 360, height: 480 });
  });

  it('creates no window until first shown, then shows it once ready', () => {
    const t = setup();
    expect(t.windows).toHaveLength(0);
    t.controller.show();
    const w = t.windows[0]!;
    expect(w.visible).toBe(false);
    expect(w.urls).toEqual(['app://headroom/index.html']);
    expect(t.trusted.has(w.webContents.id)).toBe(true);
    w.emit('ready-to-show');
    expect(t.controller.isVisible()).toBe(true);
    expect(t.visibility).toEqual([true]);
  });

  it('hides to the tray on close and reuses the same window on show', () => {
    const t = setup();
    t.controller.show();
    const w = t.windows[0]!;
    w.emit('ready-to-show');
    w.userClose();
    expect(w.destroyed).toBe(false);
    expect(t.controller.isVisible()).toBe(false);
    expect(t.visibility).toEqual([true, false]);
    t.controller.show();
    expect(t.windows).toHaveLength(1);
    expect(t.controller.isVisible()).toBe(true);
  });

  it('closes for real when quitting, and forgets the trusted sender', () => {
    const t = setup();
    t.controller.show();
    const w = t.windows[0]!;
    t.quit();
    w.userClose();
    expect(w.destroyed).toBe(true);
    expect(t.trusted.size).toBe(0);
    expect(t.controller.webContents()).toBeNull();
  });

  it('restores a minimised window on show; minimised counts as hidden', () => {
    const t = setup();
    t.controller.show();
    const w = t.windows[0]!;
    w.emit('ready-to-show');
    w.minimized = true;
    expect(t.controller.isVisible()).toBe(false);
    t.controller.show();
    expect(w.minimized).toBe(false);
  });

  it('remembers bounds after moves and resizes (debounced), and on dispose', () => {
    const t = setup({ bounds: { x: 10, y: 10, width: 900, height: 700 } });
    t.controller.show();
    const w = t.windows[0]!;
    expect(w.bounds).toEqual({ x: 10, y: 10, width: 900, height: 700 });
    for (let i = 0; i < 5; i++) {
      w.setBounds({ x: 20 + i, y: 30, width: 1000, height: 720 });
      w.emit('move');
    }
    expect(t.saved).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(t.saved).toEqual([{ bounds: { x: 24, y: 30, width: 1000, height: 720 }, compactBounds: null, maximized: false, compact: false }]);
    w.setBounds({ x: 50, y: 60, width: 1000, height: 720 });
    w.emit('resize');
    t.controller.dispose();
    expect(t.saved.at(-1)?.bounds).toEqual({ x: 50, y: 60, width: 1000, height: 720 });
    expect(w.destroyed).toBe(true);
  });

  it('restores a maximised window maximised', () => {
    const t = setup({ bounds: { x: 10, y: 10, width: 900, height: 700 }, maximized: true });
    t.controller.show();
    expect(t.windows[0]!.maximized).toBe(true);
  });

  it('compact mode: small, on top, its own bounds, compact URL; and back', () => {
    const t = setup({ bounds: { x: 10, y: 10, width: 900, height: 700 } });
    t.controller.show();
    const w = t.windows[0]!;
    t.controller.setCompact(true);
    expect(w.bounds).toEqual({ x: 1544, y: 544, width: 360, height: 480 });
    expect(w.alwaysOnTop).toBe(true);
    expect(w.urls.at(-1)).toBe('app://headroom/index.html?view=compact');
    expect(t.settings()).toMatchObject({ compact: true, bounds: { x: 10, y: 10, width: 900, height: 700 } });
    w.setBounds({ x: 1500, y: 500, width: 400, height: 500 });
    t.controller.setCompact(false);
    expect(w.bounds).toEqual({ x: 10, y: 10, width: 900, height: 700 });
    expect(w.alwaysOnTop).toBe(false);
    expect(t.settings()).toMatchObject({ compact: false, compactBounds: { x: 1500, y: 500, width: 400, height: 500 } });
  });

  it('compact mode chosen before the window exists applies on creation', () => {
    const t = setup();
    t.controller.setCompact(true);
    t.controller.show();
    expect(t.windows[0]!.options).toMatchObject({ width: 360, height: 480, alwaysOnTop: true });
    expect(t.windows[0]!.urls).toEqual(['app://headroom/index.html?view=compact']);
  });

  it('does nothing after dispose', () => {
    const t = setup();
    t.controller.dispose();
    t.controller.show();
    expect(t.windows).toHaveLength(0);
  });
});
