/**
 * One view over several machines (issue 15): real `headroom serve` processes on loopback, one
 * watching the others with **viewer** tokens made by `headroom token create --role viewer` into
 * each server's config file (issue 14's roles), driven in Chromium; plus a tiny hostile SSE server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { cliPath, gpuLine, repoRoot, startHeadroom, type Headroom } from '../harness';
import { FleetPage } from '../pages/fleet.page';

const nvidiaSmi = join(repoRoot, 'e2e/fakes/nvidia-smi');
const TOTAL_MIB = 81_559;

let instances: Headroom[] = [];
let closers: (() => Promise<void>)[] = [];
test.afterEach(async () => {
  for (const h of instances) await h.stop();
  for (const c of closers) await c();
  instances = [];
  closers = [];
});

/** A fresh config file path in a temp folder (removed after the test). */
function tempConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-fleet-config-'));
  closers.push(async () => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'config.json');
}

/** `headroom token create --role ROLE --config FILE`, as a team server's admin does it: the token printed once. */
function createToken(config: string, role: 'viewer' | 'admin' | 'scrape'): string {
  const r = spawnSync(process.execPath, [cliPath, 'token', 'create', '--role', role, '--config', config, '--label', `e2e ${role}`], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const token = r.stdout.trim();
  expect(token).toMatch(/^hr[vas]_[\w-]{43}$/);
  return token;
}

async function serve(args: string[], gpuLines = [gpuLine(0, 1000)]): Promise<Headroom> {
  const h = await startHeadroom(['--nvidia-smi', nvidiaSmi, '--no-discover', '--interval-ms', '500', ...args], { gpuLines });
  instances.push(h);
  return h;
}
const base = (h: Headroom) => new URL(h.url).origin;

/** No serious or critical axe violations on the page as it is now. */
async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
}

/** A watched team server as `name`, its tokens in `config`; on `port` to come back where it was. */
async function remote(name: string, config: string, gpuLines: string[], port?: number): Promise<Headroom> {
  return serve(['--name', name, '--config', config, ...(port ? ['--port', String(port)] : [])], gpuLines);
}

/** A config with a viewer token (what a watcher is given), and that token. */
function viewerConfig(): { config: string; viewer: string } {
  const config = tempConfig();
  return { config, viewer: createToken(config, 'viewer') };
}

test('shows every host, follows a remote, says "unreachable" when one is killed and recovers when it is back', async ({ page }) => {
  const h100 = (i: number, used: number) => gpuLine(i, used, TOTAL_MIB, 'NVIDIA H100 80GB HBM3');
  const cfgOne = viewerConfig();
  const cfgTwo = viewerConfig();
  const one = await remote('gpu-server-1', cfgOne.config, [h100(0, 20_000), h100(1, 30_000)]);
  const two = await remote('gpu-server-2', cfgTwo.config, [h100(0, 10_000)]);
  // gpu-server-2 is given on the command line; gpu-server-1 is added in Settings → Servers to watch.
  const watcher = await serve(['--name', 'workstation', '--watch', base(two), '--watch-token', `${base(two)}=${cfgTwo.viewer}`]);
  const fleet = new FleetPage(page);
  await fleet.open(watcher.url);
  await expect(fleet.status('gpu-server-2')).toHaveText('Live');

  await fleet.goSettings();
  await fleet.watch(base(one), cfgOne.viewer);
  await expect(fleet.watchResult(0)).toHaveText('Reached gpu-server-1: 2 GPUs.');
  await expectAccessible(page);
  await fleet.goDashboard();

  await expect(fleet.sections()).toHaveCount(3);
  await expect(fleet.sections().first()).toHaveAttribute('data-host', 'workstation');
  await expect(fleet.status('gpu-server-1')).toHaveText('Live');
  await expect(fleet.gpus('gpu-server-1')).toHaveCount(2);
  await expect(fleet.gpuUsed('gpu-server-1', 1)).toContainText('29.3 GiB of 79.6 GiB used');
  await page.screenshot({ path: join(repoRoot, 'e2e/screenshots/fleet-dashboard.png'), fullPage: true });
  await expectAccessible(page);

  one.setGpuLines([h100(0, 20_000), h100(1, 60_000)]);
  await expect(fleet.gpuUsed('gpu-server-1', 1)).toContainText('58.6 GiB of 79.6 GiB used');

  const port = new URL(one.url).port;
  await one.stop();
  await expect(fleet.status('gpu-server-1')).toHaveText('Unreachable');
  await expect(fleet.since('gpu-server-1')).toContainText('Unreachable since');
  await expect(fleet.message('gpu-server-1')).toContainText('is not answering');
  await expect(fleet.gpus('gpu-server-1')).toHaveCount(0); // no stale figure shown as current
  await expect(fleet.status('gpu-server-2')).toHaveText('Live');
  await page.screenshot({ path: join(repoRoot, 'e2e/screenshots/fleet-unreachable.png'), fullPage: true });

  await remote('gpu-server-1', cfgOne.config, [h100(0, 5_000)], Number(port));
  await expect(fleet.status('gpu-server-1')).toHaveText('Live', { timeout: 20_000 });
  await expect(fleet.gpus('gpu-server-1')).toHaveCount(1);
});

