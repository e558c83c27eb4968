/** Pure parsing of Ollama's /api/version, /api/ps and /api/show (backends.md §1). */
import { z } from 'zod';
import { describeZodError } from '../../../../shared/contract/schemas';

export const versionSchema = z.object({ version: z.string() });

const psModelSchema = z.object({
  name: z.string(),
  model: z.string().optional(),
  size: z.number().int().nonnegative(),
  digest: z.string().default(''),
  details: z
    .object({
      family: z.string().optional().nullable(),
      parameter_size: z.string().optional().nullable(),
      quantization_level: z.string().optional().nullable(),
    })
    .partial()
    .optional()
    .nullable(),
  expires_at: z.string().optional().nullable(),
  size_vram: z.number().int().nonnegative().optional().nullable(),
  /** Absent before v0.10.0 → unknown. */
  context_length: z.number().int().nonnegative().optional().nullable(),
});

export const psSchema = z.object({ models: z.array(psModelSchema).nullable() });

export type OllamaPsModel = z.infer<typeof psModelSchema>;

/** `model_info`: GGUF key/values; arrays may be null without `verbose`. */
export const showSchema = z.object({
  model_info: z.record(z.string(), z.unknown()).default({}),
  /** `FROM <blob path>`: where the server keeps the GGUF (readable when Headroom runs beside it). */
  modelfile: z.string().optional().nullable(),
  details: z.object({ family: z.string().optional() }).partial().optional().nullable(),
});

export type ModelInfo = Record<string, unknown>;

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export function parseWith<T>(schema: z.ZodType<T>, value: unknown): Parsed<T> {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : { ok: false, message: `unexpected response shape (${describeZodError(r.error)})` };
}

/**
 * KV-cache bytes per token with the basic formula (f16, all layers full attention):
 * 2 (K and V) × block_count × head_count_kv × head_dim × 2 bytes. head_dim is
 * `attention.key_length` when present, else embedding_length / head_count.
 * Returns null when a key is missing or not a positive number (never NaN).
 */
export function basicKvBytesPerToken(info: ModelInfo): number | null {
  const arch = typeof info['general.architecture'] === 'string' ? info['general.architecture'] : null;
  if (!arch) return null;
  const num = (key: string): number | null => {
    const v = info[`${arch}.${key}`];
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null;
  };
  const layers = num('block_count');
  const heads = num('attention.head_count');
  const kvHeads = num('attention.head_count_kv') ?? heads;
  const keyLength = num('attention.key_length');
  const valueLength = num('attention.value_length');
  const embedding = num('embedding_length');
  const headDimK = keyLength ?? (embedding && heads ? embedding / heads : null);
  const headDimV = valueLength ?? headDimK;
  if (!layers || !kvHeads || !headDimK || !headDimV) return null;
  if (!Number.isInteger(headDimK) || !Number.isInteger(headDimV)) return null;
  return layers * kvHeads * (headDimK + headDimV) * 2;
}

/**
 * The model's GGUF blob from `/api/show` `modelfile` (`FROM /…/blobs/sha256-…`): an absolute
 * path on the Ollama server's machine; null when the FROM line names a model, not a file.
 */
export function blobPathFromModelfile(modelfile: string | null | undefined): string | null {
  if (!modelfile) return null;
  for (const line of modelfile.split(/\r?\n/)) {
    const m = /^FROM\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const path = m[1]!.replace(/^"(.*)"$/, '$1');
    const absolute = path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
    if (absolute && (/[\\/]blobs[\\/]sha256[-:][0-9a-f]{64}$/i.test(path) || /\.gguf$/i.test(path))) return path;
  }
  return null;
}
