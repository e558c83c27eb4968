/**
 * A real Chromium page on another origin attacks a loopback `headroom serve`: a plain form POST
 * (text/plain body shaped like JSON), `fetch` without CORS, `fetch` with a JSON body (needs a
 * preflight), and DNS rebinding (a foreign name resolved to 127.0.0.1 by Chromium's
 * host-resolver rules). None of them changes a setting or reads the Snapshot; the server logs
 * the refusals. The dashboard on its own origin still saves settings.
 */
import { expect, test } from '@playwright/test';
import { startFakeServer, type FakeServer } from '../fakes/fake-http';
import { fakeNvidiaSmi, startHeadroom, type Headroom } from '../harness';

const chromiumPath = process.env.HEADROOM_CHROMIUM ?? '/usr/bin/chromium';
test.use({
  launchOptions: {
    executablePath: chromiumPath,
    // attacker.test and rebind.test resolve to 127.0.0.1 in this browser only.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync', '--host-resolver-rules=MAP attacker.test 127.0.0.1, MAP rebind.test 127.0.0.1'],
  },
});

let headroom: Headroom | null = null;
let attacker: FakeServer | null = null;
test.afterEach(async () => {
  await headroom?.stop();
  await attacker?.close();
  headroom = null;
  attacker = null;
});

const EVIL_HOOK = 'http://attacker.test/collect';

async function webhookUrl(h: Headroom): Promise<string | null> {
  // A non-browser client (no Origin): allowed to read.
  const res = await fetch(`${h.url}/api/getSettings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
  const body = (await res.json()) as { ok: boolean; value: { alerts: { webhookUrl: string | null } } };
  expect(body.ok).toBe(true);
  return body.value.alerts.webhookUrl;
}

test('a page on another origin cannot change settings, snooze alerts or read the Snapshot', async ({ page }) => {
  headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover']);
  const target = headroom.url;
  const formName = `{"alerts":{"webhookUrl":"${EVIL_HOOK}","x":"`;
  const html = `<!doctype html><html><head><title>attacker</title></head><body>
<form id="f" method="POST" enctype="text/plain" action="${target}/api/updateSettings">
  <input type="hidden" name='${formName}' value='"}}'>
  <button id="go" type="submit">win a prize</button>
</form>
<script>
window.attack = async () => {
  const out = {};
  try {
    await fetch('${target}/api/snoozeAlerts', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"durationMs":null}' });
    out.noCors = 'sent';
  } catch (e) { out.noCors = 'error'; }
  try {
    const r = await fetch('${target}/api/updateSettings', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ alerts: { webhookUrl: '${EVIL_HOOK}' } }) });
    out.json = 'read ' + r.status;
  } catch (e) { out.json = 'blocked'; }
  try {
    const r = await fetch('${target}/api/snapshot');
    out.read = 'read ' + (await r.text()).length;
  } catch (e) { out.read = 'blocked'; }
  return out;
};
</script></body></html>`;
  attacker = await startFakeServer({ 'GET /': { body: html, contentType: 'text/html; charset=utf-8' } });
  await page.goto(`http://attacker.test:${attacker.port}/`);

  // fetch: the no-cors one reaches the server and is refused (403; its answer is then blocked
  // by Cross-Origin-Resource-Policy); the JSON one dies at the preflight; the read is blocked.
  const results = await page.evaluate(() => (window as unknown as { attack: () => Promise<Record<string, string>> }).attack());
  expect(results).toMatchObject({ json: 'blocked', read: 'blocked' });
  await expect.poll(() => headroom!.output()).toMatch(/refused POST \/api\/snoozeAlerts .*\(403\): state changes must be sent as application\/json/);

  // The classic form POST: the browser navigates to the server's answer, a refusal.
  const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/updateSettings')), page.click('#go')]);
  expect(response.status()).toBe(403);

  expect(await webhookUrl(headroom)).toBeNull();
  await expect.poll(() => headroom!.output()).toMatch(/refused POST \/api\/updateSettings .*\(403\): state changes must be sent as application\/json/);
  expect(headroom.output()).toMatch(/refused OPTIONS \/api\/updateSettings .*\(403\): cross-origin requests are not enabled/);
  expect(headroom.output()).not.toMatch(/alerts snoozed|settings applied/i);
});

test('DNS rebinding: the dashboard reached under a foreign name is refused', async ({ page }) => {
  headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover']);
  const port = new URL(headroom.url).port;
  const snapshot = await page.goto(`http://rebind.test:${port}/api/snapshot`);
  expect(snapshot?.status()).toBe(403);
  expect(await page.textContent('body')).toContain('is not a name of this server');
  const dashboard = await page.goto(`http://rebind.test:${port}/`);
  expect(dashboard?.status()).toBe(403);
  await expect.poll(() => headroom!.output()).toMatch(/refused GET \/api\/snapshot .*\(403\): Host rebind\.test/);
});

test('the dashboard on its own origin still saves settings (Origin and CSRF token accepted)', async ({ page }) => {
  headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover']);
  await page.goto(headroom.url);
  const csrf = await page.locator('meta[name="headroom-csrf"]').getAttribute('content');
  expect(csrf).toMatch(/^[\w-]{20,}$/);
  // The page's own client (same origin, its CSRF token) makes the change, as the Settings page does.
  const status = await page.evaluate(
    async ({ hook, token }) => {
      const r = await fetch('/api/updateSettings', { method: 'POST', headers: { 'content-type': 'application/json', 'x-headroom-csrf': token }, body: JSON.stringify({ alerts: { webhookUrl: hook } }) });
      return r.status;
    },
    { hook: 'http://127.0.0.1:9/hook', token: csrf! },
  );
  expect(status).toBe(200);
  expect(await webhookUrl(headroom)).toBe('http://127.0.0.1:9/hook');
});
