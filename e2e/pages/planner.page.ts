import { expect, type Locator, type Page } from '@playwright/test';

/** Locators and actions for the Planner page and the model cards' headroom section; specs hold behaviour only. */
export class PlannerPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(`${url}/#/planner`);
    await expect(this.page.locator('[data-app-state="ready"]')).toBeVisible();
    await expect(this.page.getByTestId('planner')).toBeVisible();
  }

  async openDashboard(url: string): Promise<void> {
    await this.page.goto(url);
    await expect(this.page.locator('[data-app-state="ready"]')).toBeVisible();
  }

  // ── Model cards ──
  modelCard(name: string): Locator {
    return this.page.getByTestId('model-card').filter({ hasText: name });
  }
  prediction(card: Locator): Locator {
    return card.getByTestId('prediction');
  }
  kvRow(scope: Locator, cacheType: string): Locator {
    return scope.getByTestId('kv-fit-table').getByTestId(`kv-row-${cacheType}`);
  }
  largestContext(scope: Locator, cacheType: string): Locator {
    return this.kvRow(scope, cacheType).getByTestId('largest-context');
  }
  usersAt(scope: Locator, cacheType: string, perUserTokens: number): Locator {
    return this.kvRow(scope, cacheType).getByTestId(`users-${perUserTokens}`);
  }
  chart(scope: Locator): Locator {
    return scope.getByRole('img');
  }

  // ── Planner form ──
  gpuField(): Locator {
    return this.page.getByLabel('GPU memory (GiB)');
  }
  modelField(): Locator {
    return this.page.getByLabel('Model', { exact: true });
  }
  quantField(): Locator {
    return this.page.getByLabel('Weight quantization');
  }
  contextField(): Locator {
    return this.page.getByLabel('Context per user (tokens)');
  }
  usersField(): Locator {
    return this.page.getByLabel('Users', { exact: true });
  }
  preset(gib: number): Locator {
    return this.page.getByRole('group', { name: 'GPU memory presets' }).getByRole('button', { name: `${gib} GiB`, exact: true });
  }
  submit(): Locator {
    return this.page.getByTestId('plan-submit');
  }
  fieldError(field: 'gpu' | 'model' | 'quant' | 'context' | 'users'): Locator {
    return this.page.getByTestId(`error-${field}`);
  }
  result(): Locator {
    return this.page.getByTestId('plan-result');
  }
  atContextRow(cacheType: string): Locator {
    return this.result().getByTestId(`plan-row-${cacheType}`);
  }

  async plan(opts: { gpuGiB?: number; model: string; quant?: string; contextTokens?: number; users?: number }): Promise<void> {
    if (opts.gpuGiB !== undefined) await this.preset(opts.gpuGiB).click();
    await this.modelField().fill(opts.model);
    if (opts.quant !== undefined) await this.quantField().fill(opts.quant);
    if (opts.contextTokens !== undefined) await this.contextField().fill(String(opts.contextTokens));
    if (opts.users !== undefined) await this.usersField().fill(String(opts.users));
    await this.modelField().press('Enter');
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `e2e/.artifacts/screenshots/${name}.png`, fullPage: true });
  }
}
