/**
 * Applies a TrayModel to the tray, touching Electron only when something changed: the icon is
 * re-rendered only when its rounded value or state changes, the tooltip and menu only when their
 * text changes. The Electron calls (nativeImage, Menu) come in as functions, so this is tested
 * with fakes and benchmarked without the binary.
 */
import type { Snapshot } from '../../shared/model/snapshot';
import { renderTrayIconPng, trayIconKey, type TrayIconSpec } from '../tray-icon/tray-icon';
import { buildTrayModel, type TrayAction, type TrayMenuItemModel, type TrayUiState } from './tray-model';

/** PNG representations for `nativeImage.addRepresentation`: 16 px at 1×, 32 px at 2×. */
export function trayImageRepresentations(spec: TrayIconSpec): { scaleFactor: number; width: number; height: number; buffer: Buffer }[] {
  return [1, 2].map((scale) => ({ scaleFactor: scale, width: 16 * scale, height: 16 * scale, buffer: renderTrayIconPng(spec, scale) }));
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
      const nextMenuKey = model.menu.map((i) => `${i.type}|${i.label}|${i.checked ? 1 : 0}|${i.enabled === false ? 0 : 1}`).join('\n');
      if (nextMenuKey !== menuKey) {
        deps.tray.setContextMenu(deps.buildMenu(model.menu, deps.onAction));
        menuKey = nextMenuKey;
        counts.menu++;
      }
    },
    counts,
  };
}
