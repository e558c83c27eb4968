// Before the tests (`npm test`): the outside programs they drive.
// - A browser for the e2e tests (e2e/browser.ts). Where none exists and this machine can install
//   one itself (root on Debian/Ubuntu with apt-get), say so and install Debian's chromium;
//   otherwise stop with one line that says exactly what to install.
// - Debian's prometheus and prometheus-alertmanager (promtool/amtool checks, the Prometheus e2e):
//   installed the same way where missing and possible; elsewhere those tests report themselves
//   skipped with the reason (a Windows or macOS developer machine has no Debian package).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findBrowser, playwrightChromiumPath } from '../e2e/browser';

const canApt = process.platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0 && existsSync('/usr/bin/apt-get') && existsSync('/etc/debian_version');
let aptUpdated = false;

function aptInstall(packages: string[], why: string): void {
  console.log(`${why}: installing Debian's ${packages.join(' and ')} (apt-get install -y ${packages.join(' ')})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = update.status === 0;
    if (!aptUpdated) {
      console.log(`apt-get update failed (exit ${update.status ?? update.signal}).`);
      return;
    }
  }
  const install = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
  if (install.status !== 0) console.log(`apt-get install failed (exit ${install.status ?? install.signal}).`);
}

const own = await playwrightChromiumPath();
let found = findBrowser({ playwrightPath: () => own });
const explicitlySet = Boolean(process.env.CHROMIUM_PATH || process.env.HEADROOM_CHROMIUM);
if (!found.ok && !explicitlySet && canApt) {
  aptInstall(['chromium'], 'No browser for the e2e tests');
  found = findBrowser({ playwrightPath: () => own });
}
if (!found.ok) {
  console.error(found.message);
  process.exit(1);
}
console.log(`e2e browser: ${found.path} (${found.source})`);

const prometheusTools = ['/usr/bin/prometheus', '/usr/bin/promtool', '/usr/bin/prometheus-alertmanager', '/usr/bin/amtool'];
if (process.platform === 'linux' && prometheusTools.some((p) => !existsSync(p))) {
  if (canApt) aptInstall(['prometheus', 'prometheus-alertmanager'], 'Prometheus tests need them');
  const missing = prometheusTools.filter((p) => !existsSync(p));
  if (missing.length) console.log(`Not found: ${missing.join(', ')}: the Prometheus tests will report themselves skipped (Debian/Ubuntu: sudo apt-get install prometheus prometheus-alertmanager).`);
}
