/**
 * What the tray shows for a Snapshot: icon spec, tooltip and menu. Pure; tray.ts applies it.
 * The icon's number is the fullest GPU's memory fill; its colour is the most severe active alert
 * (the core's alert engine decides, so vLLM's preallocated 90 % does not turn the icon red).
 */
import { formatGiB, usedPct } from '../../shared/units/bytes';
import type { Alert, GpuReading, LoadedModel, Snapshot } from '../../shared/model/snapshot';
import type { TrayIconSpec, TrayLevel } from '../tray-icon/tray-icon';

export type TrayAction = 'open' | 'toggle-compact' | 'snooze' | 'unsnooze' | 'toggle-pause' | 'toggle-login' | 'quit';

export interface TrayMenuItemModel {
  label: string;
  type: 'normal' | 'checkbox' | 'separator';
  action?: TrayAction;
  checked?: boolean;
  enabled?: boolean;
}

export interface TrayUiState {
  paused: boolean;
  snoozedUntilMs: number | null;
  /** Start at login; null where the OS login-item API is not available (Linux). */
  openAtLogin: boolean | null;
  /** Windows: the login item exists but the user switched it off in Task Manager's Startup tab. */
  loginItemDisabledByUser?: boolean;
  compact: boolean;
}

export interface TrayModel {
  icon: TrayIconSpec;
  tooltip: string;
  menu: TrayMenuItemModel[];
}

/** Windows truncates tray tooltips at 127 characters (NOTIFYICONDATA.szTip is 128 wide). */
export const TOOLTIP_MAX_CHARS = 127;
export const SNOOZE_MS = 60 * 60 * 1000;

const SEVERITY_RANK = { warning: 1, critical: 2 } as const;

/** The most severe alert, oldest first among equals; null when none is active. */
export function topAlert(alerts: readonly Alert[]): Alert | null {
  let best: Alert | null = null;
  for (const a of alerts) {
    if (!best || SEVERITY_RANK[a.severity] > SEVERITY_RANK[best.severity] || (a.severity === best.severity && a.sinceMs < best.sinceMs)) best = a;
  }
  return best;
}

/** The GPU with the highest memory fill that has a usable reading. */
export function fullestGpu(gpus: readonly GpuReading[]): { gpu: GpuReading; pct: number } | null {
  let best: { gpu: GpuReading; pct: number } | null = null;
  for (const gpu of gpus) {
    if (gpu.stale) continue;
    const pct = usedPct(gpu.memoryUsedBytes, gpu.memoryTotalBytes);
    if (pct == null) continue;
    if (!best || pct > best.pct) best = { gpu, pct };
  }
  return best;
}

function firstLoadedModel(snapshot: Snapshot): LoadedModel | null {
  for (const b of snapshot.backends) if (b.status === 'up' && b.models[0]) return b.models[0];
  return null;
}

function contextText(model: LoadedModel): string | null {
  if (model.contextLength == null) return null;
  const slots = model.slots ?? [];
  const used = slots.reduce<number | null>((max, s) => (s.usedTokens == null ? max : Math.max(max ?? 0, s.usedTokens)), null);
  const ctx = model.contextLength.toLocaleString('en-US');
  return used == null ? `ctx ${ctx}` : `ctx ${used.toLocaleString('en-US')}/${ctx}`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}

/** Icon spec for a Snapshot: no data (grey, "--") when paused, missing or stale. */
export function trayIconSpec(snapshot: Snapshot | null, paused: boolean, template: boolean): TrayIconSpec {
  const fullest = snapshot && !paused ? fullestGpu(snapshot.gpus) : null;
  if (!snapshot || !fullest) return { level: 'none', pct: null, template };
  const alert = topAlert(snapshot.alerts);
  const level: TrayLevel = alert ? alert.severity : 'ok';
  return { level, pct: fullest.pct, template };
}

/** Tooltip lines: GPU used/total and free, model and context, top alert; ≤ 127 characters. */
export function trayTooltip(snapshot: Snapshot | null, ui: Pick<TrayUiState, 'paused' | 'snoozedUntilMs'>, nowMs: number): string {
  const head = `Headroom${snapshot?.demo ? ' (demo)' : ''}`;
  if (ui.paused) return `${head}: monitoring paused`;
  if (!snapshot) return `${head}: starting…`;
  const lines: string[] = [];
  const fullest = fullestGpu(snapshot.gpus);
  if (fullest) {
    const { gpu, pct } = fullest;
    const label = snapshot.gpus.length > 1 ? `GPU ${gpu.index}` : 'GPU';
    lines.push(
      `${label} ${(gpu.memoryUsedBytes / 2 ** 30).toFixed(1)}/${formatGiB(gpu.memoryTotalBytes)} (${Math.round(pct)}%), ${formatGiB(gpu.memoryFreeBytes)} free`,
    );
  } else {
    const gpuSource = snapshot.sources.find((s) => s.status !== 'ok' && s.message);
    lines.push(gpuSource?.message ? `No GPU data: ${gpuSource.message}` : 'No GPU data');
  }
  const model = firstLoadedModel(snapshot);
  if (model) lines.push([model.name, contextText(model)].filter(Boolean).join(' · '));
  const snoozed = ui.snoozedUntilMs != null && ui.snoozedUntilMs > nowMs;
  const alert = topAlert(snapshot.alerts);
  const used = head.length + 2 + lines.reduce((n, l) => n + l.length + 1, 0);
  if (alert) lines.push(truncate(`${alert.severity === 'critical' ? '‼' : '⚠'} ${alert.message}`, Math.max(12, TOOLTIP_MAX_CHARS - used - (snoozed ? 10 : 0))));
  if (snoozed) lines.push('(snoozed)');
  return truncate(`${head}\n${lines.join('\n')}`, TOOLTIP_MAX_CHARS);
}

function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function trayMenu(ui: TrayUiState, nowMs: number): TrayMenuItemModel[] {
  const snoozed = ui.snoozedUntilMs != null && ui.snoozedUntilMs > nowMs;
  return [
    { label: 'Open dashboard', type: 'normal', action: 'open' },
    { label: 'Compact window', type: 'checkbox', action: 'toggle-compact', checked: ui.compact },
    { label: '', type: 'separator' },
    snoozed
      ? { label: `Alerts snoozed until ${formatClock(ui.snoozedUntilMs!)}: resume`, type: 'normal', action: 'unsnooze' }
      : { label: 'Snooze alerts (1 h)', type: 'normal', action: 'snooze' },
    { label: 'Pause monitoring', type: 'checkbox', action: 'toggle-pause', checked: ui.paused },
    ui.openAtLogin == null
      ? { label: 'Start at login (not supported here)', type: 'checkbox', action: 'toggle-login', checked: false, enabled: false }
      : { label: ui.loginItemDisabledByUser ? 'Start at login (off in Task Manager)' : 'Start at login', type: 'checkbox', action: 'toggle-login', checked: ui.openAtLogin },
    { label: '', type: 'separator' },
    { label: 'Quit Headroom', type: 'normal', action: 'quit' },
  ];
}

export function buildTrayModel(snapshot: Snapshot | null, ui: TrayUiState, options: { nowMs: number; platform: NodeJS.Platform }): TrayModel {
  // macOS menu-bar icons are template images (black + alpha) that the OS tints for the theme.
  const template = options.platform === 'darwin';
  return {
    icon: trayIconSpec(snapshot, ui.paused, template),
    tooltip: trayTooltip(snapshot, ui, options.nowMs),
    menu: trayMenu(ui, options.nowMs),
  };
}
