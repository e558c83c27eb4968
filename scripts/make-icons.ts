/**
 * Writes the application icons electron-builder packs, drawn by the same pure renderer as the
 * tray icon (no image tools needed):
 *   build/icons/icon.ico        Windows (16–256 px, PNG-compressed entries)
 *   build/icons/icon.png        macOS (1024 px; electron-builder makes the .icns)
 *   build/icons/png/NxN.png     Linux (16–512 px)
 * Run: node --import tsx scripts/make-icons.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderAppIconPng } from '../src-main/tray-icon/app-icon';
import { encodeIco } from '../src-main/tray-icon/ico';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'icons');
mkdirSync(join(out, 'png'), { recursive: true });

writeFileSync(join(out, 'icon.ico'), encodeIco([16, 20, 24, 32, 40, 48, 64, 128, 256].map((size) => ({ size, png: renderAppIconPng(size) }))));
writeFileSync(join(out, 'icon.png'), renderAppIconPng(1024));
for (const size of [16, 24, 32, 48, 64, 128, 256, 512]) writeFileSync(join(out, 'png', `${size}x${size}.png`), renderAppIconPng(size));
process.stdout.write(`Icons written to ${out}\n`);
