/**
 * The collector boundary: whatever a backend collector built from a server's answers, the
 * reading that enters the monitor holds only finite, non-negative, plausible numbers, short
 * printable strings and bounded lists, and its message is a sentence for a person. A hostile or
 * broken server can make Headroom show less, never show garbage, grow the Snapshot or crash.
 */
import type { BackendKind, BackendReading, LoadedModel, Slot } from '../../../../shared/model/snapshot';
import { backendKindSchema, backendStatusSchema } from '../../../../shared/model/snapshot';
import { kindPhrase, serverName } from './backend-status';

export const READING_LIMITS = {
  /** Loaded models per server in the Snapshot (real servers hold a few). */
  maxModels: 64,
  /** Slots per model (llama.cpp `-np`; real servers use up to a few dozen). */
  maxSlots: 256,
  nameChars: 200,
  labelChars: 80,
  messageChars: 600,
};

/** 1 PiB: no GPU, model or file Headroom watches comes near it. */
const MAX_BYTES = 2 ** 50;
/** Context and KV capacity in tokens (the largest real contexts are ~10⁷). */
const MAX_TOKENS = 1e9;
const MAX_REQUESTS = 1e7;
/** Tokens per second, preemptions per minute, concurrency. */
const MAX_RATE = 1e9;
const MAX_COUNTER = 1e15;

type Who = { kind: BackendKind; url: string };

/** A reading fit for the Snapshot, whatever `reading` holds. `who` is the collector's own identity. */
/** The schemas' enums as sets: a lookup, not a schema parse, on every read. */
const KINDS: ReadonlySet<unknown> = new Set(backendKindSchema.options);
const STATUSES: ReadonlySet<unknown> = new Set(backendStatusSchema.options);

export function sanitizeBackendReading(reading: BackendReading, who: Who & { id: string }): BackendReading {
  const kind = KINDS.has(reading?.kind) ? reading.kind : who.kind;
  const status = STATUSES.has(reading?.status) ? reading.status : 'error';
  const rawModels = Array.isArray(reading?.models) ? reading.models : [];
  const models = rawModels.slice(0, READING_LIMITS.maxModels).map(sanitizeModel);
  const notes: string[] = [];
  const note = sentenceOrNull(reading?.note);
  if (note) notes.push(note);
  if (rawModels.length > models.length) notes.push(`Showing the first ${models.length} of ${rawModels.length} models the server lists.`);
  const out: BackendReading = {
    id: who.id,
    kind,
    url: who.url,
    status,
    message: sentenceOrNull(reading?.message),
    version: text(reading?.version, READING_LIMITS.labelChars),
    models,
  };
  if (notes.length) out.note = clip(notes.join(' '), READING_LIMITS.messageChars);
  else if (reading?.note === null) out.note = null;
  if (status !== 'up' && out.message === null) out.message = `${serverName(who.kind, who.url)}: it could not be read, and gave no reason.`;
  return out;
}

function sanitizeModel(model: LoadedModel): LoadedModel {
  const m = (model ?? {}) as Partial<LoadedModel>;
  const out: LoadedModel = {
    name: text(m.name, READING_LIMITS.nameChars) ?? '(unnamed model)',
    contextLength: count(m.contextLength, MAX_TOKENS),
    sizeBytes: count(m.sizeBytes, MAX_BYTES),
    vramBytes: count(m.vramBytes, MAX_BYTES),
    kvBytesPerToken: count(m.kvBytesPerToken, MAX_BYTES),
    kvCacheBytes: count(m.kvCacheBytes, MAX_BYTES),
  };
  // Optional fields stay absent where the collector left them out (the Snapshot's shape is unchanged).
  const set = <K extends keyof LoadedModel>(key: K, value: LoadedModel[K]) => {
    if (key in m) out[key] = value;
  };
  set('kvCacheUsageRatio', ratio(m.kvCacheUsageRatio));
  set('requestsRunning', count(m.requestsRunning, MAX_REQUESTS));
  set('requestsWaiting', count(m.requestsWaiting, MAX_REQUESTS));
  if (Array.isArray(m.slots)) out.slots = m.slots.slice(0, READING_LIMITS.maxSlots).map(sanitizeSlot);
  set('family', text(m.family, READING_LIMITS.labelChars));
  set('parameterSize', text(m.parameterSize, READING_LIMITS.labelChars));
  set('quantization', text(m.quantization, READING_LIMITS.labelChars));
  set('kvSource', text(m.kvSource, READING_LIMITS.messageChars));
  set('kvCacheCapacityTokens', count(m.kvCacheCapacityTokens, MAX_TOKENS));
  set('maxConcurrency', real(m.maxConcurrency, MAX_RATE));
  if ('cacheConfig' in m) {
    const c = m.cacheConfig;
    out.cacheConfig = c
      ? {
          blockSize: positive(count(c.blockSize, 1e6)),
          gpuBlocks: count(c.gpuBlocks, 1e12),
          cacheDtype: text(c.cacheDtype, READING_LIMITS.labelChars),
          gpuMemoryUtilizationRatio: ratio(c.gpuMemoryUtilizationRatio),
        }
      : null;
  }
  set('preemptionsPerMinute', real(m.preemptionsPerMinute, MAX_RATE));
  set('preemptionsTotal', real(m.preemptionsTotal, MAX_COUNTER));
  set('promptTokensPerSecond', real(m.promptTokensPerSecond, MAX_RATE));
  set('generationTokensPerSecond', real(m.generationTokensPerSecond, MAX_RATE));
  set('kvUnified', typeof m.kvUnified === 'boolean' ? m.kvUnified : null);
  set('fileSizeBytes', count(m.fileSizeBytes, MAX_BYTES));
  return out;
}