test("a remote's alerts reach the Alerts page and the alert log, labelled with the host", async ({ page }) => {
  const cfg = viewerConfig();
  const one = await remote('gpu-server-1', cfg.config, [gpuLine(0, 1000)]);
  const watcher = await serve(['--name', 'workstation', '--watch', base(one), '--watch-token', `${base(one)}=${cfg.viewer}`]);
  const fleet = new FleetPage(page);
  await fleet.open(watcher.url);
  await expect(fleet.status('gpu-server-1')).toHaveText('Live');
  one.setGpuLines([gpuLine(0, 24_000)]);
  await fleet.goAlerts();
  const alert = fleet.remoteAlerts().filter({ hasText: 'critical' }).first();
  await expect(alert).toHaveAttribute('data-host', 'gpu-server-1');
  await expect(fleet.alertLogItems().filter({ hasText: 'gpu-server-1: ' }).first()).toBeVisible();
  await one.stop();
  await expect(fleet.remoteAlerts().filter({ hasText: 'is not answering' })).toHaveCount(1);
  await expect(fleet.alertLogItems().filter({ hasText: 'gpu-server-1 is not answering' }).first()).toBeVisible();
  await page.screenshot({ path: join(repoRoot, 'e2e/screenshots/fleet-alerts.png'), fullPage: true });
});

