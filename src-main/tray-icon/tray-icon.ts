/**
 * The tray icon: GPU memory fill level drawn as a number over a "liquid level" gauge, coloured by
 * state. Pure: a spec in, RGBA/PNG out. Designed on a 16 × 16 grid and scaled by whole numbers
 * (16 px at 100 % DPI, 32 px at 200 %), so digits stay crisp.
 */
import { encodePng } from './png';
import { createRaster, fillRect, hex, type Raster, type Rgba } from './raster';
import { FONT_3X5, FONT_5X7, forEachInk, textWidth, type BitmapFont } from './font';

/** ok / warning / critical come from the Snapshot's alerts; `none` = no data (or paused). */
export type TrayLevel = 'ok' | 'warning' | 'critical' | 'none';

export interface TrayIconSpec {
  level: TrayLevel;
  /** GPU memory fill 0–100, or null when unknown. Rounded to a whole percent for drawing. */
  pct: number | null;
  /** macOS menu-bar template image: black + alpha only; the OS tints it. */
  template?: boolean;
}

/** The design grid in pixels; `scale` multiplies it. */
export const TRAY_GRID = 16;

const PALETTE: Record<TrayLevel, { fill: Rgba; empty: Rgba }> = {
  ok: { fill: hex('#2ea043'), empty: hex('#24292f') },
  warning: { fill: hex('#d29922'), empty: hex('#24292f') },
  critical: { fill: hex('#e5534b'), empty: hex('#24292f') },
  none: { fill: hex('#6e7681'), empty: hex('#3d444d') },
};
const TEXT = hex('#ffffff');
const OUTLINE = hex('#0d1117');
const INK = hex('#000000');
const INK_FAINT = hex('#00000059');

/** The text the icon shows: "0"–"100", or "--" without data. */
export function trayIconText(pct: number | null): string {
  if (pct == null || !Number.isFinite(pct)) return '--';
  return String(Math.min(100, Math.max(0, Math.round(pct))));
}

/** A stable key: two specs with the same key draw the same pixels (used to skip redraws). */
export function trayIconKey(spec: TrayIconSpec): string {
  return `${spec.template ? 't' : 'c'}:${spec.level}:${trayIconText(spec.pct)}`;
}

function fontFor(text: string): BitmapFont {
  return textWidth(FONT_5X7, text) <= TRAY_GRID - 4 ? FONT_5X7 : FONT_3X5;
}

/** Renders the icon at `scale` × 16 pixels. */
export function renderTrayIcon(spec: TrayIconSpec, scale = 1): Raster {
  if (!Number.isInteger(scale) || scale < 1 || scale > 16) throw new RangeError(`renderTrayIcon: scale must be 1–16, got ${scale}`);
  const grid = TRAY_GRID;
  const r = createRaster(grid * scale, grid * scale);
  const cell = (x: number, y: number, w: number, h: number, c: Rgba) => fillRect(r, x * scale, y * scale, w * scale, h * scale, c);
  const text = trayIconText(spec.pct);
  const level = Number(text);
  const font = fontFor(text);
  const tw = textWidth(font, text);

  if (spec.template) {
    // Number on top, a level bar below it; the OS colours the black for light/dark menu bars.
    const ty = 2;
    forEachInk(font, text, Math.floor((grid - tw) / 2), ty + Math.floor((7 - font.height) / 2), (x, y) => cell(x, y, 1, 1, INK));
    cell(1, 12, grid - 2, 3, INK_FAINT);
    const filled = Number.isFinite(level) ? Math.round(((grid - 2) * level) / 100) : 0;
    if (filled > 0) cell(1, 12, filled, 3, INK);
    return r;
  }

  const colors = PALETTE[spec.level];
  cell(0, 0, grid, grid, colors.empty);
  const filledRows = Number.isFinite(level) ? Math.round((grid * level) / 100) : grid;
  if (filledRows > 0) cell(0, grid - filledRows, grid, filledRows, colors.fill);
  // Rounded corners: clear the two outermost pixels at each corner.
  const clear: Rgba = [0, 0, 0, 0];
  for (const [x, y] of [[0, 0], [1, 0], [0, 1]] as const) {
    cell(x, y, 1, 1, clear);
    cell(grid - 1 - x, y, 1, 1, clear);
    cell(x, grid - 1 - y, 1, 1, clear);
    cell(grid - 1 - x, grid - 1 - y, 1, 1, clear);
  }
  // Text with a one-cell dark outline so it reads over both the fill and the empty part.
  const x0 = Math.floor((grid - tw) / 2);
  const y0 = Math.floor((grid - font.height) / 2);
  forEachInk(font, text, x0, y0, (x, y) => {
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) cell(x + dx, y + dy, 1, 1, OUTLINE);
  });
  forEachInk(font, text, x0, y0, (x, y) => cell(x, y, 1, 1, TEXT));
  return r;
}

