/** A minimal RGBA raster: enough to draw the tray and app icons without a native canvas. */

export type Rgba = readonly [r: number, g: number, b: number, a: number];

export interface Raster {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes, row-major, straight (non-premultiplied) alpha. */
  readonly data: Uint8Array;
}

export function createRaster(width: number, height: number): Raster {
  return { width, height, data: new Uint8Array(width * height * 4) };
}

/** Replaces (does not blend) the pixels of a rectangle, clipped to the raster. */
export function fillRect(r: Raster, x: number, y: number, w: number, h: number, color: Rgba): void {
  const x0 = Math.max(0, x);
  const y0 = Math.max(0, y);
  const x1 = Math.min(r.width, x + w);
  const y1 = Math.min(r.height, y + h);
  for (let yy = y0; yy < y1; yy++) {
    for (let xx = x0; xx < x1; xx++) {
      const i = (yy * r.width + xx) * 4;
      r.data[i] = color[0];
      r.data[i + 1] = color[1];
      r.data[i + 2] = color[2];
      r.data[i + 3] = color[3];
    }
  }
}

/** Parses `#rrggbb` or `#rrggbbaa`. */
export function hex(color: string): Rgba {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})?$/i.exec(color);
  if (!m) throw new RangeError(`hex: not a colour: ${color}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16), m[4] ? parseInt(m[4], 16) : 255];
}

/**
 * Renders a shape function with `samples`² supersampling (anti-aliased edges). `shade(u, v)` gets
 * coordinates in 0–1 (u right, v down) and returns a colour or null (transparent).
 */
export function renderSupersampled(size: number, samples: number, shade: (u: number, v: number) => Rgba | null): Raster {
  const r = createRaster(size, size);
  const n = samples * samples;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let pr = 0;
      let pg = 0;
      let pb = 0;
      let pa = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const c = shade((x + (sx + 0.5) / samples) / size, (y + (sy + 0.5) / samples) / size);
          if (!c) continue;
          const a = c[3] / 255;
          pr += c[0] * a;
          pg += c[1] * a;
          pb += c[2] * a;
          pa += a;
        }
      }
      const i = (y * size + x) * 4;
      if (pa > 0) {
        r.data[i] = Math.round(pr / pa);
        r.data[i + 1] = Math.round(pg / pa);
        r.data[i + 2] = Math.round(pb / pa);
      }
      r.data[i + 3] = Math.round((pa / n) * 255);
    }
  }
  return r;
}
