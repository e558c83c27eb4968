/**
 * NVIDIA that is not ready, or that moves (issue 11 item 7).
 *
 * - Start at login: Windows runs Headroom before the NVIDIA driver answers, so nvidia-smi exists
 *   but fails ("couldn't communicate with the NVIDIA driver"). Probed once, NVIDIA would stay off
 *   all day. `NvidiaSourceWatch` probes again with backoff (5 s doubling to 5 min) and starts the
 *   stream as soon as nvidia-smi answers; it gives up after 30 minutes with a sentence. Meanwhile
 *   the Windows counters (any vendor) run alone when there are any.
 * - A driver update installs nvidia-smi.exe into a new DriverStore folder and removes the old
 *   one, so a stream restarted from the old path fails forever. When the running source fails
 *   or goes stale and its executable is gone, nvidia-smi is located again and the source is
 *   recreated at the new path (checked at most every 30 s: a file test, no process).
 * Nothing here spawns a process of its own: probes run nvidia-smi once per backoff step only.
 */
import type { GpuReading } from '../../../shared/model/snapshot';
import { toDisposable, type Disposable } from '../../../shared/lifecycle/disposable';
import { silentLogger, type Logger } from '../../util/logger';
import type { GpuSource, SourceSample } from '../types';

export type NvidiaProbeResult = { ok: true; path: string } | { ok: false; reason: string };

export interface NvidiaWatchOptions {
  /** Locates nvidia-smi and runs it once. */
  probe(): Promise<NvidiaProbeResult>;
  /** Locates nvidia-smi again (null: not found anywhere); used when the running path vanished. */
  relocate(): Promise<string | null>;
  isExecutable(path: string): Promise<boolean>;
  /** Starts the NVIDIA source for a path (the stream, with the Windows counters where they apply). */
  create(path: string): GpuSource;
  /** Started with a working path, or waiting for the driver (the first probe's reason). */
  initial: { path: string } | { reason: string };
  /** Runs while NVIDIA is not ready (Windows counters), disposed once NVIDIA starts. */
  fallback?: GpuSource | null;
  /** Delays between probes; the last repeats. Default 5 s, 10 s, 20 s … 5 min. */
  backoffMs?: readonly number[];
  /** Stop probing after this long. Default 30 minutes. */
  giveUpAfterMs?: number;
  /** At most one executable check per this interval. Default 30 s. */
  relocateCheckMs?: number;
  now?: () => number;
  logger?: Logger;
}

export const NVIDIA_REPROBE_BACKOFF_MS = [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000] as const;

