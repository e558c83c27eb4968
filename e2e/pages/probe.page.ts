import { expect, type Locator, type Page } from '@playwright/test';

/** Locators and actions for the Probe page; specs hold behaviour only. */
export class ProbePageObject {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(`${url}/#/probe`);
    await expect(this.page.locator('[data-app-state="ready"]')).toBeVisible();
    await expect(this.page.getByTestId('probe-page')).toBeVisible();
  }

  field(label: string): Locator {
    return this.page.getByLabel(label, { exact: true });
  }
  start(): Locator {
    return this.page.getByTestId('probe-start');
  }
  dialog(): Locator {
    return this.page.getByRole('dialog');
  }
  progressText(): Locator {
    return this.page.getByTestId('probe-progress-text');
  }
  progressBar(): Locator {
    return this.page.getByRole('progressbar', { name: 'Probe progress' });
  }
  cancel(): Locator {
    return this.page.getByTestId('probe-cancel');
  }
  report(): Locator {
    return this.page.getByTestId('probe-report');
  }
  result(): Locator {
    return this.page.getByTestId('probe-result');
  }
  restore(): Locator {
    return this.page.getByTestId('probe-restore');
  }
  largest(): Locator {
    return this.page.getByTestId('probe-largest');
  }
  stepRow(contextTokens: number): Locator {
    return this.page.getByTestId(`probe-step-${contextTokens}`);
  }
  runs(): Locator {
    return this.page.getByTestId('probe-run');
  }
  vramChart(): Locator {
    return this.page.getByTestId('probe-chart-vram').getByRole('img');
  }

  async fill(values: { url?: string; model?: string; from?: number; to?: number | null; kv?: string }): Promise<void> {
    if (values.url !== undefined) await this.field('Server address').fill(values.url);
    if (values.model !== undefined) await this.field('Model').fill(values.model);
    if (values.from !== undefined) await this.field('From (tokens)').fill(String(values.from));
    if (values.to !== undefined) await this.field('To (tokens)').fill(values.to === null ? '' : String(values.to));
    if (values.kv !== undefined) await this.field('KV cache type the server runs').selectOption(values.kv);
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `e2e/.artifacts/screenshots/${name}.png`, fullPage: true });
  }
}