/** PNG bytes of the icon at `scale`. */
export function renderTrayIconPng(spec: TrayIconSpec, scale = 1): Buffer {
  const r = renderTrayIcon(spec, scale);
  return encodePng(r.width, r.height, r.data);
}

/**
 * Windows tray sizes: the notification area draws a 16 px icon at 100 % and 20, 24, 32, 40 and
 * 48 px at 125, 150, 200, 250 and 300 % scaling (Windows "Icons" guidelines; SM_CXSMICON).
 */
export const WINDOWS_TRAY_SIZES = [16, 20, 24, 32, 40, 48] as const;

/**
 * Renders the icon at any pixel size. Multiples of 16 use the 16 px design scaled by a whole
 * number; other sizes lay the gauge out in real pixels and draw the digits with the largest
 * whole-number font scale that fits, so no size is a resampled (blurry) copy of another.
 */
export function renderTrayIconAt(spec: TrayIconSpec, px: number): Raster {
  if (!Number.isInteger(px) || px < 16 || px > 256) throw new RangeError(`renderTrayIconAt: size must be 16–256 px, got ${px}`);
  if (px % TRAY_GRID === 0) return renderTrayIcon(spec, px / TRAY_GRID);
  const r = createRaster(px, px);
  const text = trayIconText(spec.pct);
  const level = Number(text);
  const font = fontFor(text);
  const s = Math.max(1, Math.floor(px / TRAY_GRID));
  const tw = textWidth(font, text) * s;
  const th = font.height * s;
  const x0 = Math.floor((px - tw) / 2);
  const dot = (x: number, y: number, c: Rgba) => fillRect(r, x0 + x * s, y, s, s, c);

  if (spec.template) {
    const barH = Math.max(3, Math.round((3 * px) / TRAY_GRID));
    const barY = px - barH - Math.max(1, Math.round(px / TRAY_GRID));
    const ty = Math.max(0, Math.floor((barY - th) / 2));
    forEachInk(font, text, 0, 0, (x, y) => dot(x, ty + y * s, INK));
    const inset = Math.max(1, Math.round(px / TRAY_GRID));
    fillRect(r, inset, barY, px - 2 * inset, barH, INK_FAINT);
    const filled = Number.isFinite(level) ? Math.round(((px - 2 * inset) * level) / 100) : 0;
    if (filled > 0) fillRect(r, inset, barY, filled, barH, INK);
    return r;
  }

  const colors = PALETTE[spec.level];
  fillRect(r, 0, 0, px, px, colors.empty);
  const filledRows = Number.isFinite(level) ? Math.round((px * level) / 100) : px;
  if (filledRows > 0) fillRect(r, 0, px - filledRows, px, filledRows, colors.fill);
  const clear: Rgba = [0, 0, 0, 0];
  const c = Math.max(1, Math.round(px / TRAY_GRID));
  for (const [x, y] of [[0, 0], [1, 0], [0, 1]] as const) {
    fillRect(r, x * c, y * c, c, c, clear);
    fillRect(r, px - (x + 1) * c, y * c, c, c, clear);
    fillRect(r, x * c, px - (y + 1) * c, c, c, clear);
    fillRect(r, px - (x + 1) * c, px - (y + 1) * c, c, c, clear);
  }
  const ty = Math.floor((px - th) / 2);
  forEachInk(font, text, 0, 0, (x, y) => fillRect(r, x0 + x * s - s, ty + y * s - s, 3 * s, 3 * s, OUTLINE));
  forEachInk(font, text, 0, 0, (x, y) => dot(x, ty + y * s, TEXT));
  return r;
}

export function renderTrayIconPngAt(spec: TrayIconSpec, px: number): Buffer {
  const r = renderTrayIconAt(spec, px);
  return encodePng(r.width, r.height, r.data);
}
