import { expect, test } from '@playwright/test';
import { fakeNvidiaSmi, gpuLine, startHeadroom, type Headroom } from '../harness';

/**
 * The tray app's own views, in the browser: the compact popover (sparkline of the last minutes)
 * and the page a clicked desktop notification opens (`#/alerts?alert=<id>`, issue 11 items 3
 * and 10). The Electron shell loads exactly these URLs (window.ts showPage, ?view=compact).
 */
let headroom: Headroom | null = null;
test.afterEach(async () => {
  await headroom?.stop();
});

test('compact popover: a sparkline per GPU that fills with the last minutes', async ({ page }) => {
  headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover', '--interval-ms', '250'], { gpuLines: [gpuLine(0, 12000)] });
  await page.setViewportSize({ width: 360, height: 480 });
  await page.goto(`${headroom.url}/?view=compact`);
  const spark = page.getByTestId('gpu-sparkline');
  await expect(spark).toBeVisible();
  await expect.poll(async () => Number(await spark.getAttribute('data-points')), { timeout: 15_000 }).toBeGreaterThan(3);
  headroom.setGpuLines([gpuLine(0, 21000)]);
  await expect(spark.getByRole('img')).toHaveAttribute('aria-label', /to 85%, highest 85%/, { timeout: 15_000 });
  await spark.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'e2e/.artifacts/screenshots/compact-sparkline-360.png', fullPage: true });
});

test('a clicked notification opens the Alerts page at its alert', async ({ page }) => {
  const h = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover', '--interval-ms', '250'], { gpuLines: [gpuLine(0, 23500)] });
  headroom = h;
  await page.goto(`${h.url}/#/dashboard`);
  let alertId = '';
  await expect
    .poll(
      async () => {
        const body = (await (await page.request.post(`${h.url}/api/getSnapshot`, { data: {} })).json()) as { value?: { alerts: { id: string }[] }; alerts?: { id: string }[] };
        alertId = (body.value?.alerts ?? body.alerts ?? [])[0]?.id ?? '';
        return alertId;
      },
      { timeout: 15_000 },
    )
    .not.toBe('');
  await page.goto(`${h.url}/#/alerts?alert=${encodeURIComponent(alertId)}`);
  await expect(page.getByRole('link', { name: /^Alerts/ })).toHaveAttribute('aria-current', 'page');
  const card = page.locator(`[data-alert-id="${alertId}"]`);
  await expect(card).toHaveClass(/alert-card-focused/);
  await expect(card).toBeFocused();
  await page.screenshot({ path: 'e2e/.artifacts/screenshots/alerts-from-notification-1440.png' });
});
