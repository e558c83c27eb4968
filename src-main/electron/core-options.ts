/** Settings → CoreOptions: saved values where set, the core's defaults otherwise. */
import { defaultCoreOptions, type CoreOptions } from '../create-core';
import type { AppSettings } from '../settings/settings-schema';
import type { Logger } from '../util/logger';

/** `dataDir` is the user-data folder: history goes to `<dataDir>/history/` beside settings.json. */
export function coreOptionsFromSettings(settings: AppSettings, options: { demo: boolean; dataDir: string | null; logger: Logger }): CoreOptions {
  const defaults = defaultCoreOptions(options.logger);
  const m = settings.monitor;
  return {
    ...defaults,
    intervalMs: m.intervalMs ?? defaults.intervalMs,
    warningPct: m.warningPct ?? defaults.warningPct,
    criticalPct: m.criticalPct ?? defaults.criticalPct,
    discover: m.discover ?? defaults.discover,
    nvidiaSmiPath: m.nvidiaSmiPath ?? defaults.nvidiaSmiPath ?? null,
    backends: settings.backends.map((b) => ({ ...(b.kind ? { kind: b.kind } : {}), url: b.url, apiKey: b.apiKey, ...(b.logPath ? { logPath: b.logPath } : {}) })),
    demo: options.demo || defaults.demo,
    dataDir: options.dataDir,
    retentionDays: settings.history?.retentionDays ?? defaults.retentionDays,
  };
}
