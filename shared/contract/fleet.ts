/**
 * The fleet: one view over this machine and the Headroom servers it watches. `Snapshot` stays the
 * picture of one machine; a `FleetSnapshot` lists hosts, each with its own Snapshot (or null
 * when none is current), and the local machine is a host like any other (always first).
 *
 * A remote server's payload is untrusted input: `parseRemoteSnapshot` reads it leniently (a newer
 * or older server is shown with what it has) and refuses what it cannot read, with a sentence.
 */
import { z } from 'zod';
import {
  alertSchema,
  backendSchema,
  gpuSchema,
  snapshotSchema,
  sourceSchema,
  systemSchema,
  type Alert,
  type Snapshot,
} from '../model/snapshot';
import { LOCAL_HOST_ID } from './fleet-ids';

/**
 * The contract's version, sent in `/api/health` (`contractVersion`). A server whose version
 * differs is read leniently; one outside `COMPATIBLE_CONTRACT_VERSIONS` is shown as incompatible
 * (both versions named). A server that does not send one predates the field: version 1.
 */
export const CONTRACT_VERSION = 1;
export const COMPATIBLE_CONTRACT_VERSIONS = { min: 1, max: 1 } as const;

// Kept in a zod-free module, so the dashboard's bundle can use them without the schemas.
export { fleetRuleKey, LOCAL_HOST_ID } from './fleet-ids';

/**
 * A watched host's state:
 * - `ok`: its Snapshot is current;
 * - `connecting`: no answer yet since it was added;
 * - `stale`: connected, but no Snapshot for several of its ticks (numbers withheld);
 * - `unreachable`: not answering (connection refused, timed out, closed);
 * - `unauthorized`: it refused the token;
 * - `incompatible`: it speaks a contract version this Headroom cannot read;
 * - `refused`: its last Snapshot was malformed, oversized or hostile and was not shown.
 */
export const fleetHostStatusSchema = z.enum(['ok', 'connecting', 'stale', 'unreachable', 'unauthorized', 'incompatible', 'refused']);
export type FleetHostStatus = z.infer<typeof fleetHostStatusSchema>;

export const fleetHostSchema = z.object({
  /** `local`, or `host:<origin>` of a watched server. */
  id: z.string(),
  /** The server's host name (from its `/api/health`), a configured label, or its address. */
  label: z.string(),
  /** The watched server's base URL; null for the local machine. */
  url: z.string().nullable(),
  status: fleetHostStatusSchema,
  /** What the status means for this host, in a sentence (null when `ok`). */
  message: z.string().nullable(),
  /** The current Snapshot; null unless it is current (`ok`): a stale number is never shown as current. */
  snapshot: snapshotSchema.nullable(),
  /** When the last valid Snapshot arrived (epoch ms); null before the first. */
  lastSeenMs: z.number().nullable(),
  /** When the current status began (epoch ms), e.g. "unreachable since …". */
  sinceMs: z.number().nullable(),
  /** The host's contract version, when it said. */
  contractVersion: z.number().nullable(),
  /** Version skew and dropped parts of its Snapshot, in sentences. */
  notes: z.array(z.string()),
});
export type FleetHost = z.infer<typeof fleetHostSchema>;

/** An active alert of a host, labelled with it (`hostId`, `hostLabel`); remote ids are prefixed with the host id. */
export const fleetAlertSchema = alertSchema.extend({ hostId: z.string(), hostLabel: z.string() });
export type FleetAlert = z.infer<typeof fleetAlertSchema>;

export const fleetSnapshotSchema = z.object({
  atMs: z.number().int().nonnegative(),
  /** The local machine first, then watched servers in the order configured. */
  hosts: z.array(fleetHostSchema),
  /** Every active alert of every host (local ones as they are), plus one per host that is not answering. */
  alerts: z.array(fleetAlertSchema),
  contractVersion: z.number().int(),
});
export type FleetSnapshot = z.infer<typeof fleetSnapshotSchema>;

/** A FleetSnapshot of the local machine alone (no server watched, or before the first fleet event). */
export function localFleet(snapshot: Snapshot | null, label = 'This machine'): FleetSnapshot {
  return {
    atMs: snapshot?.atMs ?? 0,
    hosts: [
      {
        id: LOCAL_HOST_ID,
        label,
        url: null,
        status: snapshot ? 'ok' : 'connecting',
        message: null,
        snapshot,
        lastSeenMs: snapshot?.atMs ?? null,
        sinceMs: null,
        contractVersion: CONTRACT_VERSION,
        notes: [],
      },
    ],
    alerts: (snapshot?.alerts ?? []).map((a) => ({ ...a, hostId: LOCAL_HOST_ID, hostLabel: label })),
    contractVersion: CONTRACT_VERSION,
  };
}

