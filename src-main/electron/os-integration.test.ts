import type { App, SafeStorage } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../settings/settings-schema';
import { silentLogger } from '../util/logger';
import { coreOptionsFromSettings } from './core-options';
import { loginItemStatus, safeStorageEncryptor, setLoginItem } from './os-integration';
import { FakeWindowsLoginItems } from './test-fakes/windows-login-items';
import { trayMenu } from './tray-model';

function fakeSafeStorage(available: boolean, backend: string) {
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (t: string) => Buffer.from(`x${t}`),
    decryptString: (b: Buffer) => b.toString().slice(1),
  } as unknown as SafeStorage;
}

describe('safeStorageEncryptor', () => {
  it.each([
    { name: 'Windows DPAPI', available: true, backend: 'unknown', platform: 'win32', want: true },
    { name: 'macOS Keychain', available: true, backend: 'unknown', platform: 'darwin', want: true },
    { name: 'Linux GNOME keyring', available: true, backend: 'gnome_libsecret', platform: 'linux', want: true },
    { name: 'Linux without keyring (basic_text)', available: true, backend: 'basic_text', platform: 'linux', want: false },
    { name: 'not available', available: false, backend: 'unknown', platform: 'win32', want: false },
  ] as const)('$name → available $want', ({ available, backend, platform, want }) => {
    const enc = safeStorageEncryptor(fakeSafeStorage(available, backend), platform);
    expect(enc.isAvailable()).toBe(want);
    if (want) expect(enc.decrypt(enc.encrypt('key'))).toBe('key');
  });
});

describe('login item', () => {
  const ctx = { env: {}, defaultAppPath: null };
  const macApp = (openAtLogin: boolean) => {
    const set = vi.fn();
    return { app: { getLoginItemSettings: () => ({ openAtLogin }), setLoginItemSettings: set } as unknown as App, set };
  };

  it('macOS reads openAtLogin; Linux has no login-item API', () => {
    expect(loginItemStatus(macApp(true).app, 'darwin', ctx)).toEqual({ openAtLogin: true, disabledByUser: false });
    expect(loginItemStatus(macApp(true).app, 'linux', ctx)).toEqual({ openAtLogin: null, disabledByUser: false });
    const f = macApp(false);
    setLoginItem(f.app, 'darwin', true, ctx);
    expect(f.set.mock.calls).toEqual([[{ openAtLogin: true }]]);
    setLoginItem(f.app, 'linux', true, ctx);
    expect(f.set).toHaveBeenCalledTimes(1);
  });

  // Windows semantics (Electron docs): get must be asked with the same path/args as set.
  it.each([
    { name: 'installed exe', c: ctx, exe: undefined },
    { name: 'portable exe (registers the launched exe, not the temp copy)', c: { env: { PORTABLE_EXECUTABLE_FILE: 'D:\\Tools\\Headroom 0.1.0-portable.exe' }, defaultAppPath: null }, exe: 'D:\\Tools\\Headroom 0.1.0-portable.exe' },
    { name: 'npm start (electron.exe + app folder)', c: { env: {}, defaultAppPath: 'C:\\src\\head room' }, exe: undefined },
  ])('Windows, $name: the checkbox reads ticked after turning it on, and a second click turns it off', ({ c, exe }) => {
    const win = new FakeWindowsLoginItems();
    const app = win as unknown as App;
    expect(loginItemStatus(app, 'win32', c).openAtLogin).toBe(false);
    setLoginItem(app, 'win32', true, c);
    const [value] = [...win.run.values()];
    expect(value).toMatchObject({ path: exe ?? win.execPath, enabled: true });
    expect(value!.args.at(-1)).toBe('--hidden');
    if (c.defaultAppPath) expect(value!.args[0]).toBe(`"${c.defaultAppPath}"`); // quoted: the path has a space
    expect(loginItemStatus(app, 'win32', c)).toEqual({ openAtLogin: true, disabledByUser: false });
    setLoginItem(app, 'win32', false, c);
    expect(win.run.size).toBe(0);
    expect(loginItemStatus(app, 'win32', c).openAtLogin).toBe(false);
  });

  it('Windows: an item switched off in Task Manager shows unticked (and says so); ticking re-approves it', () => {
    const win = new FakeWindowsLoginItems();
    const app = win as unknown as App;
    setLoginItem(app, 'win32', true, ctx);
    win.disableInTaskManager();
    expect(loginItemStatus(app, 'win32', ctx)).toEqual({ openAtLogin: false, disabledByUser: true });
    expect(trayMenu({ paused: false, snoozedUntilMs: null, openAtLogin: false, loginItemDisabledByUser: true, compact: false }, 0).find((i) => i.action === 'toggle-login')?.label).toBe(
      'Start at login (off in Task Manager)',
    );
    setLoginItem(app, 'win32', true, ctx);
    expect(loginItemStatus(app, 'win32', ctx)).toEqual({ openAtLogin: true, disabledByUser: false });
  });
});

describe('coreOptionsFromSettings', () => {
  it('uses the core defaults for unset fields', () => {
    const o = coreOptionsFromSettings(defaultSettings(), { demo: false, dataDir: null, logger: silentLogger });
    expect(o).toMatchObject({ demo: false, discover: true, backends: [], nvidiaSmiPath: null });
    expect(o.intervalMs).toBeGreaterThan(0);
  });

  it('passes saved values, backends with decrypted keys, and demo', () => {
    const s = defaultSettings();
    s.monitor = { intervalMs: 2000, warningPct: 70, criticalPct: 85, discover: false, nvidiaSmiPath: 'C:\\nv\\nvidia-smi.exe' };
    s.backends = [{ kind: 'vllm', url: 'http://10.0.0.5:8000', apiKey: 'k' }, { url: 'http://127.0.0.1:8080', apiKey: null }];
    expect(coreOptionsFromSettings(s, { demo: true, dataDir: '/u/Headroom', logger: silentLogger })).toMatchObject({
      dataDir: '/u/Headroom',
      intervalMs: 2000,
      warningPct: 70,
      criticalPct: 85,
      discover: false,
      nvidiaSmiPath: 'C:\\nv\\nvidia-smi.exe',
      demo: true,
      backends: [{ kind: 'vllm', url: 'http://10.0.0.5:8000', apiKey: 'k' }, { url: 'http://127.0.0.1:8080', apiKey: null }],
    });
  });
});
