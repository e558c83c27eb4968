import type { SettingsPatch, SettingsView } from '../../../shared/contract/settings';
import type { BackendKind } from '../../../shared/model/snapshot';

/** One backend row as edited: the API key field is write-only (empty = keep what is stored). */
export interface BackendDraft {
  /** Stable React key for the row. */
  rowId: number;
  kind: BackendKind | '';
  url: string;
  hasApiKey: boolean;
  apiKey: string;
  removeKey: boolean;
}

/** One GPU's threshold overrides as edited. */
export interface GpuDraft {
  warningPct: string;
  criticalPct: string;
  ignoreVram: boolean;
}

/** The form's state: numbers stay strings until validated so a half-typed value is not lost. */
export interface SettingsDraft {
  intervalMs: string;
  warningPct: string;
  criticalPct: string;
  discover: boolean;
  /** Per-GPU overrides by GPU id; empty strings = use the global threshold. */
  perGpu: Record<string, GpuDraft>;
  backends: BackendDraft[];
  notifications: boolean;
  webhookUrl: string;
  mutedRules: string[];
  retentionDays: string;
}

/** Field errors keyed by the contract's field path (`monitor.warningPct`, `backends.0.url`). */
export type FieldErrors = Record<string, string>;

let nextRowId = 1;
export const newRowId = (): number => nextRowId++;

export function draftFrom(v: SettingsView): SettingsDraft {
  return {
    intervalMs: String(v.monitor.intervalMs),
    warningPct: String(v.monitor.warningPct),
    criticalPct: String(v.monitor.criticalPct),
    discover: v.monitor.discover,
    perGpu: Object.fromEntries(
      Object.entries(v.monitor.perGpu ?? {}).map(([id, o]) => [id, { warningPct: o.warningPct === undefined ? '' : String(o.warningPct), criticalPct: o.criticalPct === undefined ? '' : String(o.criticalPct), ignoreVram: o.ignoreVram === true }]),
    ),
    backends: v.backends.map((b) => ({ rowId: newRowId(), kind: b.kind ?? '', url: b.url, hasApiKey: b.hasApiKey, apiKey: '', removeKey: false })),
    notifications: v.alerts.notifications,
    webhookUrl: v.alerts.webhookUrl ?? '',
    mutedRules: [...v.alerts.mutedRules],
    retentionDays: String(v.history.retentionDays),
  };
}

export function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text.trim());
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}

function numberIn(text: string, min: number, max: number, integer: boolean): number | null {
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text)) return null;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) return null;
  return n;
}

/**
 * Obvious mistakes caught before the round trip, with the same field paths (and wording) the
 * server uses; the server validates again and its `bad-request` lands on the same fields.
 */