function sanitizeSlot(slot: Slot, index: number): Slot {
  const s = (slot ?? {}) as Partial<Slot>;
  const id = typeof s.id === 'number' && Number.isInteger(s.id) && Math.abs(s.id) <= 1e6 ? s.id : index;
  return {
    id,
    contextTokens: count(s.contextTokens, MAX_TOKENS) ?? 0,
    usedTokens: count(s.usedTokens, MAX_TOKENS),
    processing: s.processing === true,
  };
}

/** A non-negative whole number up to `max` (rounded), else null: NaN, ±Infinity, negatives and absurd sizes are unknown. */
function count(value: unknown, max: number): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) return null;
  return Math.round(value);
}

function positive(value: number | null): number | null {
  return value !== null && value > 0 ? value : null;
}

function real(value: unknown, max: number): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) return null;
  return value;
}

function ratio(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return Math.min(1, Math.max(0, value));
}

/**
 * Printable ASCII words with single spaces between and nothing around them: what nearly every
 * name, label and message is, and what `printable` returns unchanged.
 */
const PLAIN = /^[!-~]+(?: [!-~]+)*$/;

/** Printable, one line, at most `maxChars`; null when nothing is left. */
function text(value: unknown, maxChars: number): string | null {
  if (typeof value !== 'string') return null;
  if (value.length <= maxChars && PLAIN.test(value)) return value;
  // Look at a bounded prefix only: a 40 MB string costs no more than a short one.
  const cleaned = printable(value.length > maxChars * 4 ? value.slice(0, maxChars * 4) : value);
  return cleaned === '' ? null : clip(cleaned, maxChars);
}

/** Control characters (and lone surrogates) out, whitespace runs folded. */
export function printable(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd').replace(/\s+/g, ' ').trim();
}

function clip(value: string, maxChars: number): string {
  if (value.length <= maxChars) return value;
  let cut = value.slice(0, maxChars - 1);
  // Never split a surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** A message fit to show: printable, bounded, ending like a sentence. */
function sentenceOrNull(value: unknown): string | null {
  const t = text(value, READING_LIMITS.messageChars - 1);
  if (t === null) return null;
  return /[.!?)]$/.test(t) ? t : `${t}.`;
}

/**
 * The reading for a collector that threw (it never should): a sentence for the person, the
 * raw error only in the log. "Maximum call stack size exceeded" and "Invalid array length"
 * come from answers too large or too deeply nested to read.
 */
export function readingForCrash(who: Who & { id: string }, error: unknown): BackendReading {
  const why = error instanceof RangeError ? 'its answer was too large or too deeply nested to read' : 'Headroom failed to read its answer (details are in the log)';
  return errorReading(who, why);
}

/** An error reading whose message is "<server>: <why>. Is this really <a kind> server?". */
export function errorReading(who: Who & { id: string }, why: string): BackendReading {
  return {
    id: who.id,
    kind: who.kind,
    url: who.url,
    status: 'error',
    message: `${serverName(who.kind, who.url)}: ${why}. Is this really ${kindPhrase(who.kind)}?`,
    version: null,
    models: [],
  };
}
