import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import type { PlanResponse } from '../../shared/contract/requests';
import type { Snapshot } from '../../shared/model/snapshot';
import { startFakeBackend, type FakeBackend } from '../fakes/backends/fake-backends';
import { startFakeServer, type FakeServer } from '../fakes/fake-http';
import { gpuLine, repoRoot, startHeadroom, type Headroom } from '../harness';
import { PlannerPage } from '../pages/planner.page';

const fx = (p: string): unknown => JSON.parse(readFileSync(join(repoRoot, 'e2e/fixtures/backends', p), 'utf8'));
const GiB = 2 ** 30;

let headroom: Headroom | null = null;
let ollama: FakeServer | null = null;
let others: FakeBackend[] = [];
test.afterEach(async () => {
  await headroom?.stop();
  await ollama?.close();
  for (const b of others) await b.close();
  headroom = null;
  ollama = null;
  others = [];
});

/** The text the table shows for a largest context (see KvFitTable). */
function largestText(largest: number | null, maxContextTokens: number | null): string {
  if (largest === null) return 'none: even the smallest context is over 90%';
  const text = `${largest.toLocaleString('en-US')} tokens`;
  return maxContextTokens && largest >= Math.floor(maxContextTokens / 256) * 256 ? `${text}: fits up to the model's maximum` : text;
}

