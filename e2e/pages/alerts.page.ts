import { expect, type Page } from '@playwright/test';

/** Locators and actions for the Alerts page; specs hold behaviour only. */
export class AlertsPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(`${url}/#/alerts`);
    await expect(this.page.locator('[data-app-state="ready"]')).toBeVisible();
    await expect(this.page.getByRole('heading', { name: 'Alerts', level: 2 })).toBeVisible();
  }

  activeAlert(kind: string) {
    return this.page.getByTestId(`active-alert-${kind}`);
  }
  unloadButton(model: string) {
    return this.page.getByRole('button', { name: new RegExp(`^Unload ${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).first();
  }
  dialog() {
    return this.page.getByRole('dialog');
  }
  result() {
    return this.page.getByTestId('action-result');
  }
  snoozeState() {
    return this.page.getByTestId('snooze-state');
  }
  snoozeButton(name: 'Snooze 1 h' | 'Snooze until restart' | 'End snooze') {
    return this.page.getByRole('button', { name, exact: true });
  }
  guidance() {
    return this.page.getByText('Reload with a smaller context or a quantized KV cache').first();
  }
  fixCommand() {
    return this.page.getByTestId('fix-command').first();
  }
  logItems() {
    return this.page.getByTestId('alert-log').locator('li');
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `e2e/.artifacts/screenshots/${name}.png`, fullPage: true });
  }
}
