import { z } from 'zod';
import { snapshotSchema } from '../model/snapshot';
import type { RequestName } from './requests';
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
} satisfies Record<RequestName, z.ZodType>;

/** Schemas for event payloads (validated by clients in tests and on untrusted transports). */
export const eventSchemas = {
  snapshotPublished: snapshotSchema,
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
