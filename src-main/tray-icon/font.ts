/**
 * Bitmap digits for the tray icon. 5×7 for one or two digits; 3×5 when "100" must fit in 16 px.
 * Each glyph is rows of '1' (ink) and '0'.
 */

export interface BitmapFont {
  readonly width: number;
  readonly height: number;
  readonly glyphs: Readonly<Record<string, readonly string[]>>;
}

export const FONT_5X7: BitmapFont = {
  width: 5,
  height: 7,
  glyphs: {
    '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
    '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
    '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
    '3': ['11111', '00010', '00100', '00010', '00001', '10001', '01110'],
    '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
    '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
    '6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
    '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
    '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
    '9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
    '-': ['00000', '00000', '00000', '11111', '00000', '00000', '00000'],
  },
};

export const FONT_3X5: BitmapFont = {
  width: 3,
  height: 5,
  glyphs: {
    '0': ['111', '101', '101', '101', '111'],
    '1': ['010', '110', '010', '010', '111'],
    '2': ['111', '001', '111', '100', '111'],
    '3': ['111', '001', '011', '001', '111'],
    '4': ['101', '101', '111', '001', '001'],
    '5': ['111', '100', '111', '001', '111'],
    '6': ['111', '100', '111', '101', '111'],
    '7': ['111', '001', '010', '010', '010'],
    '8': ['111', '101', '111', '101', '111'],
    '9': ['111', '101', '111', '001', '111'],
    '-': ['000', '000', '111', '000', '000'],
  },
};

/** Width in pixels of `text` with one pixel between glyphs. */
export function textWidth(font: BitmapFont, text: string): number {
  return text.length === 0 ? 0 : text.length * font.width + (text.length - 1);
}

/** Calls `ink(x, y)` for every inked pixel of `text` drawn with its top-left at (x0, y0). */
export function forEachInk(font: BitmapFont, text: string, x0: number, y0: number, ink: (x: number, y: number) => void): void {
  let x = x0;
  for (const ch of text) {
    const glyph = font.glyphs[ch];
    if (glyph) {
      for (let gy = 0; gy < font.height; gy++) {
        const row = glyph[gy]!;
        for (let gx = 0; gx < font.width; gx++) if (row[gx] === '1') ink(x + gx, y0 + gy);
      }
    }
    x += font.width + 1;
  }
}
