import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBrowser, systemCandidates } from './browser';

const only = (...paths: string[]) => (p: string) => paths.includes(p);

describe('findBrowser', () => {
  it('CHROMIUM_PATH wins when it exists', () => {
    const r = findBrowser({ env: { CHROMIUM_PATH: '/opt/c/chrome' }, platform: 'linux', exists: only('/opt/c/chrome', '/usr/bin/chromium') });
    expect(r).toEqual({ ok: true, path: '/opt/c/chrome', source: 'CHROMIUM_PATH' });
  });
  it('a CHROMIUM_PATH that does not exist is an error, not a silent fallback', () => {
    const r = findBrowser({ env: { CHROMIUM_PATH: '/nope' }, platform: 'linux', exists: only('/usr/bin/chromium') });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('/nope');
  });
  it("Playwright's own Chromium comes before the system's", () => {
    const own = '/root/.cache/ms-playwright/chromium-1/chrome-linux/chrome';
    const r = findBrowser({ env: {}, platform: 'linux', exists: only(own, '/usr/bin/chromium'), playwrightPath: () => own });
    expect(r).toMatchObject({ ok: true, path: own });
  });
  it("Debian's /usr/bin/chromium on Linux", () => {
    expect(findBrowser({ env: {}, platform: 'linux', exists: only('/usr/bin/chromium'), playwrightPath: () => '/missing' })).toMatchObject({ ok: true, path: '/usr/bin/chromium' });
  });
  it('Edge under Program Files (x86) on Windows, with Windows paths', () => {
    const env = { ProgramFiles: 'C:\\Program Files', 'ProgramFiles(x86)': 'C:\\Program Files (x86)', LOCALAPPDATA: 'C:\\Users\\Ana Lopez\\AppData\\Local' };
    const edge = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe';
    expect(findBrowser({ env, platform: 'win32', exists: only(edge) })).toMatchObject({ ok: true, path: edge });
    const chromeUser = path.win32.join(env.LOCALAPPDATA, 'Google', 'Chrome', 'Application', 'chrome.exe');
    expect(systemCandidates('win32', env)).toContain(chromeUser);
    expect(systemCandidates('win32', env).every((p) => !p.includes('/'))).toBe(true);
  });
  it('Chrome in /Applications on macOS', () => {
    const chrome = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    expect(findBrowser({ env: { HOME: '/Users/ana' }, platform: 'darwin', exists: only(chrome) })).toMatchObject({ ok: true, path: chrome });
  });
  it.each(['linux', 'win32', 'darwin'])('nothing found on %s: one line that says what to install', (platform) => {
    const r = findBrowser({ env: {}, platform, exists: () => false });
    expect(r.ok).toBe(false);
    const message = !r.ok ? r.message : '';
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/install/i);
  });
});
