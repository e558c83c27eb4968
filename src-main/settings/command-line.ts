/**
 * What was given on `headroom serve`'s command line wins over saved settings, at start and every
 * time settings are saved from the dashboard (README: "flags given on the command line win over
 * saved settings"). Saving the alert thresholds must not drop a server given with `--backend`,
 * nor undo `--interval-ms` or `--no-discover`.
 */
import type { BackendKind } from '../../shared/model/snapshot';
import type { AppSettings } from './settings-schema';

export interface CommandLineBackend {
  kind?: BackendKind;
  url: string;
  apiKey?: string | null;
}

/** Values given as flags; absent = not given (the saved value, else the default, applies). */
export interface CommandLineOverrides {
  /** `--backend` servers (with their `--api-key`): always polled, whatever the saved list says. */
  backends: CommandLineBackend[];
  intervalMs?: number;
  warningPct?: number;
  criticalPct?: number;
  discover?: boolean;
  retentionDays?: number;
}

export interface MonitorDefaults {
  intervalMs: number;
  warningPct: number;
  criticalPct: number;
  discover: boolean;
  retentionDays: number;
}

export interface EffectiveMonitorSettings extends MonitorDefaults {
  backends: { kind: BackendKind | null; url: string; apiKey: string | null }[];
}

const urlKey = (url: string) => url.replace(/\/+$/, '');

/** Flags first, then saved settings, then defaults. Saved servers whose URL a flag names are replaced by the flag's. */
export function effectiveMonitorSettings(saved: AppSettings, flags: CommandLineOverrides | null | undefined, defaults: MonitorDefaults): EffectiveMonitorSettings {
  const fromFlags = (flags?.backends ?? []).map((b) => ({ kind: b.kind ?? null, url: b.url, apiKey: b.apiKey ?? null }));
  const flagged = new Set(fromFlags.map((b) => urlKey(b.url)));
  const fromSaved = saved.backends.filter((b) => !flagged.has(urlKey(b.url))).map((b) => ({ kind: b.kind ?? null, url: b.url, apiKey: b.apiKey ?? null }));
  return {
    backends: [...fromFlags, ...fromSaved],
    intervalMs: flags?.intervalMs ?? saved.monitor.intervalMs ?? defaults.intervalMs,
    warningPct: flags?.warningPct ?? saved.monitor.warningPct ?? defaults.warningPct,
    criticalPct: flags?.criticalPct ?? saved.monitor.criticalPct ?? defaults.criticalPct,
    discover: flags?.discover ?? saved.monitor.discover ?? defaults.discover,
    retentionDays: flags?.retentionDays ?? saved.history?.retentionDays ?? defaults.retentionDays,
  };
}