test('a remote sending malformed, oversized or hostile Snapshots is refused with a message; the rest keeps updating; version skew is shown', async ({ page }) => {
  const gpu = { id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'Old GPU', uuid: null, memoryTotalBytes: 8 * 2 ** 30, memoryUsedBytes: 2 ** 30, memoryFreeBytes: 7 * 2 ** 30, utilizationPct: null, temperatureC: null, powerWatts: null };
  const frame = (data: string) => `event: snapshotPublished\ndata: ${data}\n\n`;
  const servers: { name: string; health: object; frame: string; repeat?: () => string }[] = [
    { name: 'bad-0', health: { ok: true, contractVersion: 1 }, frame: frame('{"atMs": 1, "gpus": [') },
    { name: 'bad-1', health: { ok: true, contractVersion: 1 }, frame: frame(JSON.stringify({ atMs: 1, gpus: [], padding: 'x'.repeat(3 * 1024 * 1024) })) },
    { name: 'bad-2', health: { ok: true, contractVersion: 1 }, frame: frame(JSON.stringify({ atMs: 1, gpus: '<img src=x onerror=alert(1)>', backends: [] })) },
    // An older Headroom: no contract version, no backends/sources/alerts in its Snapshot.
    { name: 'old-1', health: { ok: true }, frame: '', repeat: () => frame(JSON.stringify({ atMs: Date.now(), gpus: [gpu] })) },
    // A newer one whose contract this Headroom cannot read.
    { name: 'future-1', health: { ok: true, contractVersion: 2 }, frame: '' },
  ];
  const urls: string[] = [];
  for (const def of servers) {
    const server = http.createServer((req, res) => {
      if (req.url === '/api/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...def.health, hostname: def.name }));
      if (req.url === '/api/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write(def.frame || ': nothing\n\n');
        const repeat = def.repeat;
        if (repeat) {
          res.write(repeat());
          const timer = setInterval(() => res.write(repeat()), 500);
          res.on('close', () => clearInterval(timer));
        }
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  const cfg = viewerConfig();
  const one = await remote('gpu-server-1', cfg.config, [gpuLine(0, 1000)]);
  const watcher = await serve(['--name', 'workstation', '--watch', base(one), '--watch-token', `${base(one)}=${cfg.viewer}`, ...urls.flatMap((u) => ['--watch', u])]);
  const fleet = new FleetPage(page);
  await fleet.open(watcher.url);
  await expect(fleet.message('bad-0')).toContainText('not valid JSON');
  await expect(fleet.message('bad-1')).toContainText('over the 1.0 MB limit');
  await expect(fleet.message('bad-2')).toContainText('gpus: expected a list');
  for (const label of ['bad-0', 'bad-1', 'bad-2']) {
    await expect(fleet.status(label)).toHaveText('Data refused');
    await expect(fleet.gpus(label)).toHaveCount(0);
  }
  await expect(fleet.status('old-1')).toHaveText('Live');
  await expect(fleet.gpus('old-1')).toHaveCount(1);
  await expect(fleet.host('old-1').getByTestId('host-notes')).toContainText('It sends no backends, sources, alerts (an older Headroom?); shown as none.');
  await expect(fleet.status('future-1')).toHaveText('Incompatible version');
  await expect(fleet.message('future-1')).toContainText('future-1 speaks contract version 2; this Headroom reads version 1');

  one.setGpuLines([gpuLine(0, 12_000)]);
  await expect(fleet.gpuUsed('gpu-server-1')).toContainText('11.7 GiB of 24.0 GiB used');
  await expect(page.locator('img')).toHaveCount(0);
  await page.screenshot({ path: join(repoRoot, 'e2e/screenshots/fleet-refused.png'), fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await expectAccessible(page);
  await fleet.goAlerts();
  await expect(fleet.remoteAlerts().first()).toBeVisible();
  await expectAccessible(page);
});

test("roles: a viewer token watches, admin works, scrape and wrong tokens say so; the watcher's settings need its admin token (CSRF), a viewer session is told", async ({ page, browser }) => {
  // The team server: one token of each role, made as its admin would.
  const teamConfig = tempConfig();
  const token = { viewer: createToken(teamConfig, 'viewer'), admin: createToken(teamConfig, 'admin'), scrape: createToken(teamConfig, 'scrape') };
  const one = await remote('gpu-server-1', teamConfig, [gpuLine(0, 6_000)]);
  // The watcher is itself a token-protected server: its admin changes its settings, its viewers only look.
  const watcherConfig = tempConfig();
  const watcherAdmin = createToken(watcherConfig, 'admin');
  const watcherViewer = createToken(watcherConfig, 'viewer');
  const watcher = await serve(['--name', 'workstation', '--config', watcherConfig]);

  const fleet = new FleetPage(page);
  await fleet.open(`${base(watcher)}/?token=${encodeURIComponent(watcherAdmin)}`);
  await fleet.goSettings();
  const i = await fleet.addRow(base(one), token.scrape);
  await fleet.test(i);
  await expect(fleet.watchResult(i)).toHaveText('Reached gpu-server-1, but unauthorized: this is a scrape token, which reads only /metrics (HTTP 403). Watching needs a viewer token: "headroom token create --role viewer" on that server.');
  await fleet.setToken(i, `${token.viewer}x`);
  await fleet.test(i);
  await expect(fleet.watchResult(i)).toContainText('Reached gpu-server-1, but unauthorized: check the token (the server did not accept it, HTTP 401).');
  await fleet.setToken(i, token.admin);
  await fleet.test(i);
  await expect(fleet.watchResult(i)).toHaveText('Reached gpu-server-1: 1 GPU.');
  await fleet.setToken(i, token.viewer);
  await fleet.test(i);
  await expect(fleet.watchResult(i)).toHaveText('Reached gpu-server-1: 1 GPU.');

  // Saving goes through the CSRF rules: same-origin JSON carrying the page's CSRF token.
  const saved = page.waitForRequest((r) => r.url().endsWith('/api/updateSettings'));
  await fleet.save();
  const request = await saved;
  expect(request.headers()['content-type']).toBe('application/json');
  expect(request.headers()['x-headroom-csrf']).toBe(await page.locator('meta[name="headroom-csrf"]').getAttribute('content'));
  await expect(fleet.saveResult()).toHaveText('Saved 1 server to watch.');
  await expect(fleet.watchResult(i)).toHaveText('Reached gpu-server-1: 1 GPU.');
  await page.getByTestId('watched-servers').screenshot({ path: join(repoRoot, 'e2e/screenshots/fleet-watched-settings.png') });
  await fleet.goDashboard();
  await expect(fleet.status('gpu-server-1')).toHaveText('Live');
  await expect(fleet.gpuUsed('gpu-server-1')).toContainText('5.9 GiB of 24.0 GiB used');

  // A viewer of the watcher sees every host, and the Settings page says why it cannot change them.
  const viewerContext = await browser.newContext();
  closers.push(() => viewerContext.close());
  const viewerPage = await viewerContext.newPage();
  const asViewer = new FleetPage(viewerPage);
  await asViewer.open(`${base(watcher)}/?token=${encodeURIComponent(watcherViewer)}`);
  await expect(asViewer.status('gpu-server-1')).toHaveText('Live');
  await asViewer.goSettings();
  await expect(asViewer.settingsError()).toContainText('Could not read the settings: admin token needed. This dashboard was opened with a viewer token');
  await viewerPage.screenshot({ path: join(repoRoot, 'e2e/screenshots/fleet-viewer-settings.png'), fullPage: true });
  await expectAccessible(viewerPage);

  // A wrong token saved for a watched server: that host says so (no crash, the others go on).
  await fleet.goSettings();
  await fleet.setToken(0, 'hrv_revoked-or-mistyped');
  await fleet.save();
  await expect(fleet.saveResult()).toHaveText('Saved 1 server to watch.');
  await fleet.goDashboard();
  await expect(fleet.status('gpu-server-1')).toHaveText('Unauthorized');
  await expect(fleet.message('gpu-server-1')).toContainText('gpu-server-1: unauthorized: check the token (the server did not accept it, HTTP 401).');
  await expect(fleet.gpus('gpu-server-1')).toHaveCount(0);
  await expect(fleet.status('workstation')).toHaveText('Live');
  await page.screenshot({ path: join(repoRoot, 'e2e/screenshots/fleet-unauthorized.png'), fullPage: true });
});
