/** Watched servers in the settings: tokens encrypted like API keys, write-only in the view, kept when a patch omits them. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settingsPatchSchema } from '../../shared/contract/settings';
import { SettingsController } from '../settings/settings-controller';
import { createSettingsStore, noEncryption, type SecretEncryptor } from '../settings/settings-store';
import { silentLogger } from '../util/logger';

const fakeSafeStorage: SecretEncryptor = {
  isAvailable: () => true,
  encrypt: (plain) => Buffer.from(`enc:${[...plain].reverse().join('')}`),
  decrypt: (cipher) => {
    const text = cipher.toString();
    if (!text.startsWith('enc:')) throw new Error('Error while decrypting');
    return [...text.slice(4)].reverse().join('');
  },
};
const defaults = { intervalMs: 1000, warningPct: 80, criticalPct: 90, discover: true, retentionDays: 7 };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-fleet-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('watched servers in the settings', () => {
  it('tokens are stored with safeStorage, never in the view, and kept when a patch leaves them out', async () => {
    const store = createSettingsStore({ dir, encryptor: fakeSafeStorage, logger: silentLogger });
    await store.load();
    const applied: string[][] = [];
    const c = new SettingsController(store, defaults, (s) => void applied.push(s.fleet.servers.map((w) => `${w.url} ${w.token}`)), 'os-encrypted');
    const patch = settingsPatchSchema.parse({ fleet: { servers: [{ url: 'https://gpu-server-1:7878/', token: 's3cret-token' }], trayScope: 'local' } });
    const r = await c.update(patch);
    expect(r.ok && r.value.fleet).toEqual({ servers: [{ url: 'https://gpu-server-1:7878', label: null, hasToken: true }], trayScope: 'local' });
    expect(JSON.stringify(r.ok && r.value)).not.toContain('s3cret');
    const onDisk = await readFile(join(dir, 'settings.json'), 'utf8');
    expect(onDisk).not.toContain('s3cret-token');
    expect(JSON.parse(onDisk).fleet.servers[0].token.scheme).toBe('safeStorage');

    await c.update(settingsPatchSchema.parse({ fleet: { servers: [{ url: 'https://gpu-server-1:7878', label: 'big box' }] } }));
    expect(applied.at(-1)).toEqual(['https://gpu-server-1:7878 s3cret-token']);
    expect(c.view().fleet?.servers[0]?.label).toBe('big box');

    const again = createSettingsStore({ dir, encryptor: fakeSafeStorage, logger: silentLogger });
    expect((await again.load()).settings.fleet.servers[0]).toEqual({ url: 'https://gpu-server-1:7878', label: 'big box', token: 's3cret-token' });

    await c.update(settingsPatchSchema.parse({ fleet: { servers: [{ url: 'https://gpu-server-1:7878', token: null }] } }));
    expect(c.view().fleet?.servers[0]?.hasToken).toBe(false);
  });

  it('an undecryptable token loads as none with a notice, and saving other settings keeps it as stored', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ version: 1, fleet: { servers: [{ url: 'http://a:1', token: { scheme: 'safeStorage', data: 'Z2FyYmFnZQ==' } }] } }));
    const store = createSettingsStore({ dir, encryptor: fakeSafeStorage, logger: silentLogger });
    const loaded = await store.load();
    expect(loaded.settings.fleet.servers[0]?.token).toBeNull();
    expect(loaded.notices.join(' ')).toMatch(/token for the watched server http:\/\/a:1 could not be decrypted/);
    await store.update((s) => ({ ...s, monitor: { ...s.monitor, intervalMs: 2000 } }));
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8')).fleet.servers[0].token).toEqual({ scheme: 'safeStorage', data: 'Z2FyYmFnZQ==' });
  });

  it('without OS encryption (headless serve) a token is kept in plain text, and an old file without "fleet" loads', async () => {
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ version: 1 }));
    const store = createSettingsStore({ dir, encryptor: noEncryption, logger: silentLogger });
    expect((await store.load()).settings.fleet).toEqual({ servers: [], trayScope: 'all' });
    await store.update((s) => ({ ...s, fleet: { ...s.fleet, servers: [{ url: 'http://a:1', label: null, token: 't' }] } }));
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8')).fleet.servers[0].token).toEqual({ scheme: 'plain', value: 't' });
  });

  it.each([
    { name: 'a URL twice', patch: { fleet: { servers: [{ url: 'http://a:1' }, { url: 'http://a:1/' }] } }, msg: 'fleet.servers.1.url: is listed twice' },
    { name: 'not http', patch: { fleet: { servers: [{ url: 'file:///etc/passwd' }] } }, msg: 'fleet.servers.0.url' },
    { name: 'empty token', patch: { fleet: { servers: [{ url: 'http://a:1', token: '' }] } }, msg: 'fleet.servers.0.token' },
    { name: 'unknown scope', patch: { fleet: { trayScope: 'some' } }, msg: 'fleet.trayScope' },
  ])('refuses $name, naming the field', ({ patch, msg }) => {
    const r = settingsPatchSchema.safeParse(patch);
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toContain(msg);
  });
});
