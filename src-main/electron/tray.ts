/**
 * Applies a TrayModel to the tray, touching Electron only when something changed: the icon is
 * re-rendered only when its rounded value or state changes, the tooltip and menu only when their
 * text changes. The Electron calls (nativeImage, Menu) come in as functions, so this is tested
 * with fakes and benchmarked without the binary.
 */
import type { Snapshot } from '../../shared/model/snapshot';
import { renderAppIconPng } from '../tray-icon/app-icon';
import { renderTrayIconPng, renderTrayIconPngAt, trayIconKey, WINDOWS_TRAY_SIZES, type TrayIconSpec } from '../tray-icon/tray-icon';
import { buildTrayModel, type TrayAction, type TrayMenuItemModel, type TrayUiState } from './tray-model';

/**
 * PNG representations for `nativeImage.addRepresentation`. Windows: one drawn bitmap for each
 * notification-area size (16/20/24/32/40/48 px = 100–300 % scaling), since Electron picks the
 * representation for the display's scale factor and otherwise resamples the nearest one
 * (blurry). macOS and Linux: 16 px at 1× and 32 px at 2×.
 */
export function trayImageRepresentations(spec: TrayIconSpec, platform: NodeJS.Platform = 'linux'): { scaleFactor: number; width: number; height: number; buffer: Buffer }[] {
  if (platform === 'win32') return WINDOWS_TRAY_SIZES.map((px) => ({ scaleFactor: px / 16, width: px, height: px, buffer: renderTrayIconPngAt(spec, px) }));
  return [1, 2].map((scale) => ({ scaleFactor: scale, width: 16 * scale, height: 16 * scale, buffer: renderTrayIconPng(spec, scale) }));
}

/** The app window's icon: 32 DIP drawn at 100–300 % (32, 40, 48, 64, 80, 96 px) and 256 px. */
export function appIconRepresentations(): { scaleFactor: number; width: number; height: number; buffer: Buffer }[] {
  return [32, 40, 48, 64, 80, 96, 128].map((px) => ({ scaleFactor: px / 32, width: px, height: px, buffer: renderAppIconPng(px) }));
}

function menuKeyOf(items: readonly TrayMenuItemModel[]): string {
  return items.map((i) => `${i.type}|${i.label}|${i.checked ? 1 : 0}|${i.enabled === false ? 0 : 1}${i.submenu ? `[${menuKeyOf(i.submenu)}]` : ''}`).join('\n');
}

export interface TrayTarget<Image, Menu> {
  setImage(image: Image): void;
  setToolTip(text: string): void;
  setContextMenu(menu: Menu | null): void;
}

export interface TrayPresenterDeps<Image, Menu> {
  tray: TrayTarget<Image, Menu>;
  /** Builds the OS image for a spec (main.ts: nativeImage with trayImageRepresentations). */
  createImage(spec: TrayIconSpec): Image;
  /** Builds the OS menu (main.ts: Menu.buildFromTemplate); items call `onAction`. */
  buildMenu(items: readonly TrayMenuItemModel[], onAction: (action: TrayAction) => void): Menu;
  onAction(action: TrayAction): void;
  platform: NodeJS.Platform;
}

export interface TrayPresenter {
  update(snapshot: Snapshot | null, ui: TrayUiState, nowMs: number): void;
  /** The display scale changed (`display-metrics-changed`): set the image again on the next update. */
  invalidateIcon(): void;
  /** How often each part was pushed to the OS (tests, benchmark). */
  readonly counts: { readonly icon: number; readonly tooltip: number; readonly menu: number };
}

export function createTrayPresenter<Image, Menu>(deps: TrayPresenterDeps<Image, Menu>): TrayPresenter {
  let iconKey: string | null = null;
  let tooltip: string | null = null;
  let menuKey: string | null = null;
  const counts = { icon: 0, tooltip: 0, menu: 0 };
  return {
    update(snapshot, ui, nowMs) {
      const model = buildTrayModel(snapshot, ui, { nowMs, platform: deps.platform });
      const nextIconKey = trayIconKey(model.icon);
      if (nextIconKey !== iconKey) {
        deps.tray.setImage(deps.createImage(model.icon));
        iconKey = nextIconKey;
        counts.icon++;
      }
      if (model.tooltip !== tooltip) {
        deps.tray.setToolTip(model.tooltip);
        tooltip = model.tooltip;
        counts.tooltip++;
      }
      const nextMenuKey = menuKeyOf(model.menu);
      if (nextMenuKey !== menuKey) {
        deps.tray.setContextMenu(deps.buildMenu(model.menu, deps.onAction));
        menuKey = nextMenuKey;
        counts.menu++;
      }
    },
    invalidateIcon() {
      iconKey = null;
    },
    counts,
  };
}
