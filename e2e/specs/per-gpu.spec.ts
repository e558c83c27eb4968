import { expect, test } from '@playwright/test';
import { fakeNvidiaSmi, gpuLine, startHeadroom, type Headroom } from '../harness';
import { DashboardPage } from '../pages/dashboard.page';
import { SettingsPage } from '../pages/settings.page';

let headroom: Headroom | null = null;
test.afterEach(async () => {
  await headroom?.stop();
});

test('per-GPU thresholds: set in Settings, applied live to that GPU only', async ({ page }) => {
  // Two GPUs at 70 %: below the global 80 % warning.
  headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover', '--interval-ms', '300'], {
    gpuLines: [gpuLine(0, 8602, 12288, 'NVIDIA GeForce RTX 3060'), gpuLine(1, 17195, 24564, 'NVIDIA GeForce RTX 4090')],
  });
  const dash = new DashboardPage(page);
  await dash.open(headroom.url);
  await expect(dash.gpuCard('gpu:0')).toHaveAttribute('data-level', 'ok');
  await expect(dash.gpuCard('gpu:1')).toHaveAttribute('data-level', 'ok');

  const settings = new SettingsPage(page);
  await settings.open(headroom.url);
  await settings.gpuWarningPct('gpu:1').fill('50');
  await settings.gpuCriticalPct('gpu:1').fill('65');
  await settings.saveButton().click();
  await expect(settings.saveStatus()).toContainText('Saved and applied');

  await page.goto(`${headroom.url}/#/dashboard`);
  await expect(dash.gpuCard('gpu:1')).toHaveAttribute('data-level', 'critical');
  await expect(dash.gpuCard('gpu:0')).toHaveAttribute('data-level', 'ok');
  await expect(dash.alert('threshold')).toContainText('GPU 1');
  await expect(dash.alert('threshold')).toHaveCount(1);

  // A bad override is refused next to its field.
  await settings.open(headroom.url);
  await settings.gpuWarningPct('gpu:0').fill('95');
  await settings.saveButton().click();
  await expect(settings.fieldError('monitor.perGpu.0.warningPct')).toContainText("must be below this GPU's critical threshold");
  await page.screenshot({ path: 'e2e/.artifacts/screenshots/settings-per-gpu-1440.png', fullPage: true });
});
