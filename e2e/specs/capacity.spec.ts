/**
 * The Capacity page against `headroom serve` fed by a fake vLLM (recorded /metrics) and a fake
 * llama.cpp (2 of 4 slots busy): the headline sentence, users at 4k/8k/32k, slots, the API
 * behind it, and no serious accessibility violations.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { startFakeBackend, type FakeBackend } from '../fakes/backends/fake-backends';
import { readFixture } from '../fakes/backends/fixtures';
import { fakeNvidiaSmi, gpuLine, startHeadroom, type Headroom } from '../harness';

let headroom: Headroom | null = null;
const fakes: FakeBackend[] = [];
test.afterEach(async () => {
  await headroom?.stop();
  headroom = null;
  for (const f of fakes) await f.close();
  fakes.length = 0;
});

test('capacity: room for N more users at 8k context, per model, and the same figures from /api/capacity', async ({ page }) => {
  const vllm = await startFakeBackend('vllm');
  const llama = await startFakeBackend('llamacpp', { scene: 'docs' });
  fakes.push(vllm, llama);
  headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover', '--interval-ms', '500', '--backend', `vllm=${vllm.url}`, '--backend', `llamacpp=${llama.url}`], { gpuLines: [gpuLine(0, 20000)] });

  await expect.poll(async () => ((await (await fetch(`${headroom!.url}/api/capacity`)).json()) as { value?: { models: unknown[] } }).value?.models.length ?? 0, { timeout: 20_000 }).toBe(2);
  const api = (await (await fetch(`${headroom.url}/api/capacity`)).json()) as { value: { headline: string; models: { model: string; usersAt: { contextTokens: number; users: number | null }[] }[] } };
  // The recorded vLLM has 2 requests waiting: no room now, and the page says why.
  expect(api.value.headline).toBe('No room for more users at 8k context: new requests queue now.');

  await page.goto(`${headroom.url}/#/capacity`);
  await expect(page.getByTestId('capacity-headline')).toHaveText(api.value.headline);
  const cards = page.getByTestId('capacity-model');
  await expect(cards).toHaveCount(2);
  const vllmCard = cards.filter({ hasText: 'vLLM' });
  await expect(vllmCard).toContainText('full: 2 requests waiting although the KV pool is 42 % used');
  const vllmModel = api.value.models.find((m) => m.usersAt.some((u) => u.users !== null && u.users > 10))!;
  for (const u of vllmModel.usersAt) await expect(vllmCard.locator('td').nth(vllmModel.usersAt.indexOf(u))).toHaveText(String(u.users ?? '—'));
  await expect(cards.filter({ hasText: 'llama.cpp' })).toContainText(/of \d+ slots in use|slots hold/);

  // Another context per user changes the headline.
  await page.getByLabel('Context per user').selectOption('32768');
  await expect(page.getByTestId('capacity-headline')).toHaveText(/at 32k context: new requests queue now\.$/);
  await page.getByLabel('Context per user').selectOption('8192');

  // The queue drains: room in the free part of the pool, (1 − 0.4187) × 218,448 / 8,192 = 15 users.
  const drained = readFixture('vllm/metrics.v1.txt').replace(/^(vllm:num_requests_waiting\{[^}]*\}) [\d.]+$/m, '$1 0.0');
  vllm.setRoute('GET /metrics', { body: drained, contentType: 'text/plain; version=0.0.4' });
  await expect(page.getByTestId('capacity-headline')).toHaveText('Room for 15 more users at 8k context.');
  await expect(vllmCard).toContainText('room for 15 more users at 8k context (6 active now).');

  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await page.screenshot({ path: 'e2e/.artifacts/screenshots/capacity-1440.png', fullPage: true });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.screenshot({ path: 'e2e/.artifacts/screenshots/capacity-420.png', fullPage: true });
});
