import { chromium, defineConfig } from '@playwright/test';
import { findBrowser } from './browser';

/**
 * Two projects: "web" drives Debian's Chromium against `headroom serve`; "electron" launches
 * the desktop app where its binary exists (it reports itself skipped where it does not).
 * Never `npx playwright install`: the browser is the system one.
 */
// CHROMIUM_PATH, Playwright's own Chromium, or the system's (e2e/browser.ts); `npm test` runs
// scripts/ensure-test-tools.ts first, which installs Debian's chromium where it can.
const found = findBrowser({ playwrightPath: () => chromium.executablePath() });
const chromiumPath = found.ok ? found.path : '/usr/bin/chromium';

export default defineConfig({
  testDir: './specs',
  outputDir: './.artifacts/test-results',
  fullyParallel: true,
  workers: process.env.CI ? 2 : 2,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  projects: [
    {
      name: 'web',
      testIgnore: /electron\.spec\.ts/,
      use: {
        browserName: 'chromium',
        viewport: { width: 1440, height: 1000 },
        launchOptions: {
          executablePath: chromiumPath,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
        },
      },
    },
    {
      name: 'electron',
      testMatch: /electron\.spec\.ts/,
    },
  ],
});
