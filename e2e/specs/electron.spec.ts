/**
 * The desktop app, driven through Playwright's `_electron`: it launches, shows live data in its
 * window over IPC, hides to the tray on close, and a second launch brings the first one back.
 * Runs only where the Electron binary is installed (node_modules/electron/dist); elsewhere it
 * reports itself skipped. The binary is located from the file system, never by requiring
 * `electron` (which would try to download it).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';
import { repoRoot } from '../harness';
import { DashboardPage } from '../pages/dashboard.page';

function electronExecutable(): string | null {
  const pkg = join(repoRoot, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const relative = readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist');
  const exe = join(dist, relative);
  return existsSync(exe) ? exe : null;
}

const executablePath = electronExecutable();
const mainJs = join(repoRoot, 'dist', 'electron', 'main.js');
// Chromium refuses to start as root without --no-sandbox (containers, CI); users never run so.
const rootArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];

test.describe('desktop app', () => {
  test.skip(executablePath == null, 'skipped: Electron binary not installed');

  let app: ElectronApplication | null = null;
  let userData = '';
  const env = () => ({ ...process.env, HEADROOM_USER_DATA_DIR: userData, HEADROOM_DEMO: '1', HEADROOM_E2E: '1', ELECTRON_ENABLE_LOGGING: '1' }) as Record<string, string>;

  /** main.ts's read-only e2e view (unpackaged builds with HEADROOM_E2E=1). */
  interface E2EView {
    tooltip(): string;
    menu(): { label: string; type: string; checked: boolean; enabled: boolean }[];
    clickMenu(label: string): void;
    toastsHeld(): number;
    notify(critical: boolean): void;
    loginItem(): { openAtLogin: boolean | null; disabledByUser: boolean };
    windowUrl(): string | null;
  }
  const view = <T>(a: ElectronApplication, fn: (v: E2EView) => T) =>
    a.evaluate((_electron, src) => {
      const v = (globalThis as unknown as { __headroomE2E: E2EView }).__headroomE2E;
      return (new Function('v', `return (${src})(v)`) as (v: E2EView) => T)(v);
    }, fn.toString());

  test.beforeEach(() => {
    if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: run npm run build first.`);
    userData = mkdtempSync(join(tmpdir(), 'headroom-electron-'));
  });
  test.afterEach(async () => {
    await app?.close().catch(() => undefined);
    app = null;
    rmSync(userData, { recursive: true, force: true });
  });

  const windowVisible = (a: ElectronApplication) => a.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().map((w) => w.isVisible()));

  test('shows live data, hides to the tray on close, and a second launch reopens it', async () => {
    app = await electron.launch({ executablePath: executablePath!, args: [...rootArgs, mainJs], env: env() });
    const page = await app.firstWindow();
    const dash = new DashboardPage(page);
    await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
    await expect(dash.gpuCard()).toBeVisible();
    await expect(dash.demoBadge()).toBeVisible();

    // Live over IPC: the bridge exists, only call/on, and Snapshots keep arriving.
    expect(await page.evaluate(() => Object.keys((window as unknown as { headroom: object }).headroom).sort())).toEqual(['call', 'on']);
    const atMs = () =>
      page.evaluate(async () => {
        const r = (await (window as unknown as { headroom: { call(n: string, p: unknown): Promise<{ ok: boolean; value?: { atMs: number; gpus: unknown[] } }> } }).headroom.call('getSnapshot', undefined));
        return r.ok && r.value && r.value.gpus.length > 0 ? r.value.atMs : null;
      });
    const first = await atMs();
    expect(first).not.toBeNull();
    await expect.poll(atMs).toBeGreaterThan(first!);
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');

    // Closing hides to the tray; the app keeps running.
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    await expect.poll(() => windowVisible(app!)).toEqual([false]);

    // A second launch with the same profile exits at once and brings the first window back.
    const second = spawn(executablePath!, [...rootArgs, mainJs], { env: env(), stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    expect(code).toBe(0);
    await expect.poll(() => windowVisible(app!)).toEqual([true]);
  });

  test('refuses navigation away from the app and new windows', async () => {
    app = await electron.launch({ executablePath: executablePath!, args: [...rootArgs, mainJs], env: env() });
    const page = await app.firstWindow();
    await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
    await page.evaluate(() => {
      window.open('https://example.com/');
      location.href = 'https://example.com/';
    });
    await expect.poll(() => app!.windows().length).toBe(1);
    expect(page.url()).toMatch(/^app:\/\/headroom\//);
  });

  test('tray: tooltip within 127 characters with the GPU line, menu entries, snooze from the menu', async () => {
    app = await electron.launch({ executablePath: executablePath!, args: [...rootArgs, mainJs], env: env() });
    const page = await app.firstWindow();
    await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
    await expect.poll(() => view(app!, (v) => v.tooltip())).toMatch(/^Headroom \(demo\)\nGPU/);
    const tip = await view(app, (v) => v.tooltip());
    expect(tip.length).toBeLessThanOrEqual(127);
    const labels = (await view(app, (v) => v.menu())).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['Open dashboard', 'Compact window', 'Snooze alerts (1 h)', 'Pause monitoring', 'Quit Headroom']));
    await view(app, (v) => v.clickMenu('Snooze alerts (1 h)'));
    await expect.poll(async () => (await view(app!, (v) => v.menu())).some((i) => /^Alerts snoozed until/.test(i.label))).toBe(true);
  });

  test('notifications: each one is held (not garbage-collected) while it is shown', async () => {
    app = await electron.launch({ executablePath: executablePath!, args: [...rootArgs, mainJs], env: env() });
    const page = await app.firstWindow();
    await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
    const supported = await app.evaluate(({ Notification }) => Notification.isSupported());
    test.skip(!supported, 'skipped: this desktop has no notification service');
    const before = await view(app, (v) => v.toastsHeld());
    await view(app, (v) => v.notify(true));
    expect(await view(app, (v) => v.toastsHeld())).toBe(before + 1);
  });

  test('start at login: the checkbox reads back what was set (or says it is not supported here)', async () => {
    app = await electron.launch({ executablePath: executablePath!, args: [...rootArgs, mainJs], env: env() });
    const page = await app.firstWindow();
    await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
    const item = async () => (await view(app!, (v) => v.menu())).find((i) => i.label.startsWith('Start at login'));
    await expect.poll(item).toBeTruthy();
    if (process.platform !== 'win32' && process.platform !== 'darwin') {
      expect(await item()).toMatchObject({ label: 'Start at login (not supported here)', enabled: false });
      return;
    }
    const before = (await item())!.checked;
    await view(app, (v) => v.clickMenu('Start at login'));
    await expect.poll(async () => (await item())!.checked).toBe(!before);
    expect((await view(app, (v) => v.loginItem())).openAtLogin).toBe(!before);
    await view(app, (v) => v.clickMenu('Start at login')); // and back: leave the machine as it was
    await expect.poll(async () => (await item())!.checked).toBe(before);
  });
});