async function expectNoSeriousA11yViolations(page: Page, include: string): Promise<void> {
  const results = await new AxeBuilder({ page }).include(include).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

/** Nothing inside `scope` sticks out past the viewport's right edge (the page as a whole: scope `body`). */
async function expectNoHorizontalOverflow(page: Page, widthPx: number, scope = 'body'): Promise<void> {
  await page.setViewportSize({ width: widthPx, height: 900 });
  // Lists what sticks out (innermost first), so a failure names the element.
  const overflowing = () =>
    page.evaluate(([w, sel]) => {
      return [...document.querySelectorAll(`${sel}, ${sel} *`)]
        .filter((el) => el.getBoundingClientRect().right > w + 0.5)
        .slice(-5)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`);
    }, [widthPx, scope] as const);
  await expect.poll(overflowing).toEqual([]);
}

test('model card: headroom chart and table show the largest context per KV type from the Snapshot', async ({ page }) => {
  ollama = await startFakeServer({
    '/api/version': { body: fx('ollama/version.json') },
    '/api/ps': { body: fx('ollama/ps.qwen2.5-coder-14b.json') },
    'POST /api/show': { body: fx('ollama/show.qwen2.5-coder-14b.json') },
  });
  headroom = await startHeadroom(['--interval-ms', '500', '--nvidia-smi', join(repoRoot, 'e2e/fakes/nvidia-smi'), '--no-discover', '--backend', `ollama=${ollama.url}`], {
    gpuLines: [gpuLine(0, 12000)],
  });
  const ui = new PlannerPage(page);
  await ui.openDashboard(headroom.url);
  const card = ui.modelCard('qwen2.5-coder:14b');
  const prediction = ui.prediction(card);
  await expect(prediction).toBeVisible();

  // Expected figures come from the server's own Snapshot, not from constants.
  const snapshot = (await (await page.request.get(`${headroom.url}/api/snapshot`)).json()) as Snapshot;
  const model = snapshot.backends.flatMap((b) => b.models).find((m) => m.name === 'qwen2.5-coder:14b');
  const p = model?.prediction;
  expect(p, 'the Snapshot has a prediction for the model').toBeTruthy();
  const maxContext = p!.curves[0]!.points.at(-1)!.contextTokens;
  for (const curve of p!.curves) {
    await expect(ui.largestContext(prediction, curve.cacheType)).toHaveText(largestText(curve.largestContextTokens, maxContext));
    const at4k = p!.concurrency.find((c) => c.cacheType === curve.cacheType && c.perUserContextTokens === 4096);
    await expect(ui.usersAt(prediction, curve.cacheType, 4096)).toHaveText(String(at4k!.maxSequences));
    // The chart's accessible summary names the same figure.
    await expect(ui.chart(prediction)).toHaveAttribute('aria-label', new RegExp(`${curve.cacheType} ${curve.largestContextTokens!.toLocaleString('en-US')} tokens`));
  }
  // The Planner answers from the same memory model: for this model, context and GPU its KV cache and
  // compute buffers are the card's (weights differ only where the card knows Ollama's loaded size).
  const planned = (await (await page.request.post(`${headroom.url}/api/planModel`, { data: { model: 'qwen2.5-coder:14b', gpuTotalBytes: p!.gpuTotalBytes, contextTokens: 4096 } })).json()) as { ok: true; value: PlanResponse };
  expect(planned.ok).toBe(true);
  for (const row of planned.value.atContext) {
    const point = p!.curves.find((c) => c.cacheType === row.cacheType)!.points.find((x) => x.contextTokens === 4096)!;
    expect(row.kvBytes, `${row.cacheType} KV at 4,096 tokens`).toBe(point.kvBytes);
  }
  expect(planned.value.atContext.find((r) => r.cacheType === 'f16')!.computeBytes).toBe(p!.currentComputeBytes);
  await expect(prediction.getByTestId('estimates')).toContainText('Estimated:');
  await expect(prediction.getByTestId('estimates')).toContainText(`Architecture from ${p!.architectureSource}`);
  // The walking skeleton's figures are still there.
  await expect(card.getByTestId('model-context')).toHaveText('4,096 tokens');
  await expect(card.getByTestId('model-kv-per-token')).toHaveText('192.0 KiB');

  await expectNoSeriousA11yViolations(page, '[data-testid="model-card"]');
  await ui.screenshot('models-card-1440');
  // Only the model cards are this spec's business (the GPU card has its own spec).
  await expectNoHorizontalOverflow(page, 420, '[data-testid="model-card"]');
  await ui.screenshot('models-card-420');
});

test('planner: a plan for qwen2.5-coder:14b on 24 GiB, and field errors next to the field', async ({ page }) => {
  headroom = await startHeadroom(['--interval-ms', '1000', '--nvidia-smi', join(repoRoot, 'e2e/fakes/nvidia-smi'), '--no-discover'], { gpuLines: [gpuLine(0, 2048)] });
  const ui = new PlannerPage(page);
  await ui.open(headroom.url);

  const request = { model: 'qwen2.5-coder:14b', gpuTotalBytes: 24 * GiB, contextTokens: 32768, users: 2 };
  const reply = (await (await page.request.post(`${headroom.url}/api/planModel`, { data: request })).json()) as { ok: true; value: PlanResponse };
  expect(reply.ok).toBe(true);
  const plan = reply.value;

  await ui.plan({ gpuGiB: 24, model: 'qwen2.5-coder:14b', contextTokens: 32768, users: 2 });
  const result = ui.result();
  await expect(result.getByRole('heading', { name: 'At 32,768 tokens per user' })).toBeVisible();
  await expect(result.getByRole('heading', { level: 2 })).toContainText('on 24.00 GiB');
  for (const row of plan.atContext) {
    await expect(ui.atContextRow(row.cacheType)).toHaveAttribute('data-fits', String(row.fits));
    await expect(ui.largestContext(result, row.cacheType)).toHaveText(largestText(row.largestContextTokens, plan.contextLengthTrain));
  }
  for (const c of plan.concurrency) {
    await expect(ui.usersAt(result, c.cacheType, c.perUserContextTokens)).toHaveText(String(c.maxSequences));
  }
  await expect(ui.chart(result)).toHaveAttribute('aria-label', /Largest context under 90%/);
  await expectNoSeriousA11yViolations(page, '[data-testid="planner"]');
  await ui.screenshot('planner-1440');
  // Dark theme (the chart re-reads its colours when the OS scheme changes).
  await page.emulateMedia({ colorScheme: 'dark' });
  await ui.screenshot('planner-dark-1440');
  await page.emulateMedia({ colorScheme: 'light' });

  // An unknown model: the server's message appears next to the model field, nowhere else.
  await ui.plan({ model: 'no-such-model:1b' });
  await expect(ui.fieldError('model')).toContainText('"no-such-model:1b" is not in Headroom\'s catalog');
  await expect(ui.modelField()).toHaveAttribute('aria-invalid', 'true');
  await expect(ui.fieldError('quant')).toHaveCount(0);
  await expect(ui.fieldError('gpu')).toHaveCount(0);

  // An unknown quant: next to the quant field.
  await ui.plan({ model: 'qwen2.5-coder:14b', quant: 'Q9_X' });
  await expect(ui.fieldError('quant')).toContainText('unknown quantization "Q9_X"');
  await expect(ui.fieldError('model')).toHaveCount(0);
  await expectNoSeriousA11yViolations(page, '[data-testid="planner"]');

  // A smaller GPU: some KV types no longer fit at 32k, and the chart marks where each crosses 90%.
  await ui.quantField().fill('');
  const small = (await (await page.request.post(`${headroom.url}/api/planModel`, { data: { ...request, gpuTotalBytes: 16 * GiB } })).json()) as { ok: true; value: PlanResponse };
  expect(small.value.atContext.some((r) => !r.fits)).toBe(true);
  await ui.plan({ gpuGiB: 16, model: 'qwen2.5-coder:14b' });
  await expect(ui.fieldError('quant')).toHaveCount(0);
  await expect(result.getByRole('heading', { level: 2 })).toContainText('on 16.00 GiB');
  for (const row of small.value.atContext) {
    await expect(ui.atContextRow(row.cacheType)).toHaveAttribute('data-fits', String(row.fits));
    await expect(ui.largestContext(result, row.cacheType)).toHaveText(largestText(row.largestContextTokens, small.value.contextLengthTrain));
  }
  await ui.screenshot('planner-16gib-1440');
  await expectNoHorizontalOverflow(page, 420);
  await ui.screenshot('planner-420');
});

test('model cards: vLLM shows its KV-cache usage and queue, llama.cpp one context bar per slot', async ({ page }) => {
  const vllm = await startFakeBackend('vllm');
  const llama = await startFakeBackend('llamacpp', { scene: 'docs' });
  others = [vllm, llama];
  headroom = await startHeadroom(
    ['--interval-ms', '500', '--nvidia-smi', join(repoRoot, 'e2e/fakes/nvidia-smi'), '--no-discover', '--backend', `vllm=${vllm.url}`, '--backend', `llamacpp=${llama.url}`],
    { gpuLines: [gpuLine(0, 20000)] },
  );
  const ui = new PlannerPage(page);
  await ui.openDashboard(headroom.url);
  await expect(page.getByTestId('vllm-details').first()).toBeVisible();
  await expect(page.getByTestId('llamacpp-slots').first()).toBeVisible();

  const snapshot = (await (await page.request.get(`${headroom.url}/api/snapshot`)).json()) as Snapshot;
  const vllmModel = snapshot.backends.find((b) => b.kind === 'vllm')!.models[0]!;
  const vllmCard = ui.modelCard(vllmModel.name).first();
  if (vllmModel.kvCacheUsageRatio != null) {
    await expect(vllmCard.getByTestId('vllm-kv-usage')).toHaveText(`${Math.round(vllmModel.kvCacheUsageRatio * 100)}%`);
  }
  await expect(vllmCard.getByTestId('vllm-requests')).toContainText(`${vllmModel.requestsRunning ?? '—'} running`);

  const llamaModel = snapshot.backends.find((b) => b.kind === 'llamacpp')!.models[0]!;
  const llamaCard = ui.modelCard(llamaModel.name).first();
  for (const slot of llamaModel.slots ?? []) {
    const bar = llamaCard.getByTestId(`slot-${slot.id}`);
    await expect(bar).toContainText(`Slot ${slot.id}`);
    await expect(bar.getByRole('meter')).toHaveAttribute('aria-valuenow', String(slot.usedTokens === null ? 0 : Math.round((slot.usedTokens / slot.contextTokens) * 100)));
  }
  await expectNoSeriousA11yViolations(page, '.model-grid');
  await ui.screenshot('models-backends-1440');
  await expectNoHorizontalOverflow(page, 420, '[data-testid="model-card"]');
  await ui.screenshot('models-backends-420');
});
