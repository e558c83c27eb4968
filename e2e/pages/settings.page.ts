import { expect, type Page } from '@playwright/test';

/** Locators and actions for the Settings page; specs hold behaviour only. */
export class SettingsPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(`${url}/#/settings`);
    await expect(this.page.locator('[data-app-state="ready"]')).toBeVisible();
    await expect(this.saveButton()).toBeVisible();
  }

  gpuWarningPct(gpuId: string) {
    return this.page.getByLabel(`Warning for ${gpuId}`);
  }
  gpuCriticalPct(gpuId: string) {
    return this.page.getByLabel(`Critical for ${gpuId}`);
  }
  warningPct() {
    return this.page.getByLabel('Warning threshold');
  }
  criticalPct() {
    return this.page.getByLabel('Critical threshold');
  }
  intervalMs() {
    return this.page.getByLabel('Poll interval');
  }
  retentionDays() {
    return this.page.getByLabel('Keep history for');
  }
  webhookUrl() {
    return this.page.getByLabel('Webhook URL');
  }
  addServer() {
    return this.page.getByRole('button', { name: 'Add server' });
  }
  serverUrl(i: number) {
    return this.page.getByLabel(`Server ${i + 1} URL`);
  }
  serverKind(i: number) {
    return this.page.getByLabel(`Server ${i + 1} kind`);
  }
  serverApiKey(i: number) {
    return this.page.getByLabel(/^Server \d+ API key/).nth(i);
  }
  keyState(i: number) {
    return this.page.getByTestId(`key-state-${i}`);
  }
  testConnection(i: number) {
    return this.page.getByTestId(`backend-row-${i}`).getByRole('button', { name: 'Test connection' });
  }
  testResult(i: number) {
    return this.page.getByTestId(`test-result-${i}`);
  }
  mutedRule(key: string) {
    return this.page.getByRole('checkbox', { name: new RegExp(key) });
  }
  fieldError(path: string) {
    return this.page.getByTestId(`error-${path}`);
  }
  saveButton() {
    return this.page.getByRole('button', { name: 'Save settings' });
  }
  saveStatus() {
    return this.page.getByTestId('save-status');
  }
  thresholdsInEffect() {
    return this.page.getByTestId('thresholds-in-effect');
  }
  keyStorage() {
    return this.page.getByTestId('key-storage');
  }

  async save(): Promise<void> {
    await this.saveButton().click();
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `e2e/.artifacts/screenshots/${name}.png`, fullPage: true });
  }
}
