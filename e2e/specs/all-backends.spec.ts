import { expect, test } from '@playwright/test';
import { startFakeBackend, type FakeBackend } from '../fakes/backends/fake-backends';
import { fakeNvidiaSmi, gpuLine, startHeadroom, type Headroom } from '../harness';
import { DashboardPage } from '../pages/dashboard.page';

let headroom: Headroom | null = null;
let fakes: FakeBackend[] = [];
test.afterEach(async () => {
  await headroom?.stop();
  await Promise.all(fakes.map((f) => f.close()));
  headroom = null;
  fakes = [];
});

test('Ollama, vLLM, llama.cpp and LM Studio in one view, with who holds the VRAM', async ({ page }) => {
  const [ollama, vllm, llamacpp, lmstudio] = await Promise.all([
    startFakeBackend('ollama'),
    startFakeBackend('vllm'),
    startFakeBackend('llamacpp'),
    startFakeBackend('lmstudio'),
  ]);
  fakes = [ollama!, vllm!, llamacpp!, lmstudio!];
  // Kinds are detected from the answers (no KIND= given), as discovery does.
  const args = ['--interval-ms', '500', '--nvidia-smi', fakeNvidiaSmi, '--no-discover', ...fakes.flatMap((f) => ['--backend', f.url])];
  const computeApps = ['4242, /usr/local/bin/ollama, 10010, GPU-e2e-0', '5151, /usr/bin/python3, 6000, GPU-e2e-0', '6161, /opt/google/chrome/chrome, 2048, GPU-e2e-0'];
  headroom = await startHeadroom(args, { gpuLines: [gpuLine(0, 20480)], computeApps });
  const dash = new DashboardPage(page);
  await dash.open(headroom.url);

  for (const f of fakes) {
    await expect(dash.source(`${f.kind}@127.0.0.1:${f.port}`)).toHaveAttribute('data-status', /up|unauthorized/);
  }
  // One model card per loaded model, from every kind of server.
  await expect(dash.modelCards().filter({ hasText: 'Ollama' })).not.toHaveCount(0);
  await expect(dash.modelCards().filter({ hasText: 'vLLM' })).not.toHaveCount(0);
  await expect(dash.modelCards().filter({ hasText: 'llama.cpp' })).not.toHaveCount(0);
  await expect(dash.modelCards().filter({ hasText: 'LM Studio' })).not.toHaveCount(0);

  // Attribution: Ollama's runner and the vLLM python process are the LLM servers; chrome is another app.
  const owners = page.getByTestId('owners-gpu:0');
  await expect(owners.getByTestId('owner').filter({ hasText: 'Ollama' })).toContainText('9.78 GiB');
  await expect(owners.getByTestId('owner').filter({ hasText: 'vLLM' })).toContainText('5.86 GiB');
  await expect(owners.getByTestId('owner').filter({ hasText: 'Other apps' })).toContainText('2.00 GiB');
  // The GPU card names the models whose servers hold memory on it.
  await expect(dash.gpuCard().getByTestId('gpu-models')).toContainText('(Ollama)');
  await expect(dash.gpuCard().getByTestId('gpu-models')).toContainText('(vLLM)');
  // The timeline stacks the used memory by owner once processes are listed.
  await expect(page.getByTestId('timeline').first().getByRole('img')).toHaveAttribute('aria-label', /stacked by who holds the memory/);
  // vLLM holds this GPU: the card reads its KV-cache usage, and no raw VRAM threshold alert fires.
  await expect(dash.gpuCard().getByTestId('gpu-vllm-note')).toContainText('Headroom watches its KV-cache usage instead');
  await expect(dash.alert('threshold')).toHaveCount(0);
  await dash.screenshot('all-backends-1440');
  await page.setViewportSize({ width: 420, height: 900 });
  await page.waitForFunction(() => document.documentElement.scrollWidth <= 420);
  await dash.screenshot('all-backends-420');
});
