// Which Chromium-family browser the e2e tests and the dashboard bench drive. Order:
//   1. CHROMIUM_PATH (or the older HEADROOM_CHROMIUM), which must exist when set;
//   2. Playwright's own Chromium, when `npx playwright install chromium` was run;
//   3. the system's: Debian/Ubuntu chromium, Chrome; on Windows Chrome or Edge under
//      %ProgramFiles%, %ProgramFiles(x86)% or %LOCALAPPDATA%; on macOS the .app bundles.
// Pure apart from the injected `exists`/`playwrightPath`, so the order is unit-tested for
// every platform (e2e/browser.test.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';

type Env = Record<string, string | undefined>;

export interface FindBrowserOptions {
  env?: Env;
  platform?: string;
  exists?: (p: string) => boolean;
  playwrightPath?: () => string | null;
}

export type FoundBrowser = { ok: true; path: string; source: string } | { ok: false; message: string };

export function findBrowser(o: FindBrowserOptions = {}): FoundBrowser {
  const env = o.env ?? process.env;
  const platform = o.platform ?? process.platform;
  const exists = o.exists ?? ((p: string) => existsSync(p));
  const explicit = env.CHROMIUM_PATH || env.HEADROOM_CHROMIUM;
  if (explicit) {
    if (exists(explicit)) return { ok: true, path: explicit, source: 'CHROMIUM_PATH' };
    return { ok: false, message: `CHROMIUM_PATH is set to ${explicit}, which does not exist: point it at a Chromium, Chrome or Edge executable, or unset it.` };
  }
  let own: string | null = null;
  try {
    own = o.playwrightPath ? o.playwrightPath() : null;
  } catch {
    own = null;
  }
  if (own && exists(own)) return { ok: true, path: own, source: "Playwright's own Chromium" };
  for (const candidate of systemCandidates(platform, env)) {
    if (exists(candidate)) return { ok: true, path: candidate, source: 'system browser' };
  }
  return { ok: false, message: missingMessage(platform) };
}

/** Where each platform keeps Chromium, Chrome and Edge. */
export function systemCandidates(platform: string, env: Env = process.env): string[] {
  if (platform === 'win32') {
    const w = path.win32;
    const roots = [env.ProgramFiles, env['ProgramFiles(x86)'], env.LOCALAPPDATA].filter((r): r is string => Boolean(r));
    const apps = [w.join('Google', 'Chrome', 'Application', 'chrome.exe'), w.join('Microsoft', 'Edge', 'Application', 'msedge.exe'), w.join('Chromium', 'Application', 'chrome.exe')];
    return apps.flatMap((app) => roots.map((root) => w.join(root, app)));
  }
  if (platform === 'darwin') {
    const home = env.HOME ?? '';
    const bundles = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'];
    return bundles.flatMap((b) => [path.posix.join('/Applications', b), ...(home ? [path.posix.join(home, 'Applications', b)] : [])]);
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/usr/bin/microsoft-edge', '/snap/bin/chromium'];
}

/** One line that says exactly what to install. */
export function missingMessage(platform: string): string {
  if (platform === 'win32') return 'No browser for the e2e tests: install Google Chrome or Microsoft Edge, or set CHROMIUM_PATH to chrome.exe / msedge.exe.';
  if (platform === 'darwin') return 'No browser for the e2e tests: install Google Chrome (or Chromium) into /Applications, or set CHROMIUM_PATH.';
  return "No browser for the e2e tests: install Debian's chromium (sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium/Chrome executable.";
}

/** Playwright's own Chromium, where `npx playwright install` put one (never downloaded here). */
export async function playwrightChromiumPath(): Promise<string | null> {
  try {
    const { chromium } = await import('@playwright/test');
    return chromium.executablePath();
  } catch {
    return null;
  }
}
