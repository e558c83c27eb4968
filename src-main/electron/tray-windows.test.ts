/**
 * Issue 11 items 5 and 10 under a fake of the Windows tray (test-fakes/windows-tray.ts): a
 * bitmap drawn for every notification-area size, set again when the display scale changes; the
 * tooltip within 127 UTF-16 units that keeps the alert; which GPU the icon shows.
 */
import { describe, expect, it } from 'vitest';
import { renderTrayIconAt } from '../tray-icon/tray-icon';
import { fixtureAlert, fixtureBackend, fixtureGpu, fixtureSnapshot } from './snapshot-fixtures';
import { FakeNativeImage, FakeWindowsTray } from './test-fakes/windows-tray';
import { createTrayPresenter, trayImageRepresentations } from './tray';
import { TOOLTIP_MAX_CHARS, trayMenu, trayTooltip, truncate, type TrayMenuItemModel, type TrayUiState } from './tray-model';

const GiB = 2 ** 30;
const NOW = 1_700_000_100_000;
const ui: TrayUiState = { paused: false, snoozedUntilMs: null, openAtLogin: false, compact: false };

function windowsTray() {
  const tray = new FakeWindowsTray();
  const presenter = createTrayPresenter<FakeNativeImage, null>({
    tray,
    platform: 'win32',
    createImage: (spec) => {
      const image = new FakeNativeImage();
      for (const r of trayImageRepresentations(spec, 'win32')) image.addRepresentation(r);
      return image;
    },
    buildMenu: () => null,
    onAction: () => undefined,
  });
  return { tray, presenter };
}

describe('Windows tray icon at 100–300 % scaling', () => {
  it.each([1, 1.25, 1.5, 2, 2.5, 3])('at %s× the tray draws a bitmap made for its size (no resampling)', (scale) => {
    const { tray, presenter } = windowsTray();
    tray.scaleFactor = scale;
    presenter.update(fixtureSnapshot(), ui, NOW);
    expect(tray.drawn).toEqual({ px: 16 * scale, resampled: false });
  });

  it('sets the image again after display-metrics-changed, so a new scale gets its own bitmap', () => {
    const { tray, presenter } = windowsTray();
    presenter.update(fixtureSnapshot(), ui, NOW);
    tray.scaleFactor = 1.5; // user changes scaling, or drags the taskbar to another display
    presenter.update(fixtureSnapshot(), ui, NOW);
    expect(tray.drawn).toEqual({ px: 16, resampled: false }); // unchanged icon: not set again
    presenter.invalidateIcon(); // main.ts: screen.on('display-metrics-changed')
    presenter.update(fixtureSnapshot(), ui, NOW);
    expect(tray.drawn).toEqual({ px: 24, resampled: false });
  });

  it('every size is a PNG of that size, with the digits drawn (not a blank square)', () => {
    for (const r of trayImageRepresentations({ level: 'warning', pct: 87, template: false }, 'win32')) {
      expect(r.buffer.subarray(1, 4).toString()).toBe('PNG');
      expect([r.buffer.readUInt32BE(16), r.buffer.readUInt32BE(20)]).toEqual([r.width, r.height]); // IHDR
      const raster = renderTrayIconAt({ level: 'warning', pct: 87, template: false }, r.width);
      let white = 0;
      for (let i = 0; i < raster.data.length; i += 4) if (raster.data[i] === 255 && raster.data[i + 1] === 255 && raster.data[i + 2] === 255 && raster.data[i + 3] === 255) white++;
      expect(white).toBeGreaterThan(r.width); // the "87"
    }
    expect(trayImageRepresentations({ level: 'ok', pct: 5 }, 'linux').map((r) => r.width)).toEqual([16, 32]);
  });
});