function seconds(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

export class NvidiaSourceWatch implements GpuSource {
  private inner: GpuSource | null = null;
  /** The monitor's "fresh data" listeners, forwarded from whichever stream runs now. */
  private readonly dataListeners = new Set<() => void>();
  private innerData: Disposable | null = null;
  private fallback: GpuSource | null;
  private path: string | null = null;
  private reason: string | null = null;
  private attempt = 0;
  private nextProbeAtMs: number | null = null;
  private gaveUp = false;
  private timer: NodeJS.Timeout | null = null;
  private lastRelocateCheckMs = -Infinity;
  private relocating = false;
  private disposed = false;
  private suspended = false;
  private readonly startedAtMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;
  private readonly backoff: readonly number[];

  constructor(private readonly opts: NvidiaWatchOptions) {
    this.now = opts.now ?? Date.now;
    this.logger = opts.logger ?? silentLogger;
    this.backoff = opts.backoffMs ?? NVIDIA_REPROBE_BACKOFF_MS;
    this.startedAtMs = this.now();
    this.fallback = opts.fallback ?? null;
    if ('path' in opts.initial) {
      this.path = opts.initial.path;
      this.setInner(opts.create(opts.initial.path));
    } else {
      this.reason = opts.initial.reason.replace(/\.?\s*$/, '.');
      this.schedule();
    }
  }

  get id(): string {
    return this.inner?.id ?? this.fallback?.id ?? 'nvidia-smi';
  }

  get label(): string {
    return this.inner?.label ?? this.fallback?.label ?? 'NVIDIA (nvidia-smi)';
  }

  /** Where nvidia-smi runs from now (null while waiting). */
  get currentPath(): string | null {
    return this.path;
  }

  /** "nvidia-smi failed (…). Checking again in 20 s." or the give-up sentence. */
  waitingMessage(): string {
    const reason = this.reason ?? 'nvidia-smi is not ready.';
    if (this.gaveUp) {
      return `${reason} Stopped checking after ${seconds(this.opts.giveUpAfterMs ?? 30 * 60_000)}; restart Headroom once the NVIDIA driver runs.`;
    }
    const inMs = this.nextProbeAtMs === null ? 0 : Math.max(0, this.nextProbeAtMs - this.now());
    return `${reason} Checking again in ${seconds(inMs)} (the driver may still be starting).`;
  }

  async read(signal: AbortSignal): Promise<SourceSample<GpuReading[]>> {
    if (this.suspended) return { status: 'unavailable', message: 'Paused (the machine is asleep or monitoring is paused).' };
    if (this.inner) {
      const r = await this.inner.read(signal);
      if (r.status !== 'ok' || r.value.some((g) => g.stale)) void this.checkMoved();
      return r;
    }
    const waiting = `NVIDIA: ${this.waitingMessage()}`;
    if (this.fallback) {
      const r = await this.fallback.read(signal);
      return r.status === 'ok' ? { ...r, message: r.message ? `${r.message} ${waiting}` : waiting } : { status: r.status, message: `${r.message} ${waiting}` };
    }
    return { status: 'unavailable', message: this.waitingMessage() };
  }

  /** Sleep or pause: stop nvidia-smi (and the counters) now; `resume` starts them afresh. */
  suspend(): void {
    if (this.disposed || this.suspended) return;
    this.suspended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inner?.dispose();
    this.setInner(null);
    this.fallback?.suspend?.();
  }

  resume(): void {
    if (this.disposed || !this.suspended) return;
    this.suspended = false;
    this.fallback?.resume?.();
    if (this.path) this.setInner(this.opts.create(this.path));
    else if (!this.gaveUp) this.schedule();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inner?.dispose();
    this.fallback?.dispose();
    this.setInner(null);
    this.fallback = null;
    this.dataListeners.clear();
  }

  /**
   * Fresh lines of the running stream (the monitor ticks on them: scheduler.ts `poke`). The
   * listener stays subscribed across restarts: a stream recreated after a driver update or a
   * late driver start pokes it too.
   */
  onData(listener: () => void): Disposable {
    this.dataListeners.add(listener);
    return toDisposable(() => this.dataListeners.delete(listener));
  }

  /** Swaps the running stream, moving the data forwarding from the old one to the new. */
  private setInner(source: GpuSource | null): void {
    this.innerData?.dispose();
    this.innerData = null;
    this.inner = source;
    this.innerData = source?.onData?.(() => {
      for (const listener of this.dataListeners) listener();
    }) ?? null;
  }

  private schedule(): void {
    const giveUpAfterMs = this.opts.giveUpAfterMs ?? 30 * 60_000;
    const delay = this.backoff[Math.min(this.attempt, this.backoff.length - 1)] ?? 300_000;
    if (this.now() + delay - this.startedAtMs > giveUpAfterMs) {
      this.gaveUp = true;
      this.nextProbeAtMs = null;
      this.logger.warn(`NVIDIA: ${this.waitingMessage()}`);
      return;
    }
    this.nextProbeAtMs = this.now() + delay;
    this.timer = setTimeout(() => void this.probeAgain(), delay);
    this.timer.unref?.();
  }

  private async probeAgain(): Promise<void> {
    this.timer = null;
    this.attempt++;
    const r = await this.opts.probe();
    if (this.disposed || this.suspended) return;
    if (r.ok) {
      this.logger.info(`NVIDIA: nvidia-smi answers now (${r.path}, after ${seconds(this.now() - this.startedAtMs)}); starting it.`);
      this.fallback?.dispose();
      this.fallback = null;
      this.path = r.path;
      this.reason = null;
      this.setInner(this.opts.create(r.path));
      return;
    }
    this.reason = r.reason.replace(/\.?\s*$/, '.');
    this.schedule();
  }

  /** The running source fails: if its executable is gone (driver update), find the new one. */
  private async checkMoved(): Promise<void> {
    const t = this.now();
    if (this.relocating || !this.path || t - this.lastRelocateCheckMs < (this.opts.relocateCheckMs ?? 30_000)) return;
    this.lastRelocateCheckMs = t;
    this.relocating = true;
    try {
      if (await this.opts.isExecutable(this.path)) return;
      const next = await this.opts.relocate();
      if (this.disposed || !next || next === this.path) return;
      this.logger.info(`NVIDIA: ${this.path} is gone (driver update?); using ${next}.`);
      this.inner?.dispose();
      this.path = next;
      this.setInner(this.opts.create(next));
    } finally {
      this.relocating = false;
    }
  }
}
