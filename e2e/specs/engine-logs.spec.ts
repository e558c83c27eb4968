import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Snapshot } from '../../shared/model/snapshot';
import { startFakeServer, type FakeServer } from '../fakes/fake-http';
import { gpuLine, repoRoot, startHeadroom, type Headroom } from '../harness';
import { PlannerPage } from '../pages/planner.page';

const fx = (p: string): unknown => JSON.parse(readFileSync(join(repoRoot, 'e2e/fixtures/backends', p), 'utf8'));

let headroom: Headroom | null = null;
let ollama: FakeServer | null = null;
let dataDir: string | null = null;
test.afterEach(async () => {
  await headroom?.stop();
  await ollama?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  headroom = null;
  ollama = null;
  dataDir = null;
});

test('model card: measured by the engine (from the configured server log) beside the prediction, with the difference', async ({ page }) => {
  ollama = await startFakeServer({
    '/api/version': { body: fx('ollama/version.json') },
    '/api/ps': { body: fx('ollama/ps.qwen2.5-coder-14b.json') },
    'POST /api/show': { body: fx('ollama/show.qwen2.5-coder-14b.json') },
  });
  dataDir = mkdtempSync(join(tmpdir(), 'headroom-e2e-logs-'));
  mkdirSync(dataDir, { recursive: true });
  const logPath = join(repoRoot, 'e2e/fixtures/engine-logs/ollama-qwen2.5-coder-14b.log');
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ version: 1, backends: [{ kind: 'ollama', url: ollama.url, apiKey: null, logPath }] }));
  headroom = await startHeadroom(['--interval-ms', '500', '--nvidia-smi', join(repoRoot, 'e2e/fakes/nvidia-smi'), '--no-discover'], {
    gpuLines: [gpuLine(0, 12000)], dataDir,
  });
  const ui = new PlannerPage(page);
  await ui.openDashboard(headroom.url);
  const card = ui.modelCard('qwen2.5-coder:14b');
  const measured = card.getByTestId('measured');
  await expect(measured).toBeVisible();

  const snapshot = (await (await page.request.get(`${headroom.url}/api/snapshot`)).json()) as Snapshot;
  const model = snapshot.backends.flatMap((b) => b.models).find((m) => m.name === 'qwen2.5-coder:14b')!;
  expect(model.measured).toMatchObject({ kvBytes: 768 * 2 ** 20, computeBytes: Math.round(307 * 2 ** 20) + Math.round(18.01 * 2 ** 20) + Math.round(0.58 * 2 ** 20) });
  expect(model.measured!.source).toContain('ollama-qwen2.5-coder-14b.log');
  // The exact KV prediction (qwen2 14B, 48 layers × 8 KV heads × 128, f16, 4096 cells) equals what the engine logged.
  await expect(measured.getByTestId('measured-kv')).toContainText('same (within the log’s 0.01 MiB)');
  await expect(measured.getByTestId('measured-weights')).toContainText('8.37 GiB');
  await expect(card.getByTestId('rule-set')).toContainText('llama.cpp b5900 rules (Ollama 0.12.6');
  await measured.getByText('Per device').click();
  await expect(measured.getByText(/^CUDA0: weights 7\.96 GiB, KV 0\.75 GiB, compute 0\.30 GiB$/)).toBeVisible();
  await card.screenshot({ path: join(repoRoot, 'e2e/screenshots/model-card-measured.png') });
});
