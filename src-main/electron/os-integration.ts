/**
 * OS services behind small functions that take the Electron objects as parameters: API-key
 * encryption (safeStorage) and the start-at-login item. Tested with fakes.
 */
import type { App, SafeStorage } from 'electron';
import { noEncryption, type SecretEncryptor } from '../settings/settings-store';

/** Electron safeStorage as the settings store's encryptor; `noEncryption` where it protects nothing. */
export function safeStorageEncryptor(safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptString' | 'decryptString'>, platform: NodeJS.Platform): SecretEncryptor {
  if (!safeStorage.isEncryptionAvailable()) return noEncryption;
  // Linux without a keyring: Chromium falls back to a hard-coded key ("basic_text"). That is not
  // protection, so it counts as unavailable and the settings notice says keys are in plain text.
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return noEncryption;
  return {
    isAvailable: () => true,
    encrypt: (text) => safeStorage.encryptString(text),
    decrypt: (data) => safeStorage.decryptString(data),
  };
}

/**
 * Where the Windows login item points. Electron writes `HKCU\...\CurrentVersion\Run` under the
 * AppUserModelID with `path` + `args`, and `getLoginItemSettings()` compares against the same
 * `path`/`args` ("If you provided path and args options to app.setLoginItemSettings, then you
 * need to pass the same arguments here for openAtLogin to be set correctly", Electron docs,
 * app.getLoginItemSettings). So set and get both come from here.
 */
export interface LoginItemContext {
  env: NodeJS.ProcessEnv;
  /**
   * The app folder when started as `electron <folder>` (`npm start`; `process.defaultApp`):
   * the login item must pass it, or Windows would start bare Electron at login.
   */
  defaultAppPath: string | null;
}

export function loginItemTarget(ctx: LoginItemContext): { path?: string; args: string[] } {
  // The portable build runs from a temp folder; register the .exe the user launched instead.
  const portable = ctx.env.PORTABLE_EXECUTABLE_FILE;
  // Electron docs (Settings.args): "Take care to wrap paths in quotes" (the Run value is one command line).
  const args = [...(ctx.defaultAppPath ? [`"${ctx.defaultAppPath.replace(/"/g, '')}"`] : []), '--hidden'];
  return portable ? { path: portable, args } : { args };
}

export interface LoginItemStatus {
  /** The tray checkbox: Headroom will start at login. Null where Electron has no login-item API (Linux). */
  openAtLogin: boolean | null;
  /** Windows: registered, but turned off in Task Manager's Startup tab (or Settings › Apps › Startup). */
  disabledByUser: boolean;
}

/**
 * Whether Headroom starts at login. On Windows the checkbox follows
 * `executableWillLaunchAtLogin` (registered *and* not switched off in Task Manager's Startup
 * tab), not `openAtLogin` alone, which stays true for an item the user switched off there.
 */
export function loginItemStatus(app: Pick<App, 'getLoginItemSettings'>, platform: NodeJS.Platform, ctx: LoginItemContext): LoginItemStatus {
  if (platform === 'win32') {
    const s = app.getLoginItemSettings(loginItemTarget(ctx));
    return { openAtLogin: s.executableWillLaunchAtLogin, disabledByUser: s.openAtLogin && !s.executableWillLaunchAtLogin };
  }
  if (platform === 'darwin') return { openAtLogin: app.getLoginItemSettings().openAtLogin, disabledByUser: false };
  return { openAtLogin: null, disabledByUser: false };
}

/**
 * Turns start-at-login on or off; on Windows the item starts Headroom hidden in the tray, and
 * turning it on also re-approves an item switched off in Task Manager (`enabled: true`).
 */
export function setLoginItem(app: Pick<App, 'setLoginItemSettings'>, platform: NodeJS.Platform, openAtLogin: boolean, ctx: LoginItemContext): void {
  if (platform === 'win32') {
    app.setLoginItemSettings({ openAtLogin, enabled: true, ...loginItemTarget(ctx) });
  } else if (platform === 'darwin') {
    app.setLoginItemSettings({ openAtLogin });
  }
}
