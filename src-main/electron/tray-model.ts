/**
 * What the tray shows for a Snapshot: icon spec, tooltip and menu. Pure; tray.ts applies it.
 * The icon's number is the fullest GPU's memory fill; its colour is the most severe active alert
 * (the core's alert engine decides, so vLLM's preallocated 90 % does not turn the icon red).
 */
import { formatGiB, usedPct } from '../../shared/units/bytes';
import type { Alert, GpuReading, LoadedModel, Snapshot } from '../../shared/model/snapshot';
import type { TrayIconSpec, TrayLevel } from '../tray-icon/tray-icon';

export type TrayAction = 'open' | 'toggle-compact' | 'snooze' | 'unsnooze' | 'toggle-pause' | 'toggle-login' | 'quit' | 'icon-gpu:fullest' | `icon-gpu:gpu:${string}`;

export interface TrayMenuItemModel {
  label: string;
  type: 'normal' | 'checkbox' | 'radio' | 'separator' | 'submenu';
  /** For `submenu` items. */
  submenu?: TrayMenuItemModel[];
  action?: TrayAction;
  checked?: boolean;
  enabled?: boolean;
}

export interface TrayUiState {
  paused: boolean;
  snoozedUntilMs: number | null;
  /** Start at login; null where the OS login-item API is not available (Linux). */
  openAtLogin: boolean | null;
  /** The GPU the icon shows (a GPU id), or null for the fullest one. */
  iconGpu?: string | null;
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

/** Cuts to at most `max` UTF-16 code units with an ellipsis, never splitting a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let cut = text.slice(0, max - 1);
  // A lone high surrogate at the end would be half an emoji or CJK extension character.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

/** Icon spec for a Snapshot: no data (grey, "--") when paused, missing or stale. */
export function trayIconSpec(snapshot: Snapshot | null, paused: boolean, template: boolean, iconGpu: string | null = null): TrayIconSpec {
  const shown = snapshot && !paused ? iconGpuReading(snapshot.gpus, iconGpu) : null;
  if (!snapshot || !shown) return { level: 'none', pct: null, template };
  const alert = topAlert(snapshot.alerts);
  const level: TrayLevel = alert ? alert.severity : 'ok';
  return { level, pct: shown.pct, template };
}

/**
 * The GPU the icon and tooltip show: the one the user picked (`iconGpu`, a GPU id) when it has a
 * usable reading, else the fullest one.
 */
export function iconGpuReading(gpus: readonly GpuReading[], iconGpu: string | null): { gpu: GpuReading; pct: number } | null {
  if (iconGpu) {
    const gpu = gpus.find((g) => g.id === iconGpu && !g.stale);
    const pct = gpu ? usedPct(gpu.memoryUsedBytes, gpu.memoryTotalBytes) : null;
    if (gpu && pct != null) return { gpu, pct };
  }
  return fullestGpu(gpus);
}

/**
 * Tooltip lines: GPU used/total and free, model and context, top alert. At most 127 UTF-16
 * units (Windows' NOTIFYICONDATA.szTip). The alert line always stays: when the text is too
 * long a long model name is cut first, then the alert shortened (to 48 characters at least),
 * then the model line dropped; surrogate pairs are never split.
 */
export function trayTooltip(snapshot: Snapshot | null, ui: Pick<TrayUiState, 'paused' | 'snoozedUntilMs'> & { iconGpu?: string | null }, nowMs: number): string {
  const head = `Headroom${snapshot?.demo ? ' (demo)' : ''}`;
  if (ui.paused) return `${head}: monitoring paused`;
  if (!snapshot) return `${head}: starting…`;
  let gpuLine: string;
  const shown = iconGpuReading(snapshot.gpus, ui.iconGpu ?? null);
  if (shown) {
    const { gpu, pct } = shown;
    const label = snapshot.gpus.length > 1 ? `GPU ${gpu.index}` : 'GPU';
    gpuLine = `${label} ${(gpu.memoryUsedBytes / 2 ** 30).toFixed(1)}/${formatGiB(gpu.memoryTotalBytes)} (${Math.round(pct)}%), ${formatGiB(gpu.memoryFreeBytes)} free`;
  } else {
    const gpuSource = snapshot.sources.find((s) => s.status !== 'ok' && s.message);
    gpuLine = gpuSource?.message ? `No GPU data: ${gpuSource.message}` : 'No GPU data';
  }
  const model = firstLoadedModel(snapshot);
  const ctx = model ? contextText(model) : null;
  const snoozed = ui.snoozedUntilMs != null && ui.snoozedUntilMs > nowMs;
  const alert = topAlert(snapshot.alerts);
  const alertLine = alert ? `${alert.severity === 'critical' ? '‼' : '⚠'} ${alert.message}` : null;
  const tail = snoozed ? ['(snoozed)'] : [];
  const join = (modelLine: string | null, gpu: string, al: string | null) => [head, gpu, modelLine, al, ...tail].filter((l): l is string => l !== null).join('\n');

  const suffix = ctx ? ` · ${ctx}` : '';
  const modelWith = (nameMax: number) => (model ? `${truncate(model.name, nameMax)}${suffix}` : null);
  /** The alert cut to whatever room is left, but never below `min` characters. */
  const alertWithin = (others: string | null, min: number) => {
    if (!alertLine) return null;
    const room = TOOLTIP_MAX_CHARS - join(others, gpuLine, '').length;
    return alertLine.length <= room ? alertLine : room >= min ? truncate(alertLine, room) : null;
  };
  // Most to least complete; the first that fits wins. Long model names go first, the alert last.
  const attempts: [nameMax: number | null, alertMin: number][] = [
    [Infinity, Infinity],
    [24, Infinity],
    [24, 48],
    [12, 48],
    [null, 12],
  ];
  for (const [nameMax, alertMin] of attempts) {
    const modelLine = nameMax === null ? null : modelWith(nameMax);
    const al = alertLine ? alertWithin(modelLine, alertMin === Infinity ? alertLine.length : alertMin) : null;
    if (alertLine && al === null) continue;
    const text = join(modelLine, gpuLine, al);
    if (text.length <= TOOLTIP_MAX_CHARS) return text;
  }
  // Not even the GPU line and a short alert fit (an endless source message): cut the GPU line.
  const al = alertLine ? truncate(alertLine, 40) : null;
  gpuLine = truncate(gpuLine, Math.max(1, TOOLTIP_MAX_CHARS - join(null, '', al).length));
  return truncate(join(null, gpuLine, al), TOOLTIP_MAX_CHARS);
}

function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** "Icon shows": the fullest GPU or one picked GPU (only with more than one GPU). */
function iconGpuMenu(gpus: readonly GpuReading[], iconGpu: string | null): TrayMenuItemModel[] {
  if (gpus.length < 2) return [];
  const picked = iconGpu && gpus.some((g) => g.id === iconGpu) ? iconGpu : null;
  return [
    {
      label: 'Tray icon shows',
      type: 'submenu',
      submenu: [
        { label: 'Fullest GPU', type: 'radio', action: 'icon-gpu:fullest', checked: picked === null },
        ...gpus.map((g): TrayMenuItemModel => ({ label: `GPU ${g.index}: ${truncate(g.name, 40)}`, type: 'radio', action: `icon-gpu:${g.id}` as TrayAction, checked: picked === g.id })),
      ],
    },
  ];
}

export function trayMenu(ui: TrayUiState, nowMs: number, gpus: readonly GpuReading[] = []): TrayMenuItemModel[] {
  const snoozed = ui.snoozedUntilMs != null && ui.snoozedUntilMs > nowMs;
  return [
    { label: 'Open dashboard', type: 'normal', action: 'open' },
    { label: 'Compact window', type: 'checkbox', action: 'toggle-compact', checked: ui.compact },
    ...iconGpuMenu(gpus, ui.iconGpu ?? null),
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
    icon: trayIconSpec(snapshot, ui.paused, template, ui.iconGpu ?? null),
    tooltip: trayTooltip(snapshot, ui, options.nowMs),
    menu: trayMenu(ui, options.nowMs, snapshot?.gpus ?? []),
  };
}
