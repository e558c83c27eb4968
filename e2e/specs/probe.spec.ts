import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { ProbeReport } from '../../shared/contract/probe';
import { formatGiB, MiB } from '../../shared/units/bytes';
import { scriptedLoad, scriptedSpeed, startFakeOllamaProbe, type FakeOllamaProbe } from '../fakes/backends/ollama-probe';
import { gpuLine, repoRoot, startHeadroom, type Headroom } from '../harness';
import { ProbePageObject } from '../pages/probe.page';

const TOTAL_MIB = 24564;
let headroom: Headroom | null = null;
let ollama: FakeOllamaProbe | null = null;
test.afterEach(async () => {
  await headroom?.stop();
  await ollama?.close();
  headroom = null;
  ollama = null;
});

/** The fake Ollama, with the fake nvidia-smi moving with what it loads (MiB, as nvidia-smi prints). */
async function start(stepDelayMs: number): Promise<void> {
  let used = 0;
  let hr: Headroom | null = null;
  ollama = await startFakeOllamaProbe({ stepDelayMs, gpuTotalBytes: TOTAL_MIB * MiB }, (bytes) => {
    used = Math.round(bytes / MiB);
    hr?.setGpuLines([gpuLine(0, used, TOTAL_MIB)]);
  });
  hr = await startHeadroom(['--interval-ms', '250', '--nvidia-smi', join(repoRoot, 'e2e/fakes/nvidia-smi'), '--no-discover', '--backend', `ollama=${ollama.url}`], { gpuLines: [gpuLine(0, used, TOTAL_MIB)] });
  headroom = hr;
}

const generates = () => ollama!.requests.filter((r) => r.path === '/api/generate');

