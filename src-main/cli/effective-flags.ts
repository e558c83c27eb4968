/**
 * `serve` and `status` read the saved settings (the dashboard's Settings page) from the data
 * folder; a flag given on the command line wins over the saved value.
 */
import type { AppSettings } from '../settings/settings-schema';
import type { MonitorFlags } from './args';
import type { CommandLineOverrides } from '../settings/command-line';

/** The flags that were given, for the core to keep applying over settings saved later. */
export function commandLineOverrides(f: MonitorFlags): CommandLineOverrides {
  const given = (flag: string) => f.explicit.includes(flag);
  return {
    backends: f.backends,
    ...(given('interval-ms') ? { intervalMs: f.intervalMs } : {}),
    ...(given('warning-pct') ? { warningPct: f.warningPct } : {}),
    ...(given('critical-pct') ? { criticalPct: f.criticalPct } : {}),
    ...(given('no-discover') ? { discover: f.discover } : {}),
    ...(given('retention-days') ? { retentionDays: f.retentionDays } : {}),
  };
}

export function withSavedSettings(f: MonitorFlags, s: AppSettings): MonitorFlags {
  const given = (flag: string) => f.explicit.includes(flag);
  const saved = s.backends
    .filter((b) => !f.backends.some((c) => c.url === b.url))
    .map((b) => ({ ...(b.kind ? { kind: b.kind } : {}), url: b.url, apiKey: b.apiKey, ...(b.logPath ? { logPath: b.logPath } : {}) }));
  // A backend given as a flag keeps the load-log path saved for the same URL.
  const flagged = f.backends.map((c) => {
    const logPath = s.backends.find((b) => b.url === c.url)?.logPath;
    return logPath && !c.logPath ? { ...c, logPath } : c;
  });
  return {
    ...f,
    intervalMs: given('interval-ms') ? f.intervalMs : (s.monitor.intervalMs ?? f.intervalMs),
    discover: given('no-discover') ? f.discover : (s.monitor.discover ?? f.discover),
    backends: [...flagged, ...saved],
    nvidiaSmiPath: f.nvidiaSmiPath ?? s.monitor.nvidiaSmiPath ?? null,
    warningPct: given('warning-pct') ? f.warningPct : (s.monitor.warningPct ?? f.warningPct),
    criticalPct: given('critical-pct') ? f.criticalPct : (s.monitor.criticalPct ?? f.criticalPct),
    retentionDays: given('retention-days') ? f.retentionDays : (s.history?.retentionDays ?? f.retentionDays),
    webhookUrl: f.webhookUrl ?? s.alerts.webhookUrl ?? null,
  };
}
