/**
 * Settings → Alerts → "Send test": one message to the URL in the field, the receiver's answer
 * shown; a failing receiver is reported with a sentence.
 */
import { expect, test } from '@playwright/test';
import { startFakeServer, type FakeServer } from '../fakes/fake-http';
import { fakeNvidiaSmi, startHeadroom, type Headroom } from '../harness';
import { SettingsPage } from '../pages/settings.page';

let headroom: Headroom | null = null;
let receiver: FakeServer | null = null;
test.afterEach(async () => {
  await headroom?.stop();
  await receiver?.close();
  headroom = null;
  receiver = null;
});

test('send test: the receiver gets one message and the page says it was accepted; an error answer is shown', async ({ page }) => {
  receiver = await startFakeServer({ 'POST /hook': { status: 204 }, 'POST /broken': { status: 500 } });
  headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover']);
  await page.goto(`${headroom.url}/#/settings`);
  const settings = new SettingsPage(page);
  await settings.webhookUrl().fill(`${receiver.url}/hook`);
  await page.getByRole('button', { name: 'Send test' }).click();
  await expect(page.getByTestId('webhook-test-result')).toHaveText(`Webhook ${receiver.url} (json) accepted the test message.`);
  expect(receiver.requests).toHaveLength(1);
  expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ source: 'headroom', type: 'alert.raised', ruleKey: 'test' });

  await settings.webhookUrl().fill(`${receiver.url}/broken`);
  await page.getByRole('button', { name: 'Send test' }).click();
  await expect(page.getByTestId('webhook-test-result')).toHaveText(`Webhook ${receiver.url} (json): answered HTTP 500.`);
  await page.screenshot({ path: 'e2e/.artifacts/screenshots/webhook-test.png', fullPage: false });
});