describe('tooltip within 127 UTF-16 units, alert line kept', () => {
  const longName = 'hf.co/bartowski/Qwen2.5-Coder-32B-Instruct-GGUF:Q4_K_M-with-an-even-longer-tag-for-testing';
  const snap = (name: string, message: string) => {
    const backend = fixtureBackend();
    backend.models[0]!.name = name;
    return fixtureSnapshot({ backends: [backend], alerts: [fixtureAlert({ severity: 'critical', message })] });
  };

  it('cuts the long model name first and keeps the alert whole', () => {
    const alert = 'GPU 0 memory at 97%: unload a model.';
    const tip = trayTooltip(snap(longName, alert), ui, NOW);
    expect(tip.length).toBeLessThanOrEqual(TOOLTIP_MAX_CHARS);
    const lines = tip.split('\n');
    expect(lines.at(-1)).toBe(`‼ ${alert}`);
    expect(lines[2]).toMatch(/^hf\.co\/bartowski\/.*… · ctx 8,192$/);
  });

  it('drops the model line before cutting the alert; an endless alert is cut but still there', () => {
    const alert = 'GPU 0 memory at 97% of 24.0 GiB; the KV cache of the loaded model grows into the rest within a minute.';
    const tip = trayTooltip(snap(longName, alert), ui, NOW);
    expect(tip.length).toBeLessThanOrEqual(TOOLTIP_MAX_CHARS);
    expect(tip).not.toContain('bartowski');
    expect(tip.split('\n').at(-1)).toMatch(/^‼ GPU 0 memory at 97%/);
    const long = trayTooltip(snap(longName, 'x'.repeat(400)), { ...ui, snoozedUntilMs: NOW + 1000 }, NOW);
    expect(long.length).toBeLessThanOrEqual(TOOLTIP_MAX_CHARS);
    expect(long).toMatch(/\n‼ x+…\n\(snoozed\)$/);
  });

  it('never splits a surrogate pair (emoji, CJK extension) in a model name or alert', () => {
    const emojiName = `${'🦙'.repeat(60)}-llama`;
    const tip = trayTooltip(snap(emojiName, `${'𠀀'.repeat(80)} full`), ui, NOW);
    expect(tip.length).toBeLessThanOrEqual(TOOLTIP_MAX_CHARS);
    expect(tip.split('\n').some((l) => l.startsWith('‼ 𠀀'))).toBe(true);
    // Every high surrogate is followed by a low one.
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(tip)).toBe(false);
    expect(truncate('ab🦙cd', 4)).toBe('ab…');
    expect(truncate('ab🦙cd', 5)).toBe('ab🦙…');
  });
});

describe('which GPU the tray icon shows', () => {
  const two = () =>
    fixtureSnapshot({
      gpus: [fixtureGpu({ memoryUsedBytes: 4 * GiB }), fixtureGpu({ index: 1, id: 'gpu:1', name: 'NVIDIA GeForce RTX 5090', memoryUsedBytes: 20 * GiB })],
    });

  it('the fullest by default, the picked GPU when set, the fullest again when that GPU is gone', () => {
    const { tray, presenter } = windowsTray();
    presenter.update(two(), ui, NOW);
    expect(tray.tooltip.split('\n')[1]).toMatch(/^GPU 1 20\.0\//);
    presenter.update(two(), { ...ui, iconGpu: 'gpu:0' }, NOW);
    expect(tray.tooltip.split('\n')[1]).toMatch(/^GPU 0 4\.0\//);
    presenter.update(fixtureSnapshot({ gpus: [fixtureGpu({ index: 1, id: 'gpu:1', memoryUsedBytes: 20 * GiB })] }), { ...ui, iconGpu: 'gpu:0' }, NOW);
    expect(tray.tooltip.split('\n')[1]).toMatch(/20\.0\//);
  });

  it('offers a "Tray icon shows" submenu with more than one GPU', () => {
    const sub = (items: TrayMenuItemModel[]) => items.find((i) => i.type === 'submenu');
    expect(sub(trayMenu(ui, NOW, [fixtureGpu()]))).toBeUndefined();
    const menu = sub(trayMenu({ ...ui, iconGpu: 'gpu:1' }, NOW, two().gpus));
    expect(menu?.submenu?.map((i) => `${i.label}${i.checked ? ' (x)' : ''}|${i.action}`)).toEqual([
      'Fullest GPU|icon-gpu:fullest',
      'GPU 0: NVIDIA GeForce RTX 4090|icon-gpu:gpu:0',
      'GPU 1: NVIDIA GeForce RTX 5090 (x)|icon-gpu:gpu:1',
    ]);
  });
});
