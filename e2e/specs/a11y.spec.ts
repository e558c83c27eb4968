import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { startFakeServer, type FakeServer } from '../fakes/fake-http';
import { fakeNvidiaSmi, gpuLine, startHeadroom, type Headroom } from '../harness';
import { DashboardPage } from '../pages/dashboard.page';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness';

const fx = (p: string): unknown => JSON.parse(readFileSync(join(repoRoot, 'e2e/fixtures/backends', p), 'utf8'));

let headroom: Headroom | null = null;
let ollama: FakeServer | null = null;
test.afterEach(async () => {
  await headroom?.stop();
  await ollama?.close();
});

for (const scheme of ['light', 'dark'] as const) {
  test(`dashboard has no serious accessibility violations (${scheme}), keyboard reaches the pages`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    ollama = await startFakeServer({
      '/api/version': { body: fx('ollama/version.json') },
      '/api/ps': { body: fx('ollama/ps.partial-offload.json') },
      'POST /api/show': { body: fx('ollama/show.qwen2.5-coder-14b.json') },
    });
    headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover', '--backend', `ollama=${ollama.url}`, '--interval-ms', '500'], {
      gpuLines: [gpuLine(0, 11264, 12288, 'NVIDIA GeForce RTX 3060'), gpuLine(1, 2048, 8192, 'NVIDIA GeForce RTX 3050')],
    });
    const dash = new DashboardPage(page);
    await dash.open(headroom.url);
    await expect(dash.gpuCard('gpu:1')).toBeVisible();
    await expect(dash.modelCards().first().getByTestId('model-split')).toContainText('spilled to system RAM');
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
    // Keyboard: Tab reaches the page tabs with a visible focus ring, Enter opens one.
    await page.keyboard.press('Tab');
    const focused = page.locator(':focus');
    await expect(focused).toHaveText(/Dashboard/);
    const outline = await focused.evaluate((el) => getComputedStyle(el).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect(page).toHaveURL(/#\/planner$/);
    await page.goto(`${headroom.url}/#/dashboard`);
    await dash.screenshot(`dashboard-multi-gpu-${scheme}-1440`);
  });
}
