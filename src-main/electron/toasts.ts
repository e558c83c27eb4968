/**
 * Desktop notifications that actually show, and stay clickable, on Windows.
 *
 * - Windows drops toasts from an app whose AppUserModelID has no Start-menu shortcut (Electron
 *   docs, "Notifications" › Windows: "a shortcut to your app with an Application User Model ID
 *   must be installed to the Start Menu"). The NSIS installer writes one; the portable exe and
 *   `npm start` do not, so `ensureStartMenuShortcut` writes it (`shell.writeShortcutLink` with
 *   `appUserModelId`) when none exists.
 * - A Notification object that is garbage-collected loses its `click` handler (Electron docs,
 *   Notification: keep a reference), so each one is held until `click`, `close` or `failed`
 *   (`close` "is not guaranteed to be emitted in all cases", so the set is also capped).
 * - A critical alert stays until dismissed: `timeoutType: 'never'`, and on Windows a toast XML
 *   with `scenario="urgent"` (Windows 11 "important notifications", which break through Do Not
 *   Disturb; learn.microsoft.com › Toast content schema › ToastScenario).
 * - `failed` (Windows, macOS: "an error is encountered while creating and showing the native
 *   notification") is logged with Electron's reason.
 * The Electron objects come in as parameters; tests use fakes with these semantics.
 */
import { win32 } from 'node:path';
import type { NotificationConstructorOptions, ShortcutDetails } from 'electron';
import type { Logger } from '../util/logger';
import type { AlertNotification } from './notifications';

/** The part of Electron's Notification that Headroom uses. */
export interface NotificationHandle {
  on(event: 'click', listener: () => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'failed', listener: (event: unknown, error: string) => void): unknown;
  show(): void;
}

const xmlEscape = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

/** Options for `new Notification(...)`: critical ones never time out (and are urgent on Windows). */
export function toastOptions(n: AlertNotification, platform: NodeJS.Platform): NotificationConstructorOptions {
  const critical = n.urgency === 'critical';
  const base: NotificationConstructorOptions = { title: n.title, body: n.body, urgency: n.urgency, timeoutType: critical ? 'never' : 'default' };
  if (platform !== 'win32' || !critical) return base;
  // toastXml supersedes title/body on Windows; "urgent" is ignored by builds without it.
  const toastXml =
    `<toast scenario="urgent" duration="long">` +
    `<visual><binding template="ToastGeneric"><text>${xmlEscape(n.title)}</text><text>${xmlEscape(n.body)}</text></binding></visual>` +
    `</toast>`;
  return { ...base, toastXml };
}

export interface ToastPresenter {
  show(n: AlertNotification): void;
  /** Notifications held until clicked, closed or failed (tests). */
  held(): number;
}

export function createToastPresenter(deps: {
  create(options: NotificationConstructorOptions): NotificationHandle;
  isSupported(): boolean;
  /** A toast was clicked: open the dashboard at this alert (null: the alerts list). */
  onClick(alertId: string | null): void;
  platform: NodeJS.Platform;
  logger: Logger;
  maxHeld?: number;
}): ToastPresenter {
  const held = new Set<NotificationHandle>();
  const maxHeld = deps.maxHeld ?? 32;
  let loggedUnsupported = false;
  return {
    show(n) {
      if (!deps.isSupported()) {
        if (!loggedUnsupported) deps.logger.warn('Desktop notifications are not supported here; alerts show in the tray and the dashboard only.');
        loggedUnsupported = true;
        return;
      }
      const toast = deps.create(toastOptions(n, deps.platform));
      const release = () => held.delete(toast);
      toast.on('click', () => {
        release();
        deps.onClick(n.alertId);
      });
      toast.on('close', release);
      toast.on('failed', (_e, error) => {
        release();
        deps.logger.warn(`Notification "${n.title}" could not be shown: ${error || 'no reason given'}.`);
      });
      held.add(toast);
      // `close` is not guaranteed: forget the oldest beyond the cap (Set keeps insertion order).
      while (held.size > maxHeld) held.delete(held.values().next().value!);
      toast.show();
    },
    held: () => held.size,
  };
}

export type ShortcutResult = 'not-windows' | 'exists' | 'created' | 'failed' | 'foreign';

/**
 * Makes sure a Start-menu shortcut carries Headroom's AppUserModelID (Windows only). Leaves an
 * existing shortcut alone; writes `<Programs>\\Headroom.lnk` when there is none.
 */
export function ensureStartMenuShortcut(deps: {
  platform: NodeJS.Platform;
  /** Electron `shell` (Windows-only methods). */
  shell: { readShortcutLink(path: string): ShortcutDetails; writeShortcutLink(path: string, operation: 'create' | 'update' | 'replace', details: ShortcutDetails): boolean };
  /** `%APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs` (app.getPath('appData') + that). */
  programsDir: string;
  /** What the shortcut starts: the launched exe (portable: PORTABLE_EXECUTABLE_FILE), or electron.exe for npm start. */
  target: string;
  /** `"<app folder>"` under `npm start`; empty for a packaged exe. */
  args: string;
  appUserModelId: string;
  logger: Logger;
  exists(path: string): boolean;
}): ShortcutResult {
  if (deps.platform !== 'win32') return 'not-windows';
  const path = win32.join(deps.programsDir, 'Headroom.lnk');
  if (deps.exists(path)) {
    let details: ShortcutDetails | null = null;
    try {
      details = deps.shell.readShortcutLink(path);
    } catch {
      details = null;
    }
    if (details?.appUserModelId === deps.appUserModelId) return 'exists';
    deps.logger.warn(`${path} exists but does not carry Headroom's AppUserModelID (${deps.appUserModelId}); Windows may not show Headroom's notifications. Reinstall Headroom or delete that shortcut.`);
    return 'foreign';
  }
  const details: ShortcutDetails = {
    target: deps.target,
    ...(deps.args ? { args: deps.args } : {}),
    appUserModelId: deps.appUserModelId,
    description: 'Headroom: GPU memory headroom for local LLMs',
    icon: deps.target,
    iconIndex: 0,
  };
  let ok = false;
  try {
    ok = deps.shell.writeShortcutLink(path, 'create', details);
  } catch {
    ok = false;
  }
  if (!ok) {
    deps.logger.warn(`Could not create ${path}; Windows shows notifications only for apps with a Start-menu shortcut, so alerts show in the tray and dashboard only.`);
    return 'failed';
  }
  deps.logger.info(`Created ${path} so that Windows shows Headroom's notifications.`);
  return 'created';
}
