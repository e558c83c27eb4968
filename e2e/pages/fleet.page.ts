import { expect, type Page } from '@playwright/test';

/** Locators for the host sections (watched Headroom servers) and the Servers-to-watch settings. */
export class FleetPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.locator('[data-app-state="ready"]')).toBeVisible();
  }
  sections() {
    return this.page.getByTestId('host-section');
  }
  host(label: string) {
    return this.page.locator(`[data-testid="host-section"][data-host="${label}"]`);
  }
  status(label: string) {
    return this.host(label).getByTestId('host-status');
  }
  since(label: string) {
    return this.host(label).getByTestId('host-since');
  }
  message(label: string) {
    return this.host(label).getByTestId('host-message');
  }
  gpus(label: string) {
    return this.host(label).getByTestId('host-gpu');
  }
  gpuUsed(label: string, index = 0) {
    return this.gpus(label).nth(index).getByTestId('host-gpu-used');
  }
  remoteAlerts() {
    return this.page.getByTestId('remote-alert');
  }
  alertLogItems() {
    return this.page.getByTestId('alert-log').locator('li');
  }
  async goAlerts(): Promise<void> {
    await this.page.getByRole('link', { name: /^Alerts/ }).click();
  }
  async goDashboard(): Promise<void> {
    await this.page.getByRole('link', { name: 'Dashboard' }).click();
  }
  async goSettings(): Promise<void> {
    await this.page.getByRole('link', { name: 'Settings' }).click();
  }
  /** Settings → Servers to watch: adds one row and saves. */
  async watch(url: string, token: string): Promise<void> {
    await this.addRow(url, token);
    await this.save();
  }
  /** Settings → Servers to watch: adds a row (not saved); returns its index. */
  async addRow(url: string, token: string): Promise<number> {
    const box = this.page.getByTestId('watched-servers');
    await box.getByRole('button', { name: 'Add a server to watch' }).click();
    const rows = box.locator('[data-testid^="watched-row-"]');
    const i = (await rows.count()) - 1;
    await box.getByLabel(`Watched server ${i + 1} URL`).fill(url);
    await this.setToken(i, token);
    return i;
  }
  async setToken(i: number, token: string): Promise<void> {
    await this.page.getByTestId('watched-servers').getByLabel(`Watched server ${i + 1} token`).fill(token);
  }
  /** "Test connection" on row `i` (its answer appears in `watchResult(i)`). */
  async test(i: number): Promise<void> {
    await this.page.getByTestId(`watched-row-${i}`).getByRole('button', { name: 'Test connection' }).click();
  }
  async save(): Promise<void> {
    await this.page.getByTestId('watched-servers').getByRole('button', { name: 'Save servers to watch' }).click();
  }
  saveResult() {
    return this.page.getByTestId('watched-save-result');
  }
  settingsError() {
    return this.page.locator('.settings [role="alert"]');
  }
  watchResult(i: number) {
    return this.page.getByTestId(`watched-result-${i}`);
  }
}
