/**
 * The application icon (installer, window, dock): a memory column filled to a level under a
 * threshold line, i.e. the headroom Headroom watches. Anti-aliased by supersampling.
 */
import { encodePng } from './png';
import { hex, renderSupersampled, type Raster, type Rgba } from './raster';

const BACKGROUND = hex('#161b22');
const COLUMN_EMPTY = hex('#2d333b');
const COLUMN_BORDER = hex('#adbac7');
const FILL = hex('#2ea043');
const THRESHOLD = hex('#e0a526');

function insideRoundedRect(u: number, v: number, x0: number, y0: number, x1: number, y1: number, radius: number): boolean {
  if (u < x0 || u > x1 || v < y0 || v > y1) return false;
  const cx = Math.min(Math.max(u, x0 + radius), x1 - radius);
  const cy = Math.min(Math.max(v, y0 + radius), y1 - radius);
  return (u - cx) ** 2 + (v - cy) ** 2 <= radius * radius;
}

function shadeAppIcon(u: number, v: number): Rgba | null {
  if (!insideRoundedRect(u, v, 0.05, 0.05, 0.95, 0.95, 0.2)) return null;
  // Threshold line across the column, at 85 % of its height.
  const colTop = 0.16;
  const colBottom = 0.86;
  const thresholdV = colBottom - 0.85 * (colBottom - colTop);
  if (Math.abs(v - thresholdV) <= 0.018 && u >= 0.2 && u <= 0.8) return THRESHOLD;
  if (insideRoundedRect(u, v, 0.3, colTop, 0.7, colBottom, 0.06)) {
    if (!insideRoundedRect(u, v, 0.33, colTop + 0.03, 0.67, colBottom - 0.03, 0.035)) return COLUMN_BORDER;
    const fillTop = colBottom - 0.6 * (colBottom - colTop);
    return v >= fillTop ? FILL : COLUMN_EMPTY;
  }
  return BACKGROUND;
}

export function renderAppIcon(size: number): Raster {
  return renderSupersampled(size, size >= 64 ? 3 : 4, shadeAppIcon);
}

export function renderAppIconPng(size: number): Buffer {
  const r = renderAppIcon(size);
  return encodePng(r.width, r.height, r.data);
}
