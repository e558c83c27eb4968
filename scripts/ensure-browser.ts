// Before the e2e tests (`npm test`): find a browser (e2e/browser.mjs); where none exists and this
// machine can install one itself (root on Debian/Ubuntu with apt-get), say so and install
// Debian's chromium; otherwise stop with one line that says exactly what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findBrowser, playwrightChromiumPath } from '../e2e/browser';

const own = await playwrightChromiumPath();
let found = findBrowser({ playwrightPath: () => own });
const explicitlySet = Boolean(process.env.CHROMIUM_PATH || process.env.HEADROOM_CHROMIUM);
const canApt = process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && existsSync('/usr/bin/apt-get') && existsSync('/etc/debian_version');

if (!found.ok && !explicitlySet && canApt) {
  console.log("No browser for the e2e tests: installing Debian's chromium (apt-get update && apt-get install -y chromium)…");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env }) : update;
  if (install.status !== 0) console.log(`apt-get failed (exit ${install.status ?? install.signal}).`);
  found = findBrowser({ playwrightPath: () => own });
}

if (!found.ok) {
  console.error(found.message);
  process.exit(1);
}
console.log(`e2e browser: ${found.path} (${found.source})`);
