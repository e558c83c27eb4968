import { z } from 'zod';
import { snapshotSchema } from '../model/snapshot';
import { fleetSnapshotSchema } from './fleet';
import type { RequestName } from './requests';
import { probeIdSchema, probeRequestSchema } from './probe';
import { settingsPatchSchema } from './settings';
import { err, ok, type Result } from './result';

/** Runtime schemas for request params; transports parse `unknown` input with these first. */
export const requestSchemas = {
  getSnapshot: z.undefined().or(z.null()).or(z.object({}).strict()).transform(() => undefined),
  getHistory: z
    .object({
      sinceMs: z.number().int().nonnegative(),
      untilMs: z.number().int().nonnegative().optional(),
      maxPoints: z.number().int().min(4).max(100_000).optional(),
    })
    .strict(),
  getSettings: z.undefined().or(z.null()).or(z.object({}).strict()).transform(() => undefined),
  updateSettings: settingsPatchSchema,
  testBackend: z.object({ url: z.string().trim().min(1).max(2048), apiKey: z.string().min(1).max(4096).nullable().optional() }).strict(),
  exportHistory: z
    .object({ sinceMs: z.number().int().nonnegative(), untilMs: z.number().int().nonnegative().optional(), format: z.enum(['csv', 'json']) })
    .strict(),
  unloadModel: z.object({ backendId: z.string().min(1).max(300), model: z.string().min(1).max(300) }).strict(),
  snoozeAlerts: z.object({ durationMs: z.number().int().min(0).max(7 * 86_400_000).nullable() }).strict(),
  testWebhook: z
    .object({ url: z.string().max(2048).regex(/^https?:\/\/\S+$/, 'must be an http:// or https:// URL').nullable().optional() })
    .strict()
    .or(z.undefined().transform(() => ({}))),
  getAlertLog: z.object({ limit: z.number().int().min(1).max(1000).optional() }).strict().or(z.undefined().transform(() => ({}))),
  planModel: z
    .object({
      model: z.string().trim().min(1, 'pick a model').max(200),
      gpuTotalBytes: z.number().int().min(256 * 1024 * 1024, 'must be at least 0.25 GiB').max(2 ** 50),
      quant: z.string().trim().min(1).max(40).optional(),
      contextTokens: z.number().int().min(256, 'must be at least 256 tokens').max(10_000_000),
      users: z.number().int().min(1).max(256).optional(),
      thresholdPct: z.number().min(1).max(100).optional(),
    })
    .strict(),
  startProbe: probeRequestSchema,
  cancelProbe: z.object({ id: probeIdSchema }).strict(),
  listProbes: z.undefined().or(z.null()).or(z.object({}).strict()).transform(() => undefined),
  getProbe: z.object({ id: probeIdSchema }).strict(),
  exportProbe: z.object({ id: probeIdSchema, format: z.enum(['csv', 'json']) }).strict(),
  getFleet: z.undefined().or(z.null()).or(z.object({}).strict()).transform(() => undefined),
  testWatchedServer: z.object({ url: z.string().trim().min(1).max(2048), token: z.string().min(1).max(4096).nullable().optional() }).strict(),
} satisfies Record<RequestName, z.ZodType>;

/** Schemas for event payloads (validated by clients in tests and on untrusted transports). */
export const eventSchemas = {
  snapshotPublished: snapshotSchema,
  fleetPublished: fleetSnapshotSchema,
};

/** Parses request params; a failure is `bad-request` naming the field. */
export function parseParams<N extends RequestName>(name: N, input: unknown): Result<z.output<(typeof requestSchemas)[N]>> {
  const parsed = requestSchemas[name].safeParse(input);
  if (parsed.success) return ok(parsed.data as z.output<(typeof requestSchemas)[N]>);
  return err('bad-request', describeZodError(parsed.error));
}

/** "gpus.0.memoryTotalBytes: expected number" — the first few issues, each naming its field. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
