import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startFakeServer, type FakeServer } from '../fakes/fake-http';
import { gpuLine, repoRoot, startHeadroom, type Headroom } from '../harness';
import { DashboardPage } from '../pages/dashboard.page';

const fx = (p: string): unknown => JSON.parse(readFileSync(join(repoRoot, 'e2e/fixtures/backends', p), 'utf8'));

let headroom: Headroom | null = null;
let ollama: FakeServer | null = null;
test.afterEach(async () => {
  await headroom?.stop();
  await ollama?.close();
  headroom = null;
  ollama = null;
});

async function fakeOllama(): Promise<FakeServer> {
  return startFakeServer({
    '/api/version': { body: fx('ollama/version.json') },
    '/api/ps': { body: fx('ollama/ps.qwen2.5-coder-14b.json') },
    'POST /api/show': { body: fx('ollama/show.qwen2.5-coder-14b.json') },
  });
}

test('shows the GPU and the loaded model with the right numbers, follows changes within two ticks, goes critical past 90%', async ({ page }) => {
  ollama = await fakeOllama();
  headroom = await startHeadroom(['--interval-ms', '500', '--nvidia-smi', join(repoRoot, 'e2e/fakes/nvidia-smi'), '--no-discover', '--backend', `ollama=${ollama.url}`], {
    gpuLines: [gpuLine(0, 8192)],
  });
  const dash = new DashboardPage(page);
  await dash.open(headroom.url);

  // 8192 MiB of 24564 MiB: 8.00 GiB used, 15.99 GiB free, 33 %
  await expect(dash.gpuUsed()).toContainText('8.00 GiB');
  await expect(dash.gpuUsed()).toContainText('of 23.99 GiB');
  await expect(dash.gpuFree()).toHaveText('15.99 GiB');
  await expect(dash.gauge()).toHaveAttribute('aria-valuenow', '33');
  await expect(dash.gpuCard()).toHaveAttribute('data-level', 'ok');

  // Model card: qwen2.5-coder:14b at 4096 tokens, 192 KiB/token → 0.75 GiB of KV cache.
  const card = dash.modelCards().first();
  await expect(card).toContainText('qwen2.5-coder:14b');
  await expect(card.getByTestId('model-context')).toHaveText('4,096 tokens');
  await expect(card.getByTestId('model-kv-per-token')).toHaveText('192.0 KiB');
  await expect(card.getByTestId('model-kv-cache')).toHaveText('0.75 GiB');
  await expect(card.getByTestId('model-split')).toHaveText('100% on GPU');
  await expect(dash.source(ollama ? `ollama@127.0.0.1:${new URL(ollama.url).port}` : '')).toHaveAttribute('data-status', 'up');

  // The fake's number changes: the page follows within two ticks (2 × 500 ms, plus the stream's own interval).
  headroom.setGpuLines([gpuLine(0, 20480)]);
  await expect(dash.gpuUsed()).toContainText('20.00 GiB', { timeout: 2500 });
  await expect(dash.gpuCard()).toHaveAttribute('data-level', 'warning');
  await expect(dash.alert('threshold')).toHaveAttribute('data-severity', 'warning');

  // Past 90 %: critical state and banner.
  headroom.setGpuLines([gpuLine(0, 23000)]);
  await expect(dash.gpuCard()).toHaveAttribute('data-level', 'critical', { timeout: 2500 });
  await expect(dash.alert('threshold')).toHaveAttribute('data-severity', 'critical');
  await expect(dash.alert('threshold')).toContainText('VRAM 94% full');
  await dash.screenshot('dashboard-critical-1440');
  await page.setViewportSize({ width: 420, height: 900 });
  // The compact layout has no horizontal overflow (the chart resizes itself).
  await page.waitForFunction(() => document.documentElement.scrollWidth <= 420);
  await dash.screenshot('dashboard-critical-420');
});

