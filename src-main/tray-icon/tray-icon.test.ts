import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { renderAppIconPng } from './app-icon';
import { encodeIco } from './ico';
import { crc32, encodePng } from './png';
import { renderTrayIcon, renderTrayIconPng, trayIconKey, trayIconText, type TrayIconSpec } from './tray-icon';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'e2e', '.artifacts', 'tray');

/** Decodes the PNGs encodePng writes (RGBA, filter 0), checking every chunk CRC. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    expect(png.readUInt32BE(offset + 8 + length)).toBe(crc32(png, offset + 4, offset + 8 + length));
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([...data.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0);
    raw.copy(rgba, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, rgba };
}

describe('png', () => {
  it('crc32 matches the reference value for "123456789"', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('round-trips pixels', () => {
    const rgba = new Uint8Array(3 * 2 * 4).map((_, i) => (i * 37) & 0xff);
    const decoded = decodePng(encodePng(3, 2, rgba));
    expect(decoded).toMatchObject({ width: 3, height: 2 });
    expect([...decoded.rgba]).toEqual([...rgba]);
  });

  it.each([
    { name: 'zero width', w: 0, h: 1, bytes: 0 },
    { name: 'fractional', w: 1.5, h: 1, bytes: 4 },
    { name: 'short buffer', w: 2, h: 2, bytes: 15 },
  ])('refuses $name', ({ w, h, bytes }) => {
    expect(() => encodePng(w, h, new Uint8Array(bytes))).toThrow(RangeError);
  });
});

describe('trayIconText', () => {
  it.each([
    { name: 'no data', pct: null, want: '--' },
    { name: 'NaN', pct: Number.NaN, want: '--' },
    { name: 'zero', pct: 0, want: '0' },
    { name: 'rounds half up', pct: 72.5, want: '73' },
    { name: 'full', pct: 100, want: '100' },
    { name: 'over-reported', pct: 130, want: '100' },
    { name: 'negative', pct: -3, want: '0' },
  ])('$name', ({ pct, want }) => {
    expect(trayIconText(pct)).toBe(want);
  });
});

describe('trayIconKey', () => {
  it('is equal when only the sub-percent value changes, so the icon is not redrawn', () => {
    expect(trayIconKey({ level: 'ok', pct: 71.6 })).toBe(trayIconKey({ level: 'ok', pct: 72.4 }));
  });
  it.each([
    { name: 'level', a: { level: 'ok', pct: 50 }, b: { level: 'warning', pct: 50 } },
    { name: 'value', a: { level: 'ok', pct: 50 }, b: { level: 'ok', pct: 51 } },
    { name: 'template', a: { level: 'ok', pct: 50 }, b: { level: 'ok', pct: 50, template: true } },
  ] satisfies { name: string; a: TrayIconSpec; b: TrayIconSpec }[])('differs by $name', ({ a, b }) => {
    expect(trayIconKey(a)).not.toBe(trayIconKey(b));
  });
});

describe('renderTrayIcon', () => {
  const pixel = (spec: TrayIconSpec, x: number, y: number, scale = 1) => {
    const r = renderTrayIcon(spec, scale);
    const i = (y * r.width + x) * 4;
    return [...r.data.subarray(i, i + 4)];
  };

  it.each([
    { name: 'ok is green at the bottom', spec: { level: 'ok', pct: 50 }, want: [0x2e, 0xa0, 0x43, 255] },
    { name: 'warning is amber', spec: { level: 'warning', pct: 90 }, want: [0xd2, 0x99, 0x22, 255] },
    { name: 'critical is red', spec: { level: 'critical', pct: 99 }, want: [0xe5, 0x53, 0x4b, 255] },
    { name: 'no data is grey', spec: { level: 'none', pct: null }, want: [0x6e, 0x76, 0x81, 255] },
  ] satisfies { name: string; spec: TrayIconSpec; want: number[] }[])('$name', ({ spec, want }) => {
    expect(pixel(spec, 7, 15)).toEqual(want);
  });

  it('leaves the empty part dark above the fill level', () => {
    expect(pixel({ level: 'ok', pct: 10 }, 7, 1)).toEqual([0x24, 0x29, 0x2f, 255]);
  });

  it('has transparent rounded corners', () => {
    expect(pixel({ level: 'ok', pct: 100 }, 0, 0)[3]).toBe(0);
    expect(pixel({ level: 'ok', pct: 100 }, 31, 31, 2)[3]).toBe(0);
  });

  it('draws white digits', () => {
    const r = renderTrayIcon({ level: 'ok', pct: 88 });
    let white = 0;
    for (let i = 0; i < r.data.length; i += 4) if (r.data[i] === 255 && r.data[i + 1] === 255 && r.data[i + 2] === 255) white++;
    expect(white).toBeGreaterThan(20);
  });

  it('template images use black and alpha only', () => {
    const r = renderTrayIcon({ level: 'critical', pct: 64, template: true }, 2);
    for (let i = 0; i < r.data.length; i += 4) expect([r.data[i], r.data[i + 1], r.data[i + 2]]).toEqual([0, 0, 0]);
  });

  it('scales whole-number multiples of the 16 px grid', () => {
    expect(decodePng(renderTrayIconPng({ level: 'ok', pct: 5 }, 2))).toMatchObject({ width: 32, height: 32 });
    expect(() => renderTrayIcon({ level: 'ok', pct: 5 }, 1.5)).toThrow(RangeError);
  });
});

describe('encodeIco', () => {
  it('writes a directory entry per image, 256 stored as 0', () => {
    const images = [256, 16, 32].map((size) => ({ size, png: renderAppIconPng(size) }));
    const ico = encodeIco(images);
    expect(ico.readUInt16LE(2)).toBe(1);
    expect(ico.readUInt16LE(4)).toBe(3);
    expect([ico[6], ico[22], ico[38]]).toEqual([16, 32, 0]);
    const lastOffset = ico.readUInt32LE(38 + 12);
    const lastSize = ico.readUInt32LE(38 + 8);
    expect(lastOffset + lastSize).toBe(ico.length);
    expect(decodePng(ico.subarray(lastOffset))).toMatchObject({ width: 256, height: 256 });
  });
  it('refuses sizes over 256', () => {
    expect(() => encodeIco([{ size: 512, png: Buffer.alloc(1) }])).toThrow(RangeError);
  });
});

describe('artifacts for a human look (e2e/.artifacts/tray/)', () => {
  it('writes every state at 1×, 2× and 4×, and the app icon', () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const specs: TrayIconSpec[] = [
      { level: 'ok', pct: 7 },
      { level: 'ok', pct: 42 },
      { level: 'warning', pct: 87 },
      { level: 'critical', pct: 97 },
      { level: 'critical', pct: 100 },
      { level: 'none', pct: null },
      { level: 'ok', pct: 64, template: true },
    ];
    for (const spec of specs) {
      for (const scale of [1, 2, 4]) {
        const name = `${spec.template ? 'template' : spec.level}-${trayIconText(spec.pct)}@${scale}x.png`;
        writeFileSync(join(ARTIFACTS, name), renderTrayIconPng(spec, scale));
      }
    }
    writeFileSync(join(ARTIFACTS, 'app-icon-256.png'), renderAppIconPng(256));
    writeFileSync(join(ARTIFACTS, 'app-icon-32.png'), renderAppIconPng(32));
  });
});