test('probe page: asks first, shows progress, stops at the threshold, restores the model; the report matches the script', async ({ page }) => {
  await start(250);
  const ui = new ProbePageObject(page);
  await ui.open(headroom!.url);
  await ui.fill({ url: ollama!.url, model: 'qwen2.5-coder:14b', from: 4096, to: null });

  // Asks first: nothing is loaded until the dialog is confirmed; Cancel in the dialog starts nothing.
  await ui.start().click();
  await expect(ui.dialog()).toBeVisible();
  await expect(ui.dialog()).toContainText('may evict other models');
  await expect(ui.dialog()).toContainText('stops at 90% VRAM');
  await ui.screenshot('probe-confirm-1440');
  await ui.dialog().getByRole('button', { name: 'Cancel' }).click();
  await expect(ui.dialog()).toBeHidden();
  expect(generates()).toEqual([]);

  await ui.start().click();
  await ui.dialog().getByRole('button', { name: 'Start probe' }).click();

  // Progress: the current step and an estimate of the time left.
  await expect(ui.progressText()).toContainText(/Step [12] of 6/);
  await expect(ui.progressText()).toContainText(/Step [2-5] of 6: .*about \d+ (s|min) left/);
  await expect(ui.progressBar()).toHaveAttribute('aria-valuemax', '6');
  await ui.screenshot('probe-running-1440');

  // Stops at the threshold at 64k (the script puts 64k over 90% of 24 GiB), and restores the model at 4k.
  await expect(ui.report()).toHaveAttribute('data-status', 'stopped', { timeout: 30_000 });
  await expect(ui.result()).toHaveText(/^stopped: VRAM reached 9\d% \(threshold 90%\) at 65,536 tokens$/);
  await expect(ui.restore()).toContainText('reloaded qwen2.5-coder:14b at 4,096 tokens');
  expect(ollama!.loaded()).toEqual([{ model: 'qwen2.5-coder:14b', contextLength: 4096 }]);
  expect(generates().some((r) => JSON.parse(r.body).options?.num_ctx === 131072)).toBe(false);
  await expect(ui.largest()).toHaveText('32,768 tokens');

  // Every figure in the table is the script's: the GPU peak, the speed, the prompt filling the context.
  const list = (await (await page.request.post(`${headroom!.url}/api/listProbes`, { data: {} })).json()) as { ok: true; value: { id: string }[] };
  const got = (await (await page.request.post(`${headroom!.url}/api/getProbe`, { data: { id: list.value[0]!.id } })).json()) as { ok: true; value: ProbeReport };
  const report = got.value;
  expect(report.steps.map((s) => s.contextTokens)).toEqual([4096, 8192, 16384, 32768, 65536]);
  for (const s of report.steps) {
    const load = scriptedLoad(ollama!.script, s.contextTokens);
    const peak = Math.round(load.gpuUsedBytes / MiB) * MiB;
    expect(s.peakVramBytes).toBe(peak);
    expect(s.sizeVramBytes).toBe(load.sizeVramBytes);
    const speed = scriptedSpeed(ollama!.script, s.contextTokens, s.promptTokens!, false);
    expect(s.tokensPerSecond!).toBeCloseTo(speed.generation, 1);
    const row = ui.stepRow(s.contextTokens);
    await expect(row.getByTestId('peak')).toHaveText(`${formatGiB(peak, 2)} (${Math.round((peak / (TOTAL_MIB * MiB)) * 100)}%)`);
    await expect(row.getByTestId('tps')).toHaveText(speed.generation.toFixed(1));
    await expect(row.getByTestId('error')).toHaveText(/^[+-]?\d+\.\d%$/);
  }
  await expect(ui.vramChart()).toHaveAttribute('aria-label', /65,536 tokens \d+\.\d\d GiB \(predicted \d+\.\d\d GiB\)/);

  // Saved, listed, exportable.
  await expect(ui.runs()).toHaveCount(1);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csv = readFileSync((await (await download).path())!, 'utf8').trim().split('\n');
  expect(csv).toHaveLength(6);
  expect(csv[5]).toMatch(/^5,65536,\d+,ok,/);

  const axe = await new AxeBuilder({ page }).include('[data-testid="probe-page"]').analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  await ui.screenshot('probe-report-1440');

  // A second run (q8_0, two steps) compared with the first.
  await ui.fill({ to: 8192, kv: 'q8_0' });
  await ui.start().click();
  await ui.dialog().getByRole('button', { name: 'Start probe' }).click();
  await expect(ui.report()).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
  await expect(ui.runs()).toHaveCount(2);
  await page.getByRole('button', { name: /^Compare with the qwen2\.5-coder:14b f16 run/ }).click();
  await expect(page.getByTestId('probe-chart-vram').locator('..')).toContainText(/q8_0, \d\d:\d\d against f16, \d\d:\d\d/);
  await expect(page.getByTestId('probe-compare-summary')).toContainText(/q8_0, \d\d:\d\d — largest usable 8,192 tokens.*f16, \d\d:\d\d — largest usable 32,768 tokens/);
  await ui.screenshot('probe-compare-1440');
  await page.emulateMedia({ colorScheme: 'dark' });
  await ui.screenshot('probe-compare-dark-1440');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 420, height: 900 });
  await ui.screenshot('probe-compare-420');
});

test('probe page: Cancel stops the run after the current request and restores the server', async ({ page }) => {
  await start(1500);
  const ui = new ProbePageObject(page);
  await ui.open(headroom!.url);
  await ui.fill({ url: ollama!.url, model: 'qwen2.5-coder:14b', from: 8192, to: 32768 });
  await ui.start().click();
  await ui.dialog().getByRole('button', { name: 'Start probe' }).click();
  await expect(ui.progressText()).toContainText('Step 1 of 3');
  await ui.cancel().click();
  await expect(ui.report()).toHaveAttribute('data-status', 'cancelled', { timeout: 20_000 });
  await expect(ui.result()).toHaveText('cancelled: cancelled by the user');
  await expect(ui.restore()).toContainText('reloaded qwen2.5-coder:14b at 4,096 tokens');
  expect(ollama!.loaded()).toEqual([{ model: 'qwen2.5-coder:14b', contextLength: 4096 }]);
});
