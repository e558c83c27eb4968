import type { App, SafeStorage } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../settings/settings-schema';
import { silentLogger } from '../util/logger';
import { coreOptionsFromSettings } from './core-options';
import { loginItemState, safeStorageEncryptor, setLoginItem } from './os-integration';

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
  const fakeApp = (openAtLogin: boolean) => {
    const set = vi.fn();
    return { app: { getLoginItemSettings: () => ({ openAtLogin }), setLoginItemSettings: set } as unknown as App, set };
  };

  it.each([
    { platform: 'win32', want: true },
    { platform: 'darwin', want: true },
    { platform: 'linux', want: null },
  ] as const)('state on $platform', ({ platform, want }) => {
    expect(loginItemState(fakeApp(true).app, platform)).toBe(want);
  });

  it.each([
    { name: 'Windows starts hidden', platform: 'win32', env: {}, want: [{ openAtLogin: true, args: ['--hidden'] }] },
    { name: 'Windows portable registers the launched exe', platform: 'win32', env: { PORTABLE_EXECUTABLE_FILE: 'D:\\Headroom.exe' }, want: [{ openAtLogin: true, args: ['--hidden'], path: 'D:\\Headroom.exe' }] },
    { name: 'macOS', platform: 'darwin', env: {}, want: [{ openAtLogin: true }] },
  ] as const)('$name', ({ platform, env, want }) => {
    const f = fakeApp(false);
    setLoginItem(f.app, platform, true, env);
    expect(f.set.mock.calls).toEqual([want]);
  });

  it('does nothing on Linux (no login-item API)', () => {
    const f = fakeApp(false);
    setLoginItem(f.app, 'linux', true, {});
    expect(f.set).not.toHaveBeenCalled();
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