/** Limits on what one remote Snapshot may hold; beyond them the rest is dropped with a note. */
export const REMOTE_LIMITS = { gpus: 64, backends: 64, modelsPerBackend: 64, sources: 128, alerts: 200, textChars: 1000 } as const;

export type RemoteSnapshotParse = { ok: true; snapshot: Snapshot; notes: string[] } | { ok: false; message: string };

/**
 * What the previous Snapshot of the same remote validated to, part by part (each list item, the
 * system reading, thresholds, …), keyed by the part's JSON text. A remote sends its whole
 * Snapshot every tick and most parts (its backends and models, sources, often GPUs) are the same
 * as last time: a part whose JSON text is unchanged reuses the earlier result instead of running
 * the schema again (the text is made natively; schema validation of code called a few times a
 * second, never hot in the JIT, is the watcher's main cost per event). A part that is the very
 * same value as last time (the watcher's frame reader hands back the unchanged tail of an event
 * as the same objects) is not even turned into text. Keep one per remote.
 */
export interface RemoteParseMemo {
  parts?: Map<string, { value: unknown; key: string; result: unknown }>;
  /** Whole lists that were the same array as last time: what they gave (items and notes). */
  lists?: Map<string, { value: unknown; kept: unknown[]; notes: string[] }>;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const knownTopLevel = new Set(Object.keys(snapshotSchema.shape));

const clamp = (v: string, max: number) => (v.length > max ? `${v.slice(0, max)}…` : v);

/**
 * Alerts travel into notifications, tooltips and webhooks: their texts are shortened (a hostile
 * remote's megabyte message). Other strings only render in the page, bounded by the event size cap.
 */
function clampAlert(a: Alert): Alert {
  const max = REMOTE_LIMITS.textChars;
  if (a.message.length <= max && a.id.length <= max && a.sourceId.length <= max) return a;
  return { ...a, id: clamp(a.id, max), message: clamp(a.message, max), sourceId: clamp(a.sourceId, max) };
}

/**
 * Reads a remote server's Snapshot leniently: unknown fields are kept (a newer server), missing
 * lists default to empty and a missing `system` to null (an older one), and an element that does
 * not parse (one GPU reading, one backend) is dropped with a note instead of refusing the whole.
 * Refused, with a sentence naming the field: anything but an object, no usable `atMs`, a list
 * field that is not a list.
 */
export function parseRemoteSnapshot(input: unknown, memo?: RemoteParseMemo): RemoteSnapshotParse {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return { ok: false, message: 'the Snapshot is not a JSON object' };
  const raw = input as Record<string, unknown>;
  const atMs = raw.atMs;
  if (typeof atMs !== 'number' || !Number.isFinite(atMs) || atMs < 0 || !Number.isInteger(atMs)) {
    return { ok: false, message: 'atMs: missing or not a time in epoch ms' };
  }
  const notes: string[] = [];
  const missing: string[] = [];
  const parts = memo ? new Map<string, { value: unknown; key: string; result: unknown }>() : null;
  /** `schema.safeParse(value)`, or the earlier result for the same value (or the same JSON text) in this part. */
  const check = <T>(part: string, schema: z.ZodType<T>, value: unknown): z.ZodSafeParseResult<T> => {
    if (!parts) return schema.safeParse(value);
    const hit = memo?.parts?.get(part);
    // The same object as last time (never mutated: it came from JSON.parse and is only read).
    if (hit && hit.value === value) {
      parts.set(part, hit);
      return hit.result as z.ZodSafeParseResult<T>;
    }
    // JSON text of a value that came from JSON.parse: plain data, cannot throw.
    const key = JSON.stringify(value) ?? '';
    const result = hit && hit.key === key ? (hit.result as z.ZodSafeParseResult<T>) : schema.safeParse(value);
    parts.set(part, { value, key, result });
    return result;
  };
  const lists = memo ? new Map<string, { value: unknown; kept: unknown[]; notes: string[] }>() : null;
  const list = <T>(field: 'gpus' | 'backends' | 'sources' | 'alerts', schema: z.ZodType<T>, limit: number, what: string, finish: (item: T) => T = (x) => x): T[] | string => {
    const value = raw[field];
    if (value === undefined) {
      missing.push(field);
      return [];
    }
    if (!Array.isArray(value)) return `${field}: expected a list`;
    const n = Math.min(value.length, limit);
    // The very same list as last time: the same items and notes (its items' memo carried over).
    const same = memo?.lists?.get(field);
    if (lists && parts && same && same.value === value) {
      lists.set(field, same);
      for (let i = 0; i < n; i++) {
        const item = memo?.parts?.get(`${field}.${i}`);
        if (item) parts.set(`${field}.${i}`, item);
      }
      notes.push(...same.notes);
      return same.kept as T[];
    }
    const kept: T[] = [];
    const dropped: string[] = [];
    const listNotes: string[] = [];
    for (let i = 0; i < n; i++) {
      const parsed = check(`${field}.${i}`, schema, value[i]);
      if (parsed.success) kept.push(finish(parsed.data));
      else dropped.push(`${field}.${i}.${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    }
    if (value.length > limit) listNotes.push(`Only the first ${limit} of its ${value.length} ${what}s are shown.`);
    if (dropped.length) listNotes.push(`${plural(dropped.length, `${what} that this Headroom cannot read was`, `${what}s that this Headroom cannot read were`)} left out (${dropped[0]}).`);
    notes.push(...listNotes);
    lists?.set(field, { value, kept, notes: listNotes });
    return kept;
  };
  const gpus = list('gpus', gpuSchema, REMOTE_LIMITS.gpus, 'GPU reading');
  const backends = list('backends', backendSchema, REMOTE_LIMITS.backends, 'server', (b) => (b.models.length > REMOTE_LIMITS.modelsPerBackend ? { ...b, models: b.models.slice(0, REMOTE_LIMITS.modelsPerBackend) } : b));
  const sources = list('sources', sourceSchema, REMOTE_LIMITS.sources, 'source');
  const alerts = list('alerts', alertSchema, REMOTE_LIMITS.alerts, 'alert', clampAlert);
  for (const v of [gpus, backends, sources, alerts]) if (typeof v === 'string') return { ok: false, message: v };
  if (missing.length) notes.unshift(`It sends no ${missing.join(', ')} (an older Headroom?); shown as none.`);

  let system: Snapshot['system'] = null;
  if (raw.system !== undefined && raw.system !== null) {
    const s = check('system', systemSchema, raw.system);
    if (s.success) system = s.data;
    else notes.push('Its system-memory reading could not be read and is left out.');
  }
  const snapshot: Snapshot & Record<string, unknown> = {
    atMs,
    demo: raw.demo === true,
    gpus: gpus as Snapshot['gpus'],
    system,
    backends: backends as Snapshot['backends'],
    sources: sources as Snapshot['sources'],
    alerts: alerts as Alert[],
  };
  for (const field of ['thresholds', 'intervalMs', 'delivery'] as const) {
    if (raw[field] === undefined) continue;
    const parsed = check(field, snapshotSchema.shape[field] as z.ZodType<unknown>, raw[field]);
    if (parsed.success) (snapshot as Record<string, unknown>)[field] = parsed.data;
    else notes.push(`Its ${field} could not be read and is left out.`);
  }
  // A newer server's extra fields pass through (the size cap bounds them); they are named once.
  const unknown = Object.keys(raw).filter((k) => !knownTopLevel.has(k) && k !== '__proto__');
  for (const k of unknown) snapshot[k] = raw[k];
  if (unknown.length) notes.push(`It sends fields this Headroom does not know (${unknown.slice(0, 5).join(', ')}): a newer version.`);
  if (memo && parts && lists) {
    memo.parts = parts;
    memo.lists = lists;
  }
  return { ok: true, snapshot, notes };
}

/**
 * Whether a server of `remoteVersion` can be read; null when it can, else the sentence that
 * names both versions.
 */
export function contractMismatch(remoteVersion: number | null, label: string): string | null {
  const v = remoteVersion ?? 1;
  if (v >= COMPATIBLE_CONTRACT_VERSIONS.min && v <= COMPATIBLE_CONTRACT_VERSIONS.max) return null;
  const newer = v > CONTRACT_VERSION;
  return `${label} speaks contract version ${v}; this Headroom reads version ${COMPATIBLE_CONTRACT_VERSIONS.min === COMPATIBLE_CONTRACT_VERSIONS.max ? COMPATIBLE_CONTRACT_VERSIONS.max : `${COMPATIBLE_CONTRACT_VERSIONS.min}–${COMPATIBLE_CONTRACT_VERSIONS.max}`}. ${newer ? 'Update this Headroom' : `Update Headroom on ${label}`} to watch it.`;
}

/** What a watched server says at `/api/health` (lenient: older servers send less). */
export const remoteHealthSchema = z.looseObject({
  ok: z.boolean().optional(),
  contractVersion: z.number().int().optional(),
  hostname: z.string().max(255).optional(),
  latestSnapshotAtMs: z.number().nullable().optional(),
});
export type RemoteHealth = z.infer<typeof remoteHealthSchema>;

/** A display label: printable characters only, at most 64 (a remote's host name is untrusted). */
export function safeLabel(raw: string | undefined | null, fallback: string): string {
  const cleaned = (raw ?? '').replace(/[^\p{L}\p{N}._: -]/gu, '').trim().slice(0, 64);
  return cleaned || fallback;
}


