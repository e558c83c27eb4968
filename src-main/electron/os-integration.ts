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

/** Whether Headroom starts at login; null where Electron has no login-item API (Linux). */
export function loginItemState(app: Pick<App, 'getLoginItemSettings'>, platform: NodeJS.Platform): boolean | null {
  if (platform !== 'win32' && platform !== 'darwin') return null;
  return app.getLoginItemSettings().openAtLogin;
}

/** Turns start-at-login on or off; on Windows the item starts Headroom hidden in the tray. */
export function setLoginItem(app: Pick<App, 'setLoginItemSettings'>, platform: NodeJS.Platform, openAtLogin: boolean, env: NodeJS.ProcessEnv): void {
  if (platform === 'win32') {
    // The portable build runs from a temp folder; register the .exe the user launched instead.
    const portable = env.PORTABLE_EXECUTABLE_FILE;
    app.setLoginItemSettings({ openAtLogin, args: ['--hidden'], ...(portable ? { path: portable } : {}) });
  } else if (platform === 'darwin') {
    app.setLoginItemSettings({ openAtLogin });
  }
}
