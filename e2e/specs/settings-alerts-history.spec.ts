import AxeBuilder from '@axe-core/playwright';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startFakeServer, type FakeServer } from '../fakes/fake-http';
import { gpuLine, repoRoot, startHeadroom, type Headroom } from '../harness';
import { AlertsPage } from '../pages/alerts.page';
import { DashboardPage } from '../pages/dashboard.page';
import { SettingsPage } from '../pages/settings.page';
import { TimelinePanel } from '../pages/timeline.page';

const MiB = 1024 * 1024;
const TOTAL_MIB = 24564;
const nvidiaSmi = join(repoRoot, 'e2e/fakes/nvidia-smi');
const fx = (p: string): unknown => JSON.parse(readFileSync(join(repoRoot, 'e2e/fixtures/backends', p), 'utf8'));

let instances: Headroom[] = [];
let fakes: FakeServer[] = [];
let dirs: string[] = [];
test.afterEach(async () => {
  for (const h of instances) await h.stop();
  for (const f of fakes) await f.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  instances = [];
  fakes = [];
  dirs = [];
});

async function headroom(args: string[], opts: Parameters<typeof startHeadroom>[1] = {}): Promise<Headroom> {
  const h = await startHeadroom(['--nvidia-smi', nvidiaSmi, '--no-discover', ...args], opts);
  instances.push(h);
  return h;
}
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'headroom-e2e-data-'));
  dirs.push(d);
  return d;
}
async function fakeOllama(): Promise<FakeServer> {
  const f = await startFakeServer({
    'GET /': { body: 'Ollama is running' },
    '/api/version': { body: fx('ollama/version.json') },
    '/api/ps': { body: fx('ollama/ps.qwen2.5-coder-14b.json') },
    'POST /api/show': { body: fx('ollama/show.qwen2.5-coder-14b.json') },
    'POST /api/generate': { body: { model: 'qwen2.5-coder:14b', created_at: '2025-01-01T00:00:00Z', response: '', done: true, done_reason: 'unload' } },
  });
  fakes.push(f);
  return f;
}
/** Serious or critical axe violations, one line each (empty when clean). */
async function axeProblems(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
async function noHorizontalOverflow(page: Page): Promise<void> {
  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForFunction(() => document.documentElement.scrollWidth <= 420);
}
function historyLine(atMs: number, usedBytes: number): string {
  return JSON.stringify({ t: atMs, g: [['gpu:0', 'NVIDIA GeForce RTX 4090', usedBytes, TOTAL_MIB * MiB]] });
}

test('settings round-trip: thresholds and a server with an API key persist across reload and restart; applied live', async ({ page }) => {
  const dataDir = tempDir();
  const ollama = await fakeOllama();
  let h = await headroom(['--interval-ms', '500'], { dataDir, gpuLines: [gpuLine(0, 8192)] });
  const settings = new SettingsPage(page);
  await settings.open(h.url);
  await expect(settings.thresholdsInEffect()).toContainText('warning 80%, critical 90%');
  await expect(settings.keyStorage()).toContainText('API keys');

  await settings.warningPct().fill('70');
  await settings.criticalPct().fill('85');
  await settings.retentionDays().fill('14');
  await settings.addServer().click();
  await settings.serverUrl(0).fill(ollama.url);
  await settings.serverKind(0).selectOption('ollama');
  await settings.serverApiKey(0).fill('sekret-key');
  await expect(settings.keyState(0)).toHaveText('(will be saved)');
  await settings.testConnection(0).click();
  await expect(settings.testResult(0)).toContainText('answers as Ollama');
  await settings.mutedRule('vram-forecast').check();
  await settings.save();
  await expect(settings.saveStatus()).toContainText('Saved and applied');
  // Applied without a restart: the next Snapshot carries the new thresholds.
  await expect(settings.thresholdsInEffect()).toContainText('warning 70%, critical 85%');
  await expect(settings.keyState(0)).toHaveText('(stored)');
  await expect(settings.serverApiKey(0)).toHaveValue('');
  expect(await axeProblems(page)).toEqual([]);
  await settings.screenshot('settings-1440');
  await noHorizontalOverflow(page);
  await settings.screenshot('settings-420');
  await page.setViewportSize({ width: 1440, height: 1000 });

  // Reload: the values come back from the server.
  await page.reload();
  await expect(settings.saveButton()).toBeVisible();
  await expect(settings.warningPct()).toHaveValue('70');
  await expect(settings.criticalPct()).toHaveValue('85');
  await expect(settings.retentionDays()).toHaveValue('14');
  await expect(settings.serverUrl(0)).toHaveValue(ollama.url);
  await expect(settings.keyState(0)).toHaveText('(stored)');
  await expect(settings.mutedRule('vram-forecast')).toBeChecked();

  // Restart with the same data folder: still there, and the saved server is monitored.
  await h.stop();
  instances = instances.filter((x) => x !== h);
  const requestsBefore = ollama.requests.length;
  h = await headroom(['--interval-ms', '500'], { dataDir, gpuLines: [gpuLine(0, 8192)] });
  await settings.open(h.url);
  await expect(settings.warningPct()).toHaveValue('70');
  await expect(settings.criticalPct()).toHaveValue('85');
  await expect(settings.serverUrl(0)).toHaveValue(ollama.url);
  await expect(settings.keyState(0)).toHaveText('(stored)');
  await expect(settings.thresholdsInEffect()).toContainText('warning 70%, critical 85%');
  await expect.poll(() => ollama.requests.slice(requestsBefore).some((r) => r.path === '/api/ps')).toBe(true);
});

test('field errors: a bad URL and warning above critical are shown next to their fields and nothing is saved', async ({ page }) => {
  const h = await headroom(['--interval-ms', '500']);
  const settings = new SettingsPage(page);
  await settings.open(h.url);
  await settings.addServer().click();
  await settings.serverUrl(0).fill('not a url');
  await settings.warningPct().fill('95');
  await settings.criticalPct().fill('90');
  await settings.webhookUrl().fill('ftp://example.com/hook');
  await settings.save();
  await expect(settings.fieldError('backends.0.url')).toContainText('http:// or https://');
  await expect(settings.serverUrl(0)).toHaveAttribute('aria-invalid', 'true');
  await expect(settings.fieldError('monitor.warningPct')).toContainText('must not be above the critical threshold');
  await expect(settings.fieldError('alerts.webhookUrl')).toBeVisible();
  await expect(settings.saveStatus()).toContainText('Not saved');
  // Focus moves to the first invalid field for keyboard users.
  await expect(settings.serverUrl(0)).toBeFocused();
  expect(await axeProblems(page)).toEqual([]);
  // Fixing the fields saves.
  await settings.serverUrl(0).fill('http://127.0.0.1:9');
  await settings.warningPct().fill('75');
  await settings.webhookUrl().fill('');
  await settings.save();
  await expect(settings.saveStatus()).toContainText('Saved and applied');
  await expect(settings.fieldError('backends.0.url')).toHaveCount(0);
});

test('timeline: each range can be selected; CSV export downloads the samples; a corrupt history file keeps earlier days', async ({ page }) => {
  const dataDir = tempDir();
  const historyDir = join(dataDir, 'history');
  mkdirSync(historyDir, { recursive: true });
  const day = 86_400_000;
  const now = Date.now();
  const dayName = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  // Two earlier days: the older one intact, the newer one with a garbage line in the middle and a torn last line.
  const twoDaysAgo = now - 2 * day;
  const yesterday = now - day;
  writeFileSync(join(historyDir, `${dayName(twoDaysAgo)}.ndjson`), `${historyLine(twoDaysAgo, 4096 * MiB)}\n${historyLine(twoDaysAgo + 1000, 4100 * MiB)}\n`);
  writeFileSync(join(historyDir, `${dayName(yesterday)}.ndjson`), `${historyLine(yesterday, 6144 * MiB)}\n\u0000\u0000garbage{{{\n${historyLine(yesterday + 1000, 6150 * MiB)}\n{"t":${yesterday + 2000},"g":[["gpu:0","NVI`);
  const h = await headroom(['--interval-ms', '250'], { dataDir, gpuLines: [gpuLine(0, 8192)] });

  const dash = new DashboardPage(page);
  await dash.open(h.url);
  const timeline = new TimelinePanel(page);
  for (const label of ['1 h', '6 h', '24 h', '7 d', '5 min'] as const) {
    await timeline.range(label).check();
    await expect(timeline.range(label)).toBeChecked();
    await expect(timeline.root()).toHaveAttribute('data-loading', 'false');
    await expect(timeline.chart()).toHaveAttribute('aria-label', new RegExp(`over the last ${label}`));
  }
  // Keyboard: arrow keys move between the range radios.
  await timeline.range('5 min').focus();
  await page.keyboard.press('ArrowRight');
  await expect(timeline.range('1 h')).toBeChecked();

  await timeline.range('7 d').check();
  await expect(timeline.root()).toHaveAttribute('data-loading', 'false');
  await dash.screenshot('timeline-7d-1440');
  expect(await axeProblems(page)).toEqual([]);
  await noHorizontalOverflow(page);
  await dash.screenshot('timeline-7d-420');
  await page.setViewportSize({ width: 1440, height: 1000 });
  const downloadPromise = page.waitForEvent('download');
  await timeline.exportCsv().click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^headroom-history-.*\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8');
  const [header, ...rows] = csv.trim().split('\n');
  expect(header).toBe('atMs,isoTime,gpuId,gpuName,memoryUsedBytes,memoryTotalBytes,memoryUsedPct');
  const parsed = rows.map((r) => r.split(','));
  // Earlier days survive the damaged file: both of the intact lines of each day are there.
  const atMs = parsed.map((c) => Number(c[0]));
  expect(atMs).toEqual(expect.arrayContaining([twoDaysAgo, twoDaysAgo + 1000, yesterday, yesterday + 1000]));
  expect(atMs).not.toContain(yesterday + 2000);
  const old = parsed.find((c) => Number(c[0]) === twoDaysAgo)!;
  expect(old[1]).toBe(new Date(twoDaysAgo).toISOString());
  expect(old[2]).toBe('gpu:0');
  expect(Number(old[4])).toBe(4096 * MiB);
  // Live samples from this run: 8192 MiB used of 24564 MiB.
  const live = parsed.filter((c) => Number(c[0]) >= now - 60_000 && Number(c[0]) > yesterday + day / 2);
  expect(live.length).toBeGreaterThan(0);
  for (const c of live) {
    expect(c[2]).toBe('gpu:0');
    expect(Number(c[4])).toBe(8192 * MiB);
    expect(Number(c[5])).toBe(TOTAL_MIB * MiB);
    expect(c[6]).toBe(((8192 / TOTAL_MIB) * 100).toFixed(2));
  }
  await expect(timeline.status()).toContainText('2 damaged lines skipped');

  const jsonPromise = page.waitForEvent('download');
  await timeline.exportJson().click();
  const json = JSON.parse(readFileSync(await (await jsonPromise).path(), 'utf8')) as { atMs: number }[];
  expect(json.map((s) => s.atMs)).toEqual(expect.arrayContaining([twoDaysAgo, yesterday]));
});

test('one-click unload asks first and reports the result; reload guidance shows the exact command', async ({ page }) => {
  const ollama = await fakeOllama();
  const h = await headroom(['--interval-ms', '300', '--backend', `ollama=${ollama.url}`], { gpuLines: [gpuLine(0, 23000)] });
  const alerts = new AlertsPage(page);
  await alerts.open(h.url);
  const card = alerts.activeAlert('threshold');
  await expect(card).toHaveAttribute('data-severity', 'critical');
  await expect(card).toContainText('VRAM 94% full');
  await card.getByText('Reload with a smaller context or a quantized KV cache').click();
  await expect(card.getByTestId('fix-command')).toContainText('OLLAMA_KV_CACHE_TYPE=q8_0 OLLAMA_FLASH_ATTENTION=1');
  await expect(card.getByTestId('fix-command')).toContainText('/set parameter num_ctx 2048');
  await alerts.screenshot('alerts-1440');
  await noHorizontalOverflow(page);
  await alerts.screenshot('alerts-420');
  await page.setViewportSize({ width: 1440, height: 1000 });

  await alerts.unloadButton('qwen2.5-coder:14b').click();
  await expect(alerts.dialog()).toBeVisible();
  await expect(alerts.dialog()).toContainText('Unload qwen2.5-coder:14b?');
  // Nothing is sent before the user confirms.
  expect(ollama.requests.some((r) => r.path === '/api/generate')).toBe(false);
  expect(await axeProblems(page)).toEqual([]);
  await alerts.dialog().getByRole('button', { name: 'Cancel' }).click();
  await expect(alerts.dialog()).toHaveCount(0);
  expect(ollama.requests.some((r) => r.path === '/api/generate')).toBe(false);

  await alerts.unloadButton('qwen2.5-coder:14b').click();
  await alerts.dialog().getByRole('button', { name: 'Unload', exact: true }).click();
  await expect(alerts.result()).toContainText('Unloaded qwen2.5-coder:14b');
  const sent = ollama.requests.find((r) => r.method === 'POST' && r.path === '/api/generate');
  expect(JSON.parse(sent!.body)).toEqual({ model: 'qwen2.5-coder:14b', keep_alive: 0 });

  // Snooze: the current state comes from the Snapshot.
  await alerts.snoozeButton('Snooze 1 h').click();
  await expect(alerts.result()).toContainText('snoozed until');
  await expect(alerts.snoozeState()).toContainText('snoozed until');
  await alerts.snoozeButton('Snooze until restart').click();
  await expect(alerts.snoozeState()).toContainText('until Headroom restarts');
  await alerts.snoozeButton('End snooze').click();
  await expect(alerts.snoozeState()).toHaveText('Notifications are on.');

  // Mute per rule goes to the settings.
  await card.getByRole('button', { name: 'Mute vram-critical' }).click();
  await expect(alerts.result()).toContainText('Muted vram-critical');
  await expect(page.getByTestId('muted-rules')).toContainText('vram-critical');

  await expect(alerts.logItems().first()).toBeVisible();
  expect(await axeProblems(page)).toEqual([]);
});

test('a scripted ramp shows the forecast, then the warning, then the critical banner, in order', async ({ page }) => {
  // The forecast decides from the evidence: a +15 %/min climb from 55% is forecast after about
  // 35 s of samples (it extrapolates at most 3× the evidence it has), well before 80% (100 s).
  test.setTimeout(180_000);
  const startPct = 55;
  const h = await headroom(['--interval-ms', '200'], { gpuLines: [gpuLine(0, Math.round((TOTAL_MIB * startPct) / 100))] });
  const dash = new DashboardPage(page);
  await dash.open(h.url);
  // Phase 1: +15 %/min. Phase 2 (once the forecast is up): +60 %/min to get past 90 % quickly.
  const t0 = Date.now();
  let phase2At: number | null = null;
  let phase2Pct = 0;
  const pctAt = (t: number) => (phase2At === null ? startPct + ((t - t0) / 60_000) * 15 : phase2Pct + ((t - phase2At) / 60_000) * 60);
  const ramp = setInterval(() => h.setGpuLines([gpuLine(0, Math.round((TOTAL_MIB * Math.min(97, pctAt(Date.now()))) / 100))]), 200);
  try {
    await expect(dash.alert('forecast')).toBeVisible({ timeout: 90_000 });
    await expect(dash.alert('forecast')).toContainText('VRAM reaches 90%');
    await expect(dash.alert('threshold')).toHaveCount(0);
    phase2Pct = pctAt(Date.now());
    phase2At = Date.now();
    await expect(dash.alert('threshold')).toHaveAttribute('data-severity', 'warning', { timeout: 30_000 });
    await expect(dash.alert('threshold')).toHaveAttribute('data-severity', 'critical', { timeout: 30_000 });
  } finally {
    clearInterval(ramp);
  }
  await dash.screenshot('timeline-ramp-1440');
  // The alert log has them in the same order (newest first).
  const alerts = new AlertsPage(page);
  await alerts.open(h.url);
  await expect(alerts.logItems().filter({ hasText: 'vram-critical' })).not.toHaveCount(0);
  const raised = await alerts.logItems().evaluateAll((els) => els.filter((e) => e.getAttribute('data-type') === 'raised').map((e) => e.querySelector('code')?.textContent ?? ''));
  const order = raised.reverse().filter((k) => ['vram-forecast', 'vram-warning', 'vram-critical'].includes(k));
  expect(order.slice(0, 3)).toEqual(['vram-forecast', 'vram-warning', 'vram-critical']);
});
