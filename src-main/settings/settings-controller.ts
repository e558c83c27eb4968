/**
 * The settings as the contract sees them: turns the stored AppSettings into a SettingsView
 * (no API keys), applies a validated SettingsPatch, saves it through the store, and hands the
 * result to the running core (`apply`) so it takes effect without a restart.
 */
import type { SettingsPatch, SettingsView } from '../../shared/contract/settings';
import { err, ok, type Result } from '../../shared/contract/result';
import { defaultSettings, type AppSettings } from './settings-schema';
import type { SettingsStore } from './settings-store';

export interface EffectiveDefaults {
  intervalMs: number;
  warningPct: number;
  criticalPct: number;
  discover: boolean;
  retentionDays: number;
}

export class SettingsController {
  private memory: AppSettings = defaultSettings();

  constructor(
    private readonly store: SettingsStore | null,
    private readonly defaults: EffectiveDefaults,
    private readonly apply: (s: AppSettings) => void | Promise<void>,
    private readonly keyStorage: SettingsView['keyStorage'],
    private readonly snoozedUntilMs: () => number | null = () => null,
  ) {}

  current(): AppSettings {
    return this.store ? this.store.current() : this.memory;
  }

  view(): SettingsView {
    const s = this.current();
    return {
      monitor: {
        intervalMs: s.monitor.intervalMs ?? this.defaults.intervalMs,
        warningPct: s.monitor.warningPct ?? this.defaults.warningPct,
        criticalPct: s.monitor.criticalPct ?? this.defaults.criticalPct,
        discover: s.monitor.discover ?? this.defaults.discover,
        perGpu: s.monitor.perGpu ?? {},
      },
      backends: s.backends.map((b) => ({ kind: b.kind ?? null, url: b.url, hasApiKey: b.apiKey !== null && b.apiKey !== '' })),
      alerts: {
        notifications: s.alerts.notifications,
        webhookUrl: s.alerts.webhookUrl ?? null,
        mutedRules: s.alerts.mutedRules ?? [],
        snoozedUntilMs: this.snoozedUntilMs() ?? s.alerts.snoozedUntilMs,
      },
      history: { retentionDays: s.history?.retentionDays ?? this.defaults.retentionDays },
      notices: this.store ? [...this.store.notices()] : ['Settings are kept in memory only: no data folder is in use.'],
      keyStorage: this.keyStorage,
      filePath: this.store?.filePath ?? null,
      fleet: {
        servers: s.fleet.servers.map((w) => ({ url: w.url, label: w.label, hasToken: w.token !== null && w.token !== '' })),
        trayScope: s.fleet.trayScope,
      },
    };
  }

  /** Validated patch → saved → applied. Errors name the field. */
  async update(patch: SettingsPatch): Promise<Result<SettingsView>> {
    const change = (cur: AppSettings): AppSettings => mergePatch(cur, patch, this.defaults);
    const merged = change(this.current());
    const warning = merged.monitor.warningPct ?? this.defaults.warningPct;
    const critical = merged.monitor.criticalPct ?? this.defaults.criticalPct;
    if (warning > critical) return err('bad-request', `monitor.warningPct: the warning threshold (${warning}%) must not be above the critical one (${critical}%)`);
    for (const [gpuId, o] of Object.entries(merged.monitor.perGpu ?? {})) {
      if ((o.warningPct ?? warning) >= (o.criticalPct ?? critical)) {
        return err('bad-request', `monitor.perGpu: ${gpuId}: the warning threshold (${o.warningPct ?? warning}%) must be below the critical one (${o.criticalPct ?? critical}%)`);
      }
    }
    if (this.store) {
      const r = await this.store.update(change);
      if (!r.ok) return r;
    } else this.memory = merged;
    await this.apply(this.current());
    return ok(this.view());
  }
}

/** Applies a patch to settings (pure). Backends are replaced as a list; a key absent from the patch is kept. */
export function mergePatch(cur: AppSettings, patch: SettingsPatch, _defaults?: EffectiveDefaults): AppSettings {
  const next: AppSettings = structuredClone(cur);
  if (patch.monitor) next.monitor = { ...next.monitor, ...patch.monitor };
  if (patch.alerts) next.alerts = { ...next.alerts, ...patch.alerts };
  if (patch.history) next.history = { ...next.history, ...patch.history };
  if (patch.backends) {
    next.backends = patch.backends.map((b) => {
      const url = b.url.replace(/\/+$/, '');
      const old = cur.backends.find((o) => o.url.replace(/\/+$/, '') === url);
      const apiKey = b.apiKey === undefined ? (old?.apiKey ?? null) : b.apiKey;
      // The load-log path is not in the settings page; a saved backend keeps the one in the file.
      return { ...(b.kind ? { kind: b.kind } : {}), url, apiKey, ...(old?.logPath ? { logPath: old.logPath } : {}) };
    });
  }
  if (patch.fleet?.trayScope) next.fleet = { ...next.fleet, trayScope: patch.fleet.trayScope };
  if (patch.fleet?.servers) {
    next.fleet = {
      ...next.fleet,
      servers: patch.fleet.servers.map((w) => {
        const url = w.url.replace(/\/+$/, '');
        const old = cur.fleet.servers.find((o) => o.url.replace(/\/+$/, '') === url);
        return { url, label: w.label === undefined ? (old?.label ?? null) : w.label || null, token: w.token === undefined ? (old?.token ?? null) : w.token };
      }),
    };
  }
  return next;
}
