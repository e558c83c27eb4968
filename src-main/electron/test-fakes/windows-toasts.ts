/**
 * Fakes of Electron's Notification and shell shortcut APIs with their documented Windows
 * semantics (tests only).
 * - Electron docs, "Notifications" (Windows): a toast shows only when a Start-menu shortcut
 *   carries the app's AppUserModelID; otherwise Windows drops it silently.
 * - shell.readShortcutLink throws when the link cannot be read; writeShortcutLink(path,
 *   'create', details) "creates a new shortcut, overwriting if necessary", 'update' changes an
 *   existing one, 'replace' fails when none exists.
 * - Notification emits `click` (user clicks), `close` (dismissed or timed out; not guaranteed),
 *   `failed` (Windows/macOS: could not create or show it, with a reason).
 */
import type { NotificationConstructorOptions, ShortcutDetails } from 'electron';

export class FakeWindowsShell {
  readonly links = new Map<string, ShortcutDetails>();
  readShortcutLink = (path: string): ShortcutDetails => {
    const d = this.links.get(path);
    if (!d) throw new Error(`Failed to read shortcut link: ${path}`);
    return { ...d };
  };
  writeShortcutLink = (path: string, operation: 'create' | 'update' | 'replace', details: ShortcutDetails): boolean => {
    const existing = this.links.get(path);
    if (operation === 'replace' && !existing) return false;
    this.links.set(path, operation === 'update' && existing ? { ...existing, ...details } : { ...details });
    return true;
  };
  exists = (path: string): boolean => this.links.has(path);
}

type Listener = (event: unknown, error: string) => void;

export class FakeNotification {
  readonly listeners = new Map<string, Listener[]>();
  shown = false;
  constructor(readonly options: NotificationConstructorOptions) {}
  on(event: 'click' | 'close' | 'failed', listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  emit(event: 'click' | 'close' | 'failed', error = ''): void {
    for (const l of this.listeners.get(event) ?? []) l({}, error);
  }
  show(): void {
    this.shown = true;
  }
}

/** Windows' notification centre: shows a toast only for an AUMID with a Start-menu shortcut. */
export class FakeToastCenter {
  readonly visible: FakeNotification[] = [];
  constructor(
    readonly shell: FakeWindowsShell,
    readonly programsDir: string,
    readonly appUserModelId: string,
  ) {}
  create = (options: NotificationConstructorOptions): FakeNotification => {
    const n = new FakeNotification(options);
    const show = n.show.bind(n);
    n.show = () => {
      show();
      const registered = [...this.shell.links.entries()].some(([p, d]) => p.startsWith(this.programsDir) && d.appUserModelId === this.appUserModelId);
      if (registered) this.visible.push(n);
    };
    return n;
  };
}
