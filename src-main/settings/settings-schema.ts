/**
 * The settings file (`settings.json` in the OS user-data folder). Versioned and validated with
 * zod; a file that fails validation is moved aside, never overwritten. Monitor fields are
 * optional: when absent, the core's own defaults (`defaultCoreOptions`) apply, so the defaults
 * live in one place.
 */
import { z } from 'zod';
import { perGpuThresholdsSchema } from '../../shared/contract/settings';
import { backendKindSchema } from '../../shared/model/snapshot';

export const SETTINGS_VERSION = 1;

/**
 * A stored secret. `safeStorage` holds Electron safeStorage ciphertext (base64); `plain` is used
 * only where the OS offers no encryption (e.g. Linux without a keyring), and the UI says so.
 */
export const storedSecretSchema = z.discriminatedUnion('scheme', [
  z.object({ scheme: z.literal('safeStorage'), data: z.string().min(1) }),
  z.object({ scheme: z.literal('plain'), value: z.string() }),
]);
export type StoredSecret = z.infer<typeof storedSecretSchema>;

export const rectSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(100).max(20_000),
  height: z.number().int().min(100).max(20_000),
});
export type Rect = z.infer<typeof rectSchema>;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const backendBase = {
  kind: backendKindSchema.optional(),
  url: httpUrl,
  /** The server's load log (llama-server `--log-file`, Ollama `server.log`, LM Studio server log); null/absent = the OS default. */
  logPath: z.string().min(1).max(4096).nullable().optional(),
};

const monitorSchema = z
  .object({
    intervalMs: z.number().int().min(250).max(60_000).optional(),
    warningPct: z.number().min(1).max(100).optional(),
    criticalPct: z.number().min(1).max(100).optional(),
    discover: z.boolean().optional(),
    nvidiaSmiPath: z.string().min(1).nullable().optional(),
    /** Per-GPU alert thresholds, by GPU id. */
    perGpu: perGpuThresholdsSchema.optional(),
  })
  .refine((m) => m.warningPct == null || m.criticalPct == null || m.warningPct <= m.criticalPct, {
    message: 'warningPct must not exceed criticalPct',
    path: ['warningPct'],
  });

const windowSchema = z.object({
  /** Normal-mode bounds in screen DIPs; null until the window was first moved or resized. */
  bounds: rectSchema.nullable().default(null),
  compactBounds: rectSchema.nullable().default(null),
  maximized: z.boolean().default(false),
  compact: z.boolean().default(false),
});

const traySchema = z.object({
  /** The GPU the tray icon shows (`gpu:<index>`); null = the fullest GPU. */
  iconGpu: z.string().regex(/^gpu:\d+$/, 'must be a GPU id such as gpu:0').nullable().default(null),
});

const alertsSchema = z.object({
  notifications: z.boolean().default(true),
  /** Epoch ms until which desktop notifications are held back; null = not snoozed. */
  snoozedUntilMs: z.number().int().nonnegative().nullable().default(null),
  /** http(s) URL receiving a JSON POST per alert transition (headless servers); null = off. */
  webhookUrl: httpUrl.nullable().default(null),
  /** Rule keys or alert ids whose notifications are muted. */
  mutedRules: z.array(z.string()).max(200).default([]),
});

const historySchema = z.object({
  /** Days of history kept on disk. */
  retentionDays: z.number().int().min(1).max(3650).default(7),
});

/** Headroom servers to watch (issue 15); tokens stored like API keys. */
const watchedServerBase = {
  url: httpUrl,
  /** Shown instead of the server's host name; null = its own. */
  label: z.string().max(64).nullable().default(null),
};
const fleetSchema = z.object({
  servers: z.array(z.object({ ...watchedServerBase, token: storedSecretSchema.nullable().default(null) })).max(16).default([]),
  /** What the tray icon reflects: this machine only, or the worst of it and every watched server. */
  trayScope: z.enum(['local', 'all']).default('all'),
});

/** The file as stored on disk. */
export const persistedSettingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  /** Set once the dashboard was shown on first run; later starts go straight to the tray. */
  firstRunCompleted: z.boolean().default(false),
  monitor: monitorSchema.default({}),
  backends: z.array(z.object({ ...backendBase, apiKey: storedSecretSchema.nullable().default(null) })).max(64).default([]),
  window: windowSchema.default({ bounds: null, compactBounds: null, maximized: false, compact: false }),
  alerts: alertsSchema.default({ notifications: true, snoozedUntilMs: null, webhookUrl: null, mutedRules: [] }),
  history: historySchema.default({ retentionDays: 7 }),
  tray: traySchema.default({ iconGpu: null }),
  fleet: fleetSchema.default({ servers: [], trayScope: 'all' }),
});
export type PersistedSettings = z.infer<typeof persistedSettingsSchema>;

/** A configured backend with its API key in clear, in memory only. */
export interface BackendSetting {
  kind?: z.infer<typeof backendKindSchema>;
  url: string;
  apiKey: string | null;
  logPath?: string | null;
}

/** A watched Headroom server with its token in clear, in memory only. */
export interface WatchedServerSetting {
  url: string;
  label: string | null;
  token: string | null;
}

/** The settings the app works with: as persisted, but with API keys and tokens decrypted. */
export type AppSettings = Omit<PersistedSettings, 'backends' | 'fleet'> & {
  backends: BackendSetting[];
  fleet: { servers: WatchedServerSetting[]; trayScope: 'local' | 'all' };
};

export function defaultSettings(): AppSettings {
  return persistedSettingsSchema.parse({ version: SETTINGS_VERSION }) as AppSettings;
}

/** Validates settings the app is about to save (same rules as the file, keys as strings). */
export const appSettingsSchema = persistedSettingsSchema.extend({
  backends: z.array(z.object({ ...backendBase, apiKey: z.string().min(1).nullable() })).max(64),
  fleet: z.object({ servers: z.array(z.object({ ...watchedServerBase, token: z.string().min(1).nullable() })).max(16), trayScope: z.enum(['local', 'all']) }),
});
