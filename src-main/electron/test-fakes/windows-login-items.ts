/**
 * A fake of Electron's login-item API with its documented Windows semantics (tests only).
 * Electron docs, app.setLoginItemSettings / app.getLoginItemSettings (Windows):
 * - set writes the registry value `name` (default: the AppUserModelID) under
 *   HKCU\Software\Microsoft\Windows\CurrentVersion\Run as `"path" args`; `path` defaults to
 *   process.execPath, `args` to []; `enabled` (default true) writes the StartupApproved key
 *   that Task Manager's Startup tab toggles; openAtLogin false deletes the value.
 * - get({ path, args }) compares against the same path and args (defaults as above):
 *   `openAtLogin` is true only when a Run value has exactly that path and args;
 *   `executableWillLaunchAtLogin` is true when a Run value starts that executable with any args
 *   and is approved; `launchItems` lists the values that start that executable.
 * Task Manager's Startup toggle is `disableInTaskManager(name)`.
 */
import type { LoginItemSettings, LoginItemSettingsOptions, Settings } from 'electron';

interface RunValue { path: string; args: string[]; enabled: boolean }

export class FakeWindowsLoginItems {
  readonly run = new Map<string, RunValue>();
  constructor(
    readonly execPath = 'C:\\Users\\Jane Doe\\AppData\\Local\\Programs\\Headroom\\Headroom.exe',
    readonly appUserModelId = 'dev.headroom.app',
  ) {}

  setLoginItemSettings = (s: Settings): void => {
    const name = s.name ?? this.appUserModelId;
    if (s.openAtLogin) this.run.set(name, { path: s.path ?? this.execPath, args: [...(s.args ?? [])], enabled: s.enabled ?? true });
    else this.run.delete(name);
  };

  getLoginItemSettings = (o?: LoginItemSettingsOptions): LoginItemSettings => {
    const path = (o?.path ?? this.execPath).toLowerCase();
    const args = o?.args ?? [];
    const items = [...this.run.entries()].filter(([, v]) => v.path.toLowerCase() === path);
    return {
      openAtLogin: items.some(([, v]) => v.args.length === args.length && v.args.every((a, i) => a === args[i])),
      executableWillLaunchAtLogin: items.some(([, v]) => v.enabled),
      launchItems: items.map(([name, v]) => ({ name, path: v.path, args: v.args, scope: 'user', enabled: v.enabled })),
      status: 'not-registered',
      wasOpenedAtLogin: false,
    };
  };

  /** The user switches Headroom off in Task Manager › Startup apps. */
  disableInTaskManager(name = this.appUserModelId): void {
    const v = this.run.get(name);
    if (v) v.enabled = false;
  }
}
