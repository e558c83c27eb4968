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

/** Distinct problems logged per guard (one line each, not one per tick). */
const MAX_LOGGED = 50;

export class SnapshotGuard {
  private readonly logged = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** `snapshot` when valid; else a repaired copy (failing backends replaced), logged once per field. */
  check(snapshot: Snapshot): Snapshot {
    const parsed = snapshotSchema.safeParse(snapshot);
    if (parsed.success) return snapshot;
    const badBackends = new Set<number>();
    for (const issue of parsed.error.issues) {
      if (issue.path[0] === 'backends' && typeof issue.path[1] === 'number') badBackends.add(issue.path[1]);
    }
    this.logOnce(describeZodError(parsed.error));
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
