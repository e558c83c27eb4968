import { z } from 'zod';
import { backendKindSchema } from '../model/snapshot';

/**
 * Settings as the renderer sees them. API keys never travel to the renderer: a backend says
 * only whether it has one; a patch sets a key (string), removes it (null) or keeps it (absent).
 */
/** Per-GPU alert thresholds (by GPU id, e.g. `gpu:1`); absent fields use the global ones. */
export const perGpuThresholdsSchema = z.record(
  z.string().regex(/^gpu:\d+$/, 'must be a GPU id like gpu:0'),
  z
    .object({
      warningPct: z.number().min(1, 'must be 1–100').max(100, 'must be 1–100').optional(),
      criticalPct: z.number().min(1, 'must be 1–100').max(100, 'must be 1–100').optional(),
      /** No VRAM threshold or forecast alerts for this GPU (e.g. a display-only card). */
      ignoreVram: z.boolean().optional(),
    })
    .strict(),
);
export type PerGpuThresholds = z.infer<typeof perGpuThresholdsSchema>;

export const settingsViewSchema = z.object({
  monitor: z.object({
    intervalMs: z.number().int(),
    warningPct: z.number(),
    criticalPct: z.number(),
    discover: z.boolean(),
    perGpu: perGpuThresholdsSchema,
  }),
  backends: z.array(z.object({ kind: backendKindSchema.nullable(), url: z.string(), hasApiKey: z.boolean() })),
  alerts: z.object({
    /** Desktop notifications (tray app). */
    notifications: z.boolean(),
    /** http(s) URL that receives a JSON POST per alert transition; null = off. */
    webhookUrl: z.string().nullable(),
    /** Rule keys (e.g. `vram-forecast`) whose notifications are muted. */
    mutedRules: z.array(z.string()),
    /** Notifications held back until then (epoch ms); null = not snoozed. */
    snoozedUntilMs: z.number().nullable(),
  }),
  history: z.object({ retentionDays: z.number().int() }),
  /** Sentences about the settings file (moved aside as corrupt, keys stored in plain text…). */
  notices: z.array(z.string()),
  /** Where API keys are kept: encrypted by the OS, or in plain text in the settings file. */
  keyStorage: z.enum(['os-encrypted', 'plain-text']),
  /** Path of the settings file, for the user. */
  filePath: z.string().nullable(),
  /** Headroom servers this one watches (tokens never travel: only whether one is set). */
  fleet: z
    .object({
      servers: z.array(z.object({ url: z.string(), label: z.string().nullable(), hasToken: z.boolean() })),
      /** What the tray icon reflects: this machine only, or the worst of it and every watched server. */
      trayScope: z.enum(['local', 'all']),
    })
    .optional(),
});
export type SettingsView = z.infer<typeof settingsViewSchema>;

const httpUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL');

export const settingsPatchSchema = z
  .object({
    monitor: z
      .object({
        intervalMs: z.number().int().min(250, 'must be at least 250 ms').max(60_000, 'must be at most 60000 ms'),
        warningPct: z.number().min(1, 'must be 1–100').max(100, 'must be 1–100'),
        criticalPct: z.number().min(1, 'must be 1–100').max(100, 'must be 1–100'),
        discover: z.boolean(),
        /** Replaces the per-GPU overrides as a whole. */
        perGpu: perGpuThresholdsSchema,
      })
      .partial()
      .strict()
      .optional(),
    backends: z
      .array(
        z
          .object({
            kind: backendKindSchema.nullable().optional(),
            url: httpUrl,
            /** string: set; null: remove; absent: keep the stored key. */
            apiKey: z.string().min(1, 'must not be empty (use "remove" instead)').max(4096).nullable().optional(),
          })
          .strict(),
      )
      .max(64)
      .optional(),
    alerts: z
      .object({
        notifications: z.boolean(),
        webhookUrl: httpUrl.nullable(),
        mutedRules: z.array(z.string().min(1).max(200)).max(200),
      })
      .partial()
      .strict()
      .optional(),
    history: z.object({ retentionDays: z.number().int().min(1, 'must be 1–3650 days').max(3650, 'must be 1–3650 days') }).partial().strict().optional(),
    fleet: z
      .object({
        /** Replaces the watched servers as a list; a token absent from an entry keeps the stored one. */
        servers: z
          .array(
            z
              .object({
                url: httpUrl,
                label: z.string().trim().max(64, 'must be at most 64 characters').nullable().optional(),
                /** string: set; null: remove; absent: keep the stored token. */
                token: z.string().min(1, 'must not be empty (use "remove" instead)').max(4096).nullable().optional(),
              })
              .strict(),
          )
          .max(16, 'at most 16 servers'),
        trayScope: z.enum(['local', 'all']),
      })
      .partial()
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const m = p.monitor;
    if (m?.warningPct !== undefined && m.criticalPct !== undefined && m.warningPct > m.criticalPct) {
      ctx.addIssue({ code: 'custom', path: ['monitor', 'warningPct'], message: 'must not be above the critical threshold' });
    }
    for (const [gpuId, o] of Object.entries(m?.perGpu ?? {})) {
      const w = o.warningPct ?? m?.warningPct;
      const c = o.criticalPct ?? m?.criticalPct;
      if (w !== undefined && c !== undefined && w >= c) ctx.addIssue({ code: 'custom', path: ['monitor', 'perGpu', gpuId], message: `warning (${w}%) must be below critical (${c}%)` });
    }
    const urls = (p.backends ?? []).map((b) => b.url.replace(/\/+$/, ''));
    urls.forEach((u, i) => {
      if (urls.indexOf(u) !== i) ctx.addIssue({ code: 'custom', path: ['backends', i, 'url'], message: 'is listed twice' });
    });
    const watched = (p.fleet?.servers ?? []).map((w) => w.url.replace(/\/+$/, ''));
    watched.forEach((u, i) => {
      if (watched.indexOf(u) !== i) ctx.addIssue({ code: 'custom', path: ['fleet', 'servers', i, 'url'], message: 'is listed twice' });
    });
  });
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;
