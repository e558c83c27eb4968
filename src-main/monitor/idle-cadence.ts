/**
 * Slower reads of idle servers (issue 12). Every request costs CPU on both sides (~0.15 ms
 * here, most of it the loopback TCP exchange itself), and an idle server answers the same thing
 * every second. A server whose reading has not changed for `quietMs` is read every `readEveryMs`
 * instead of every tick, all idle servers on the same tick; the ticks between reuse its last
 * reading (the same object, so everything downstream that memoizes by identity stays warm). The first reading that differs —
 * a request starts, a model loads or unloads, the server goes down or comes back — puts it back
 * on every tick at once. So a change on an idle server shows at most `readEveryMs` late; a busy
 * server (token rates, KV usage, slots moving) is read every tick as before.
 */
import type { BackendReading } from '../../shared/model/snapshot';
import { sameData } from '../util/same-data';

export interface IdleCadenceOptions {
  /** How long a reading must stay the same before reads slow down. */
  quietMs: number;
  /** How often an idle server is still read. 0 turns the slowdown off. */
  readEveryMs: number;
}

export const DEFAULT_IDLE_CADENCE: IdleCadenceOptions = { quietMs: 10_000, readEveryMs: 3_000 };

interface Entry {
  last: BackendReading;
  /** When the reading last differed from the one before. */
  sameSinceMs: number;
  /** When the server was last actually read. */
  readAtMs: number;
}

export class IdleCadence {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: IdleCadenceOptions = DEFAULT_IDLE_CADENCE) {}

  /**
   * The reading to reuse this tick instead of reading the server, or null to read it.
   * `intervalMs` is the tick interval (a read due within half a tick is made now).
   */
  reuse(id: string, nowMs: number, intervalMs: number): BackendReading | null {
    const e = this.entries.get(id);
    if (!e || this.options.readEveryMs <= 0) return null;
    if (nowMs - e.sameSinceMs < this.options.quietMs) return null;
    // Idle servers are read together, on the first tick of each `readEveryMs` stretch of the
    // clock: one wake-up reading four servers costs far less than four wake-ups reading one each
    // (measured: an isolated request ~0.36 ms of CPU, each one beside it ~0.13 ms).
    if (this.window(nowMs, intervalMs) !== this.window(e.readAtMs, intervalMs)) return null;
    return e.last;
  }

  /** Which `readEveryMs` stretch of the clock a tick falls in (half a tick of slack for jitter). */
  private window(atMs: number, intervalMs: number): number {
    return Math.floor((atMs + intervalMs / 2) / this.options.readEveryMs);
  }

  /** What a real read gave. Returns the reading to publish (the previous object when equal). */
  record(id: string, reading: BackendReading, nowMs: number): BackendReading {
    const e = this.entries.get(id);
    if (e && sameData(e.last, reading)) {
      e.readAtMs = nowMs;
      return e.last;
    }
    this.entries.set(id, { last: reading, sameSinceMs: nowMs, readAtMs: nowMs });
    return reading;
  }

  /** Forgets servers no longer watched (and whatever was learned about one re-added later). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) if (!ids.has(id)) this.entries.delete(id);
  }

  /** Read everything on the next tick (settings changed, the user asked for fresh figures). */
  reset(): void {
    this.entries.clear();
  }
}

/**
 * `HEADROOM_IDLE_READ_MS`: how often an idle server is still read, in ms (0: every tick, as a
 * busy one). For benchmarks and debugging; anything that is not a whole number keeps the default.
 */
export function idleCadenceFromEnv(env: NodeJS.ProcessEnv = process.env): IdleCadenceOptions {
  const raw = env.HEADROOM_IDLE_READ_MS;
  const ms = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isInteger(ms) && ms >= 0 && ms <= 600_000 ? { ...DEFAULT_IDLE_CADENCE, readEveryMs: ms } : DEFAULT_IDLE_CADENCE;
}
