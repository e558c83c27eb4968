import { describe, expect, it, vi } from 'vitest';
import type { Snapshot } from '../../shared/model/snapshot';
import { silentLogger, type Logger } from '../util/logger';
import { createAlertNotifier } from './notifications';
import { FakeToastCenter, FakeWindowsShell } from './test-fakes/windows-toasts';
import { createToastPresenter, ensureStartMenuShortcut, toastOptions } from './toasts';

const AUMID = 'dev.headroom.app';
const PROGRAMS = 'C:\\Users\\Jane Doe\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs';
const LNK = `${PROGRAMS}\\Headroom.lnk`;

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { ...silentLogger, lines, info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`) } as Logger & { lines: string[] };
}

const critical = { title: 'Headroom: critical on gpu:0', body: 'GPU 0 at 97% <full> & spilling', urgency: 'critical', alertId: 'vram-critical:gpu:0' } as const;
const warning = { title: 'Headroom: warning on gpu:0', body: 'GPU 0 at 86%', urgency: 'normal', alertId: 'vram-warning:gpu:0' } as const;

function setup(shortcut: 'none' | 'installer' | 'foreign') {
  const shell = new FakeWindowsShell();
  if (shortcut === 'installer') shell.links.set(LNK, { target: 'C:\\Program Files\\Headroom\\Headroom.exe', appUserModelId: AUMID });
  if (shortcut === 'foreign') shell.links.set(LNK, { target: 'C:\\Other\\Headroom.exe' });
  const center = new FakeToastCenter(shell, PROGRAMS, AUMID);
  const logger = recordingLogger();
  const ensure = (target = 'D:\\Tools\\Headroom-0.1.0-portable.exe', args = '') =>
    ensureStartMenuShortcut({ platform: 'win32', shell, programsDir: PROGRAMS, target, args, appUserModelId: AUMID, logger, exists: shell.exists });
  return { shell, center, logger, ensure };
}

describe('Start-menu shortcut (Windows drops toasts without one)', () => {
  it('portable exe: no shortcut → toasts vanish; after ensureStartMenuShortcut they show', () => {
    const { center, logger, ensure } = setup('none');
    const clicks: (string | null)[] = [];
    const toasts = createToastPresenter({ create: center.create, isSupported: () => true, onClick: (id) => clicks.push(id), platform: 'win32', logger });
    toasts.show(warning);
    expect(center.visible).toHaveLength(0);
    expect(ensure()).toBe('created');
    toasts.show(warning);
    expect(center.visible).toHaveLength(1);
    expect(logger.lines.some((l) => l.includes('Created') && l.includes('Headroom.lnk'))).toBe(true);
  });

  it('writes the launched exe and the AppUserModelID (and the app folder under npm start)', () => {
    const { shell, ensure } = setup('none');
    expect(ensure('C:\\src\\head room\\node_modules\\electron\\dist\\electron.exe', '"C:\\src\\head room"')).toBe('created');
    expect(shell.links.get(LNK)).toMatchObject({ target: 'C:\\src\\head room\\node_modules\\electron\\dist\\electron.exe', args: '"C:\\src\\head room"', appUserModelId: AUMID });
  });

  it("leaves the installer's shortcut alone, warns about a foreign one, does nothing off Windows", () => {
    const inst = setup('installer');
    expect(inst.ensure()).toBe('exists');
    expect(inst.shell.links.get(LNK)?.target).toBe('C:\\Program Files\\Headroom\\Headroom.exe');
    const foreign = setup('foreign');
    expect(foreign.ensure()).toBe('foreign');
    expect(foreign.logger.lines.join('\n')).toContain("does not carry Headroom's AppUserModelID");
    const shell = new FakeWindowsShell();
    expect(ensureStartMenuShortcut({ platform: 'linux', shell, programsDir: PROGRAMS, target: 'x', args: '', appUserModelId: AUMID, logger: silentLogger, exists: shell.exists })).toBe('not-windows');
    expect(shell.links.size).toBe(0);
  });

  it('a write that fails says so in one sentence', () => {
    const { shell, logger, ensure } = setup('none');
    shell.writeShortcutLink = () => false;
    expect(ensure()).toBe('failed');
    expect(logger.lines.join('\n')).toMatch(/Could not create .*Headroom\.lnk; Windows shows notifications only/);
  });
});

describe('toast presenter', () => {
  it('holds each notification until it is clicked, closed or failed (a collected one loses its click handler)', () => {
    const { center, logger, ensure } = setup('none');
    ensure();
    const onClick = vi.fn();
    const toasts = createToastPresenter({ create: center.create, isSupported: () => true, onClick, platform: 'win32', logger });
    toasts.show(critical);
    toasts.show(warning);
    toasts.show({ ...warning, alertId: null });
    expect(toasts.held()).toBe(3);
    center.visible[0]!.emit('click');
    expect(onClick).toHaveBeenCalledWith('vram-critical:gpu:0');
    center.visible[1]!.emit('close');
    center.visible[2]!.emit('failed', 'WNF_ERROR 0x80070490');
    expect(toasts.held()).toBe(0);
    expect(logger.lines.join('\n')).toContain('could not be shown: WNF_ERROR 0x80070490.');
  });

  it('caps what it holds when Windows never reports close', () => {
    const { center, ensure } = setup('none');
    ensure();
    const toasts = createToastPresenter({ create: center.create, isSupported: () => true, onClick: () => undefined, platform: 'win32', logger: silentLogger, maxHeld: 4 });
    for (let i = 0; i < 10; i++) toasts.show(warning);
    expect(toasts.held()).toBe(4);
  });

  it('critical alerts never time out; on Windows an urgent-scenario toast with the text escaped', () => {
    const o = toastOptions(critical, 'win32');
    expect(o).toMatchObject({ timeoutType: 'never', urgency: 'critical' });
    expect(o.toastXml).toContain('<toast scenario="urgent"');
    expect(o.toastXml).toContain('<text>GPU 0 at 97% &lt;full&gt; &amp; spilling</text>');
    expect(toastOptions(critical, 'linux')).toEqual({ title: critical.title, body: critical.body, urgency: 'critical', timeoutType: 'never' });
    expect(toastOptions(warning, 'win32')).toEqual({ title: warning.title, body: warning.body, urgency: 'normal', timeoutType: 'default' });
  });

  it('the alert notifier passes the alert id a click opens the dashboard at', () => {
    const shown: unknown[] = [];
    const notifier = createAlertNotifier({ show: (n) => shown.push(n) });
    const snapshot = { alerts: [{ id: 'spill:ollama@127.0.0.1:11434:qwen', severity: 'critical', sinceMs: 1, sourceId: 'ollama@127.0.0.1:11434', message: 'Spilled.' }] } as unknown as Snapshot;
    notifier.update(snapshot, { nowMs: 2, snoozedUntilMs: null, enabled: true });
    expect(shown).toEqual([expect.objectContaining({ alertId: 'spill:ollama@127.0.0.1:11434:qwen', urgency: 'critical' })]);
  });
});