export function validateDraft(d: SettingsDraft): { errors: FieldErrors; patch: SettingsPatch | null } {
  const errors: FieldErrors = {};
  const intervalMs = numberIn(d.intervalMs, 250, 60_000, true);
  if (intervalMs === null) errors['monitor.intervalMs'] = 'must be a whole number of ms from 250 to 60000';
  const warningPct = numberIn(d.warningPct, 1, 100, false);
  if (warningPct === null) errors['monitor.warningPct'] = 'must be 1–100';
  const criticalPct = numberIn(d.criticalPct, 1, 100, false);
  if (criticalPct === null) errors['monitor.criticalPct'] = 'must be 1–100';
  if (warningPct !== null && criticalPct !== null && warningPct > criticalPct) errors['monitor.warningPct'] = 'must not be above the critical threshold';
  const perGpu: Record<string, { warningPct?: number; criticalPct?: number; ignoreVram?: boolean }> = {};
  for (const [id, g] of Object.entries(d.perGpu)) {
    const path = `monitor.perGpu.${id.replace('gpu:', '')}`;
    const w = g.warningPct.trim() === '' ? undefined : numberIn(g.warningPct, 1, 100, false);
    const c = g.criticalPct.trim() === '' ? undefined : numberIn(g.criticalPct, 1, 100, false);
    if (w === null) errors[`${path}.warningPct`] = 'must be 1–100, or empty for the global threshold';
    if (c === null) errors[`${path}.criticalPct`] = 'must be 1–100, or empty for the global threshold';
    const ew = w ?? warningPct;
    const ec = c ?? criticalPct;
    if (w !== null && c !== null && ew !== null && ec !== null && ew >= ec) errors[`${path}.warningPct`] = `must be below this GPU's critical threshold (${ec}%)`;
    if (w !== null && c !== null && (w !== undefined || c !== undefined || g.ignoreVram)) {
      perGpu[id] = { ...(w !== undefined ? { warningPct: w } : {}), ...(c !== undefined ? { criticalPct: c } : {}), ...(g.ignoreVram ? { ignoreVram: true } : {}) };
    }
  }
  const seen = new Map<string, number>();
  d.backends.forEach((b, i) => {
    const url = b.url.trim();
    if (!isHttpUrl(url)) errors[`backends.${i}.url`] = 'must be an http:// or https:// URL, e.g. http://127.0.0.1:11434';
    const norm = url.replace(/\/+$/, '');
    if (seen.has(norm)) errors[`backends.${i}.url`] = 'is listed twice';
    seen.set(norm, i);
  });
  const webhook = d.webhookUrl.trim();
  if (webhook && !isHttpUrl(webhook)) errors['alerts.webhookUrl'] = 'must be an http:// or https:// URL (or empty for none)';
  const retentionDays = numberIn(d.retentionDays, 1, 3650, true);
  if (retentionDays === null) errors['history.retentionDays'] = 'must be 1–3650 days';
  if (Object.keys(errors).length > 0 || intervalMs === null || warningPct === null || criticalPct === null || retentionDays === null) return { errors, patch: null };
  return {
    errors,
    patch: {
      monitor: { intervalMs, warningPct, criticalPct, discover: d.discover, perGpu },
      backends: d.backends.map((b) => ({
        url: b.url.trim(),
        kind: b.kind === '' ? null : b.kind,
        ...(b.apiKey !== '' ? { apiKey: b.apiKey } : b.removeKey ? { apiKey: null } : {}),
      })),
      alerts: { notifications: d.notifications, webhookUrl: webhook === '' ? null : webhook, mutedRules: [...d.mutedRules] },
      history: { retentionDays },
    },
  };
}

/**
 * Maps a server `bad-request` message (`"backends.0.url: must be …; monitor.warningPct: …"`) to
 * field errors; a path that names no known field goes to `form` (shown above the Save button).
 */
export function serverErrors(message: string, knownFields: readonly string[]): { fields: FieldErrors; form: string[] } {
  const fields: FieldErrors = {};
  const form: string[] = [];
  for (const part of message.split('; ')) {
    const m = /^([\w.]+): ([\s\S]*)$/.exec(part.trim());
    if (!m) {
      form.push(part);
      continue;
    }
    const path = m[1]!;
    const field = knownFields.find((f) => f === path) ?? knownFields.find((f) => f.startsWith(`${path}.`)) ?? knownFields.find((f) => path.startsWith(`${f}.`));
    if (field) fields[field] = m[2]!;
    else form.push(part);
  }
  return { fields, form };
}

/** Every field path the form shows (for mapping server errors). */
export function fieldPaths(d: SettingsDraft): string[] {
  return [
    'monitor.intervalMs',
    'monitor.warningPct',
    'monitor.criticalPct',
    'monitor.discover',
    ...Object.keys(d.perGpu).flatMap((id) => [`monitor.perGpu.${id.replace('gpu:', '')}.warningPct`, `monitor.perGpu.${id.replace('gpu:', '')}.criticalPct`]),
    ...d.backends.flatMap((_, i) => [`backends.${i}.url`, `backends.${i}.apiKey`, `backends.${i}.kind`]),
    'alerts.notifications',
    'alerts.webhookUrl',
    'alerts.mutedRules',
    'history.retentionDays',
  ];
}

/** DOM id of a field's control (`monitor.warningPct` → `set-monitor-warningPct`). */
export const fieldId = (path: string): string => `set-${path.replace(/\./g, '-')}`;
