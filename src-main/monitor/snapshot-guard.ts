/**
 * The last check before a Snapshot is published: it must pass its own schema. Collector
 * readings are sanitized where they enter the monitor, so a failure here is a bug; it is logged
 * once per field and repaired where it can be (a backend that fails is shown as an error with a
 * sentence) so that every view keeps getting valid Snapshots.
 */
import { snapshotSchema, type BackendReading, type Snapshot } from '../../shared/model/snapshot';
import { describeZodError } from '../../shared/contract/schemas';
import { errorReading } from '../collectors/backends/http/sanitize-reading';
import type { Logger } from '../util/logger';
import { sameData } from '../util/same-data';

export { sameData };
import type { z } from 'zod';

/** Distinct problems logged per guard (one line each, not one per tick). */
const MAX_LOGGED = 50;

/** The Snapshot's lists whose entries are remembered once valid (the bulk of every tick's walk). */
const MEMO_KEYS = ['gpus', 'backends', 'sources', 'alerts'] as const;
type MemoKey = (typeof MEMO_KEYS)[number];
/** The Snapshot's other parts that are optional or nullable (see `check`). */
const PART_KEYS = ['system', 'thresholds', 'delivery', 'history'] as const satisfies readonly (keyof Snapshot)[];

export class SnapshotGuard {
  private readonly logged = new Set<string>();
  /**
   * Per list, the entries of the last Snapshot that passed (by position). An entry deep-equal to
   * the one at its position last tick passed the same schema then and is not walked again: an
   * idle server's reading is the same every second (issue 12). Anything else is validated.
   */
  private readonly valid: Record<MemoKey, readonly unknown[]> = { gpus: [], backends: [], sources: [], alerts: [] };
  /** PART_KEYS of the last Snapshot that passed (null until one has, and after a failure). */
  private validParts: Partial<Snapshot> | null = null;

  constructor(private readonly logger: Logger) {}

  /** `snapshot` when valid; else a repaired copy (failing backends replaced), logged once per field. */
  check(snapshot: Snapshot): Snapshot {
    const probe: Record<string, unknown> = { ...snapshot };
    /** Per list, the positions in `snapshot` of the entries handed to the schema. */
    const walked: Partial<Record<MemoKey, number[]>> = {};
    for (const key of MEMO_KEYS) {
      const list = snapshot[key] as unknown;
      if (!Array.isArray(list)) continue;
      const last = this.valid[key];
      const positions: number[] = [];
      for (let i = 0; i < list.length; i++) if (!(i < last.length && sameData(list[i], last[i]))) positions.push(i);
      walked[key] = positions;
      if (positions.length !== list.length) probe[key] = positions.map((i) => list[i] as unknown);
    }
    // The other parts, where equal to the last valid Snapshot's: not walked again either. Each
    // is optional (left out) or nullable (null stands in), so the probe stays a whole Snapshot.
    const last = this.validParts;
    if (last) {
      for (const key of PART_KEYS) {
        if (!(key in snapshot) || !sameData(snapshot[key], last[key])) continue;
        if (key === 'system') probe.system = null;
        else delete probe[key];
      }
    }
    const parsed = snapshotSchema.safeParse(probe);
    if (parsed.success) {
      for (const key of MEMO_KEYS) this.valid[key] = Array.isArray(snapshot[key]) ? snapshot[key].slice() : [];
      this.validParts = Object.fromEntries(PART_KEYS.filter((k) => k in snapshot).map((k) => [k, snapshot[k]])) as Partial<Snapshot>;
      return snapshot;
    }
    this.validParts = null;
    // Issue paths name positions in the probe: map them back to the Snapshot's.
    const issues = parsed.error.issues.map((issue) => {
      const [key, at, ...rest] = issue.path;
      const positions = typeof key === 'string' ? walked[key as MemoKey] : undefined;
      return positions && typeof at === 'number' && positions[at] !== undefined ? { ...issue, path: [key, positions[at], ...rest] } : issue;
    });
    const bad: Record<MemoKey, Set<number>> = { gpus: new Set(), backends: new Set(), sources: new Set(), alerts: new Set() };
    let other = false;
    for (const issue of issues) {
      const [key, at] = issue.path;
      if (MEMO_KEYS.includes(key as MemoKey) && typeof at === 'number') bad[key as MemoKey].add(at);
      else other = true;
    }
    for (const key of MEMO_KEYS) {
      const list = snapshot[key] as unknown;
      this.valid[key] = Array.isArray(list) && !other ? list.map((e, i) => (bad[key].has(i) ? INVALID : e)) : [];
    }
    this.logOnce(describeZodError({ issues } as unknown as z.ZodError));
    const badBackends = bad.backends;
    if (badBackends.size === 0) return snapshot;
    const backends = snapshot.backends.map((b, i): BackendReading =>
      badBackends.has(i) ? errorReading({ id: String(b.id), kind: b.kind, url: String(b.url) }, 'it sent figures Headroom could not use (details are in the log)') : b,
    );
    return { ...snapshot, backends };
  }

  private logOnce(what: string): void {
    const key = what.replace(/\.\d+\./g, '.#.');
    if (this.logged.has(key) || this.logged.size >= MAX_LOGGED) return;
    this.logged.add(key);
    this.logger.error(`Snapshot failed its schema (${what}); the failing parts were replaced.`);
  }
}

/** Stands where an entry failed: equal to nothing a reading can hold. */
const INVALID: unknown = Symbol('invalid');
