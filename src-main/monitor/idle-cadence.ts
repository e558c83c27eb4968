/**
 * Slower reads of idle servers (issue 12). Every request costs CPU on both sides (~0.15 ms
 * here, most of it the loopback TCP exchange itself), and an idle server answers the same thing
 * every second. A server whose reading has not changed for `quietMs` is read every `readEveryMs`
 * instead of every tick, all idle servers on the same tick; the ticks between reuse its last
 * reading (the same object, so everything downstream that memoizes by identity stays warm). The first reading that differs —
 * a request starts, a model loads or unloads, the server goes down or comes back — puts it back
 * on every tick at once. A busy server (token rates, KV usage, slots moving) is read every tick
 * as before.
 *
 * What wakes an idle server is nearly always visible on the GPU first: a model loading moves
 * gigabytes, a request starting lifts utilisation from idle. So a GPU whose memory or
 * utilisation moves (`GPU_ACTIVITY`) has every idle server read on the next tick: a change on
 * a server that shares this machine's GPU shows about a tick late. One elsewhere (a remote or
 * CPU-only server) shows at most `readEveryMs` late.
 */
import type { BackendReading, GpuReading } from '../../shared/model/snapshot';
import { sameData } from '../util/same-data';

export interface IdleCadenceOptions {
  /** How long a reading must stay the same before reads slow down. */
  quietMs: number;
  /** How often an idle server is still read. 0 turns the slowdown off. */
  readEveryMs: number;
}

export const DEFAULT_IDLE_CADENCE: IdleCadenceOptions = { quietMs: 10_000, readEveryMs: 5_000 };

/**
 * GPU movement that reads every idle server at once: used memory by at least this many bytes
 * (the smallest model's weights, a context's KV cache) or utilisation by at least this many
 * points (a request starting or ending). Power and temperature drift every second and are
 * ignored, as are the few MiB drivers and desktops move.
 */
export const GPU_ACTIVITY = { memoryBytes: 256 * 2 ** 20, utilizationPct: 20 } as const;

interface Entry {
  last: BackendReading;
  /** When the reading last differed from the one before. */
  sameSinceMs: number;
  /** When the server was last actually read. */
  readAtMs: number;
}

export class IdleCadence {
  private readonly entries = new Map<string, Entry>();
  /** Each GPU's memory and utilisation at the last look (`noteGpus`). */
  private readonly gpus = new Map<string, { usedBytes: number; utilizationPct: number | null }>();
  /** The GPU moved: the next tick reads every server. */
  private woken = false;
  /** The tick (its start time) that reads every server because the GPU moved. */
  private readAllAtMs: number | null = null;

  constructor(private readonly options: IdleCadenceOptions = DEFAULT_IDLE_CADENCE) {}

  /**
   * This tick's GPU readings. Memory or utilisation moving by `GPU_ACTIVITY` (a model loading, a
   * request starting) has every idle server read on the next tick. Returns whether it did.
   */
  noteGpus(gpus: readonly GpuReading[]): boolean {
    let moved = false;
    for (const g of gpus) {
      const last = this.gpus.get(g.id);
      if (last && last.usedBytes === g.memoryUsedBytes && last.utilizationPct === g.utilizationPct) continue;
      if (
        last &&
        (Math.abs(g.memoryUsedBytes - last.usedBytes) >= GPU_ACTIVITY.memoryBytes ||
          (g.utilizationPct !== null && last.utilizationPct !== null && Math.abs(g.utilizationPct - last.utilizationPct) >= GPU_ACTIVITY.utilizationPct))
      ) {
        moved = true;
      }
      this.gpus.set(g.id, { usedBytes: g.memoryUsedBytes, utilizationPct: g.utilizationPct });
    }
    if (this.gpus.size > gpus.length) {
      const ids = new Set(gpus.map((g) => g.id));
      for (const id of this.gpus.keys()) if (!ids.has(id)) this.gpus.delete(id);
    }
    if (moved) this.woken = true;
    return moved;
  }

  /**
   * The reading to reuse this tick instead of reading the server, or null to read it.
   * `intervalMs` is the tick interval (a read due within half a tick is made now).
   */
  reuse(id: string, nowMs: number, intervalMs: number): BackendReading | null {
    if (this.woken) {
      // The first server asked for on the tick after the GPU moved: this whole tick reads.
      this.woken = false;
      this.readAllAtMs = nowMs;
    }
    if (this.readAllAtMs === nowMs) return null;
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
    this.gpus.clear();
    this.woken = false;
    this.readAllAtMs = null;
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
