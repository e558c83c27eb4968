import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../util/logger';
import { defaultSettings } from './settings-schema';
import { createSettingsStore, jsonProblem, noEncryption, type SecretEncryptor, type SettingsStoreOptions } from './settings-store';

/** A reversible fake of Electron safeStorage: "enc:" + reversed text. */
const fakeSafeStorage: SecretEncryptor = {
  isAvailable: () => true,
  encrypt: (plain) => Buffer.from(`enc:${[...plain].reverse().join('')}`),
  decrypt: (cipher) => {
    const text = cipher.toString();
    if (!text.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return [...text.slice(4)].reverse().join('');
  },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'headroom-settings-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const store = (over: Partial<SettingsStoreOptions> = {}) =>
  createSettingsStore({ dir, encryptor: fakeSafeStorage, logger: silentLogger, nowMs: () => Date.UTC(2025, 0, 2, 3, 4, 5), ...over });
const file = () => join(dir, 'settings.json');
const readJson = async () => JSON.parse(await readFile(file(), 'utf8')) as Record<string, unknown>;

describe('load', () => {
  it('first run: no file gives defaults, no notice, isFirstRun', async () => {
    const result = await store().load();
    expect(result).toEqual({ settings: defaultSettings(), notices: [], isFirstRun: true });
  });

  it('reads a valid file and fills defaults for missing sections', async () => {
    await writeFile(file(), JSON.stringify({ version: 1, firstRunCompleted: true, monitor: { intervalMs: 2000 } }));
    const { settings, notices, isFirstRun } = await store().load();
    expect(notices).toEqual([]);
    expect(isFirstRun).toBe(false);
    expect(settings.monitor.intervalMs).toBe(2000);
    expect(settings.window).toEqual({ bounds: null, compactBounds: null, maximized: false, compact: false });
  });

  it.each([
    { name: 'truncated JSON', content: '{"version": 1, "monitor": {', says: 'was not valid JSON' },
    { name: 'empty file', content: '', says: 'was empty, which is not valid JSON' },
    { name: 'not an object', content: '[1,2,3]', says: 'did not match the expected format' },
    { name: 'null', content: 'null', says: 'did not match the expected format' },
    { name: 'missing version', content: '{"monitor":{}}', says: 'version' },
    { name: 'hostile interval', content: '{"version":1,"monitor":{"intervalMs":-5}}', says: 'monitor.intervalMs' },
    { name: 'warning above critical', content: '{"version":1,"monitor":{"warningPct":99,"criticalPct":80}}', says: 'warningPct must not exceed criticalPct' },
    { name: 'non-http backend', content: '{"version":1,"backends":[{"url":"file:///etc/passwd"}]}', says: 'backends.0.url' },
    { name: 'newer version', content: '{"version":7}', says: 'written by a newer Headroom (settings version 7' },
  ])('corrupt file ($name) is moved aside, never overwritten, and defaults load', async ({ content, says }) => {
    await writeFile(file(), content);
    const s = store();
    const { settings, notices } = await s.load();
    expect(settings).toEqual(defaultSettings());
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(says);
    expect(notices[0]).toContain('defaults were loaded');
    const aside = join(dir, 'settings.corrupt-2025-01-02T03-04-05-000Z.json');
    expect(notices[0]).toContain(aside);
    expect(await readFile(aside, 'utf8')).toBe(content);
    // Saving afterwards writes a fresh file and leaves the moved-aside copy alone.
    expect((await s.update((c) => ({ ...c, firstRunCompleted: true }))).ok).toBe(true);
    expect(await readFile(aside, 'utf8')).toBe(content);
    expect(s.notices()).toEqual(notices);
  });

  it('never replaces an earlier moved-aside file with the same time stamp', async () => {
    await writeFile(join(dir, 'settings.corrupt-2025-01-02T03-04-05-000Z.json'), 'older');
    await writeFile(file(), 'broken');
    await store().load();
    expect(await readFile(join(dir, 'settings.corrupt-2025-01-02T03-04-05-000Z.json'), 'utf8')).toBe('older');
    expect(await readFile(join(dir, 'settings.corrupt-2025-01-02T03-04-05-000Z-1.json'), 'utf8')).toBe('broken');
  });

  it('an unreadable file is left alone and later saves are refused', async () => {
    await writeFile(file(), '{"version":1}');
    const eacces = Object.assign(new Error('permission denied'), { code: 'EACCES' });
    const s = store({ fs: { readFile: () => Promise.reject(eacces) } });
    const { notices } = await s.load();
    expect(notices[0]).toMatch(/Could not read settings file .* \(EACCES\)\. Defaults are in use/);
    const saved = await s.update((c) => ({ ...c, firstRunCompleted: true }));
    expect(saved).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await readFile(file(), 'utf8')).toBe('{"version":1}');
  });

  it('a corrupt file that cannot be moved aside is not overwritten either', async () => {
    await writeFile(file(), 'broken');
    const ebusy = Object.assign(new Error('busy'), { code: 'EXDEV' });
    const s = store({ fs: { rename: () => Promise.reject(ebusy) } });
    const { notices } = await s.load();
    expect(notices[0]).toContain('could not be moved aside (EXDEV)');
    expect((await s.update((c) => c)).ok).toBe(false);
    expect(await readFile(file(), 'utf8')).toBe('broken');
  });
});

describe('a settings file that is not JSON is described in words', () => {
  it.each([
    { name: 'cut short', text: '{"version": 1, "monitor": {', says: 'was not valid JSON: it ends before the JSON is complete (it may have been cut short)' },
    { name: 'empty', text: '  \n', says: 'was empty, which is not valid JSON' },
    { name: 'trailing comma', text: '{\n  "version": 1,\n}', says: 'was not valid JSON: at line 3, column 1 Headroom expected a property name in double quotes' },
    { name: 'missing comma', text: '{"version": 1\n "monitor": {}}', says: 'was not valid JSON: at line 2, column 2 Headroom expected a comma or "}"' },
    { name: 'single quotes', text: "{'apiKey': 'sk-secret'}", says: 'was not valid JSON: at line 1, column 2 Headroom expected a property name in double quotes' },
    { name: 'bare word', text: '{"version": yes}', says: 'was not valid JSON: at line 1, column 13 Headroom expected a value (an object, array, string, number, true, false or null)' },
    { name: 'text after the object', text: '{"version": 1} x', says: 'was not valid JSON: at line 1, column 16 Headroom expected nothing after the end of the settings object' },
    { name: 'byte-order mark', text: '\uFEFF{"version": 1}', says: 'starts with a byte-order mark, which JSON does not allow (save it as UTF-8 without BOM)' },
    { name: 'deep nesting', text: '['.repeat(100_000), says: 'was not valid JSON: at line 1, column 514 Headroom expected at most 512 levels of nesting' },
    { name: 'bad escape', text: '{"a": "x\\q"}', says: 'was not valid JSON: at line 1, column 9 Headroom expected a valid escape after a backslash' },
  ])('$name', ({ text, says }) => {
    expect(() => JSON.parse(text)).toThrow();
    const said = jsonProblem(text);
    expect(said).toBe(says);
    // Never V8's own words, which quote the file (secrets included) and change between Node versions.
    expect(said).not.toMatch(/Unexpected|position|sk-secret/);
  });

  it('the moved-aside notice is one sentence with the line and column', async () => {
    await writeFile(file(), "{\n  'apiKey': 'sk-secret'\n}");
    const { notices } = await store().load();
    expect(notices).toEqual([
      `Settings file ${file()} was not valid JSON: at line 2, column 3 Headroom expected a property name in double quotes. It was moved to ${join(dir, 'settings.corrupt-2025-01-02T03-04-05-000Z.json')} and defaults were loaded.`,
    ]);
  });
});

describe('update', () => {
  it('writes atomically: valid JSON, no temp files left behind', async () => {
    const s = store();
    await s.load();
    const result = await s.update((c) => ({ ...c, window: { ...c.window, bounds: { x: 10, y: 20, width: 900, height: 700 } } }));
    expect(result.ok).toBe(true);
    expect(await readdir(dir)).toEqual(['settings.json']);
    expect((await readJson()).window).toMatchObject({ bounds: { x: 10, y: 20, width: 900, height: 700 } });
  });

  it('serialises concurrent updates in order, each seeing the previous one', async () => {
    const s = store();
    await s.load();
    await Promise.all([
      s.update((c) => ({ ...c, monitor: { ...c.monitor, intervalMs: 500 } })),
      s.update((c) => ({ ...c, firstRunCompleted: true })),
      s.update((c) => ({ ...c, alerts: { ...c.alerts, snoozedUntilMs: 123 } })),
    ]);
    const onDisk = await readJson();
    expect(onDisk).toMatchObject({ firstRunCompleted: true, monitor: { intervalMs: 500 }, alerts: { snoozedUntilMs: 123 } });
    expect(s.current()).toMatchObject({ firstRunCompleted: true, monitor: { intervalMs: 500 } });
  });

  it.each([
    { name: 'tiny window', change: { window: { bounds: { x: 0, y: 0, width: 5, height: 5 }, compactBounds: null, maximized: false, compact: false } }, field: 'window.bounds.width' },
    { name: 'bad backend URL', change: { backends: [{ url: 'not a url', apiKey: null }] }, field: 'backends.0.url' },
    { name: 'empty API key', change: { backends: [{ url: 'http://127.0.0.1:8000', apiKey: '' }] }, field: 'backends.0.apiKey' },
  ])('refuses invalid settings ($name) naming the field, and keeps the old ones', async ({ change, field }) => {
    const s = store();
    await s.load();
    const before = s.current();
    const result = await s.update((c) => ({ ...c, ...change }) as typeof c);
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(!result.ok && result.error.message).toContain(field);
    expect(s.current()).toBe(before);
  });

  it('reports a failed write and removes the temp file', async () => {
    const s = store({ fs: { rename: () => Promise.reject(Object.assign(new Error('nope'), { code: 'EROFS' })) } });
    await s.load();
    const result = await s.update((c) => ({ ...c, firstRunCompleted: true }));
    expect(result).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(!result.ok && result.error.message).toContain('EROFS');
    expect(await readdir(dir)).toEqual([]);
    expect(s.current().firstRunCompleted).toBe(false);
  });
});

describe('API keys', () => {
  const withKey = (c: ReturnType<typeof defaultSettings>) => ({
    ...c,
    backends: [{ kind: 'vllm' as const, url: 'http://10.0.0.5:8000', apiKey: 'sk-secret-123' }],
  });

  it('are never in plain text on disk when OS encryption is available, and read back', async () => {
    const s = store();
    await s.load();
    await s.update(withKey);
    const text = await readFile(file(), 'utf8');
    expect(text).not.toContain('sk-secret-123');
    expect(JSON.parse(text).backends[0].apiKey.scheme).toBe('safeStorage');
    const again = await store().load();
    expect(again.settings.backends).toEqual([{ kind: 'vllm', url: 'http://10.0.0.5:8000', apiKey: 'sk-secret-123' }]);
    expect(again.notices).toEqual([]);
  });

  it('without OS encryption are stored in plain text and the notices say so', async () => {
    const s = store({ encryptor: noEncryption });
    await s.load();
    await s.update(withKey);
    expect(JSON.parse(await readFile(file(), 'utf8')).backends[0].apiKey).toEqual({ scheme: 'plain', value: 'sk-secret-123' });
    expect(s.notices().join(' ')).toContain('plain text');
    const again = await store({ encryptor: noEncryption }).load();
    expect(again.settings.backends[0]?.apiKey).toBe('sk-secret-123');
    expect(again.notices.join(' ')).toContain('plain text');
  });

  it('plain-text keys are encrypted on load once encryption is available', async () => {
    await writeFile(file(), JSON.stringify({ version: 1, backends: [{ url: 'http://h:1', apiKey: { scheme: 'plain', value: 'k1' } }] }));
    const { settings, notices } = await store().load();
    expect(settings.backends[0]?.apiKey).toBe('k1');
    expect(notices).toEqual([]);
    expect(await readFile(file(), 'utf8')).not.toContain('k1');
  });

  it.each([
    { name: 'ciphertext from another keychain', encryptor: fakeSafeStorage, data: Buffer.from('garbage').toString('base64'), says: 'could not be decrypted' },
    { name: 'encryption no longer available', encryptor: noEncryption, data: Buffer.from('enc:1k').toString('base64'), says: 'OS encryption is not available now' },
  ])('an undecryptable key ($name) loads as null with a notice, other settings kept', async ({ encryptor, data, says }) => {
    await writeFile(file(), JSON.stringify({ version: 1, firstRunCompleted: true, backends: [{ url: 'http://h:1', apiKey: { scheme: 'safeStorage', data } }] }));
    const { settings, notices } = await store({ encryptor }).load();
    expect(settings.firstRunCompleted).toBe(true);
    expect(settings.backends[0]).toEqual({ url: 'http://h:1', apiKey: null });
    expect(notices[0]).toContain(says);
    expect(notices[0]).toContain('http://h:1');
  });

  it('saving other settings keeps an undecryptable key as it was stored (never loses it)', async () => {
    const data = Buffer.from('enc:1k').toString('base64');
    await writeFile(file(), JSON.stringify({ version: 1, backends: [{ url: 'http://h:1', apiKey: { scheme: 'safeStorage', data } }] }));
    const s = store({ encryptor: noEncryption }); // e.g. `headroom serve` beside the desktop app's folder
    await s.load();
    await s.update((c) => ({ ...c, monitor: { ...c.monitor, warningPct: 70 } }));
    const onDisk = await readJson();
    expect((onDisk.backends as { apiKey: unknown }[])[0]!.apiKey).toEqual({ scheme: 'safeStorage', data });
    expect((onDisk.monitor as { warningPct: number }).warningPct).toBe(70);
    // Back where encryption works, the key reads again.
    expect((await store().load()).settings.backends[0]?.apiKey).toBe('k1');
  });
});

describe('whenIdle', () => {
  it('resolves after queued writes are on disk', async () => {
    const s = store();
    await s.load();
    void s.update((c) => ({ ...c, firstRunCompleted: true }));
    await s.whenIdle();
    expect((await readJson()).firstRunCompleted).toBe(true);
  });
});