test('empty states say why: no nvidia-smi, no LLM server', async ({ page }) => {
  // A closed port for Ollama discovery: find one by opening and closing a server.
  const closed = await startFakeServer({});
  const port = closed.port;
  await closed.close();
  headroom = await startHeadroom(['--nvidia-smi', '/nonexistent/nvidia-smi'], { env: { OLLAMA_HOST: `127.0.0.1:${port}` } });
  const dash = new DashboardPage(page);
  await dash.open(headroom.url);
  await expect(dash.gpuEmpty()).toContainText('nvidia-smi not found at /nonexistent/nvidia-smi');
  await expect(dash.modelsEmpty()).toContainText(`No LLM server found at 127.0.0.1:${port}`);
  await expect(dash.source('nvidia-smi')).toHaveAttribute('data-status', 'unavailable');
  await dash.screenshot('dashboard-empty-1440');
});

test('bad input from the backend and nvidia-smi: a status with a sentence, the rest keeps updating', async ({ page }) => {
  ollama = await startFakeServer({
    '/api/version': { body: fx('ollama/version.json') },
    '/api/ps': { body: '{"models": [', contentType: 'application/json' },
  });
  headroom = await startHeadroom(['--interval-ms', '500', '--nvidia-smi', join(repoRoot, 'e2e/fakes/nvidia-smi'), '--no-discover', '--backend', `ollama=${ollama.url}`], {
    gpuLines: [gpuLine(0, 4096)],
  });
  const dash = new DashboardPage(page);
  await dash.open(headroom.url);
  const id = `ollama@127.0.0.1:${new URL(ollama.url).port}`;
  await expect(dash.source(id)).toHaveAttribute('data-status', 'error');
  await expect(dash.source(id)).toContainText('malformed JSON');
  // GPU keeps updating while the backend is broken.
  headroom.setGpuLines([gpuLine(0, 6144)]);
  await expect(dash.gpuUsed()).toContainText('6.00 GiB');
  // The backend recovers: its status follows.
  ollama.setRoute('/api/ps', { body: fx('ollama/ps.empty.json') });
  await expect(dash.source(id)).toHaveAttribute('data-status', 'up');
  await expect(dash.modelsEmpty()).toContainText('No model is loaded');
  // nvidia-smi starts printing garbage: the last good reading stays, then is marked stale; no crash.
  headroom.setGpuLines(['Xid 79: GPU has fallen off the bus', '0, GPU-x, broken']);
  await expect(dash.gpuCard().getByText('Reading is stale')).toBeVisible({ timeout: 15_000 });
  await expect(dash.gpuUsed()).toContainText('6.00 GiB');
  await expect(dash.source('nvidia-smi')).toContainText('silent');
});

test('demo mode shows the Demo badge and a loaded model', async ({ page }) => {
  headroom = await startHeadroom(['--demo', '--interval-ms', '500']);
  const dash = new DashboardPage(page);
  await dash.open(headroom.url);
  await expect(dash.demoBadge()).toBeVisible();
  await expect(dash.gpuCard()).toContainText('RTX 4090 (demo)');
  await expect(dash.modelCards().first()).toContainText('qwen2.5-coder:14b', { timeout: 30_000 });
  await dash.screenshot('dashboard-demo-1440');
});

test('compact view (the tray window) at 420 px: gauge and models, no timeline, no horizontal overflow', async ({ page }) => {
  ollama = await fakeOllama();
  headroom = await startHeadroom(['--nvidia-smi', join(repoRoot, 'e2e/fakes/nvidia-smi'), '--no-discover', '--backend', `ollama=${ollama.url}`], { gpuLines: [gpuLine(0, 16384)] });
  await page.setViewportSize({ width: 420, height: 700 });
  const dash = new DashboardPage(page);
  await dash.open(`${headroom.url}/?view=compact`);
  await expect(dash.gauge()).toHaveAttribute('aria-valuenow', '67');
  await expect(dash.gpuCard().getByTestId('timeline')).toHaveCount(0);
  await expect(dash.modelCards().first()).toContainText('qwen2.5-coder:14b');
  await page.waitForFunction(() => document.documentElement.scrollWidth <= 420);
  await dash.screenshot('dashboard-compact-420');
});
