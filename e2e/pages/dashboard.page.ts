import { expect, type Page } from '@playwright/test';

/** Locators and actions for the dashboard; specs hold behaviour only. */
export class DashboardPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.locator('[data-app-state="ready"]')).toBeVisible();
  }

  gpuCard(id = 'gpu:0') {
    return this.page.getByTestId(`gpu-card-${id}`);
  }
  gpuUsed(id = 'gpu:0') {
    return this.gpuCard(id).getByTestId('gpu-used');
  }
  gpuFree(id = 'gpu:0') {
    return this.gpuCard(id).getByTestId('gpu-free');
  }
  gauge(id = 'gpu:0') {
    return this.gpuCard(id).getByRole('meter');
  }
  modelCards() {
    return this.page.getByTestId('model-card');
  }
  alert(kind: string) {
    return this.page.getByTestId(`alert-${kind}`);
  }
  source(id: string) {
    return this.page.getByTestId(`source-${id}`);
  }
  gpuEmpty() {
    return this.page.getByTestId('gpu-empty');
  }
  modelsEmpty() {
    return this.page.getByTestId('models-empty');
  }
  demoBadge() {
    return this.page.getByTestId('demo-badge');
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `e2e/.artifacts/screenshots/${name}.png`, fullPage: true });
  }
}
