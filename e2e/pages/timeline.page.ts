import type { Page } from '@playwright/test';

/** The GPU card's timeline: range control and export buttons. */
export class TimelinePanel {
  constructor(readonly page: Page, readonly gpuId = 'gpu:0') {}

  root() {
    return this.page.getByTestId(`gpu-card-${this.gpuId}`).getByTestId('timeline');
  }
  range(label: '5 min' | '1 h' | '6 h' | '24 h' | '7 d') {
    return this.root().getByRole('radio', { name: label, exact: true });
  }
  exportCsv() {
    return this.root().getByRole('button', { name: /as CSV$/ });
  }
  exportJson() {
    return this.root().getByRole('button', { name: /as JSON$/ });
  }
  status() {
    return this.root().getByTestId('timeline-status');
  }
  chart() {
    return this.root().getByRole('img');
  }
}
