/**
 * One watched Headroom server: checks its health (contract version, host name), follows its SSE
 * stream, validates every Snapshot, and keeps a status the dashboard can show ("unreachable since
 * …"). Reconnects with exponential backoff and jitter; resumes without duplicates (a Snapshot
 * whose `atMs` is not newer than the last one shown is skipped, which covers the server resending
 * its latest Snapshot on every new connection). A stale number is never kept as current: when
 * the server stops answering or stops ticking, `snapshot` becomes null.
 */
import { contractMismatch, parseRemoteSnapshot, safeLabel, type FleetHost, type FleetHostStatus, type RemoteParseMemo } from '../../shared/contract/fleet';
import type { Snapshot } from '../../shared/model/snapshot';
import type { Disposable } from '../../shared/lifecycle/disposable';
import type { Logger } from '../util/logger';
import { getHealth, openEventStream, type EventStream, type RemoteFailure, type RemoteTarget } from './remote-client';
import { RemoteFrameReader } from './remote-frame';

export interface RemoteHostTiming {
  healthTimeoutMs: number;
  connectTimeoutMs: number;
  /** No byte for this long (heartbeats come every 15 s): the connection is dropped and retried. */
  idleTimeoutMs: number;
  /** Largest SSE event accepted, characters of UTF-8 text. */
  maxEventBytes: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** Connected but no Snapshot for this many of the server's ticks: `stale`. */
  staleAfterTicks: number;
}

export const defaultRemoteTiming: RemoteHostTiming = {
  healthTimeoutMs: 3000,
  connectTimeoutMs: 5000,
  idleTimeoutMs: 35_000,
  maxEventBytes: 1024 * 1024,
  backoffInitialMs: 500,
  backoffMaxMs: 15_000,
  staleAfterTicks: 3,
};

export interface RemoteHostOptions {
  id: string;
  url: string;
  token: string | null;
  /** Connect to this address, keeping the URL's Host and TLS name (see `RemoteTarget.connectTo`). */
  connectTo?: string;
  /** The user's label for it; null = the server's host name. */
  label: string | null;
  timing?: Partial<RemoteHostTiming>;
  logger: Logger;
  now?: () => number;
  random?: () => number;
  /** Called on every change of status or Snapshot. */
  onChange(host: RemoteHost): void;
  /**
   * When given, events that arrive are held until `flush()` and this is called once something
   * is held (the fleet flushes all its hosts on its tick, see `EventStream`). Without it, each
   * event is read as it arrives.
   */
  onPending?(host: RemoteHost): void;
}

const INCOMPATIBLE_RETRY_MS = 60_000;

export class RemoteHost implements Disposable {
  readonly id: string;
  readonly url: string;
  private readonly target: RemoteTarget;
  private readonly timing: RemoteHostTiming;
  private readonly now: () => number;
  private readonly random: () => number;
  private status: FleetHostStatus = 'connecting';
  private message: string | null = null;
  private sinceMs: number;
  private snapshot: Snapshot | null = null;
  private lastSeenMs: number | null = null;
  private lastAtMs = -1;
  private notes: string[] = [];
  private contractVersion: number | null = null;
  private remoteName: string | null = null;
  private failures = 0;
  private serverRetryMs: number | null = null;
  private stream: EventStream | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private staleTimer: NodeJS.Timeout | null = null;
  private staleMs = 0;
  private isFirstOnConnection = true;
  private lastEventId: string | null = null;
  private disposed = false;
  /** List items validated from this host's previous Snapshot (unchanged ones are not validated again). */
  private readonly parseMemo: RemoteParseMemo = {};
  /** Parses each event, reusing the unchanged tail of the previous one (see remote-frame.ts). */
  private readonly frames = new RemoteFrameReader();
  /** What identifies this connection's configuration: a change of URL, token or label makes a new host. */
  readonly configKey: string;
  static configKeyOf(s: { url: string; token: string | null; label: string | null }): string {
    return JSON.stringify([s.url, s.token, s.label]);
  }

  constructor(private readonly options: RemoteHostOptions) {
    this.id = options.id;
    this.url = options.url;
    this.target = { url: options.url, token: options.token, ...(options.connectTo ? { connectTo: options.connectTo } : {}) };
    this.timing = { ...defaultRemoteTiming, ...options.timing };
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.sinceMs = this.now();
    this.configKey = RemoteHost.configKeyOf(options);
  }

  private cachedLabel: string | null = null;

  get label(): string {
    this.cachedLabel ??= safeLabel(this.options.label, '') || this.remoteName || new URL(this.url).host;
    return this.cachedLabel;
  }

  start(): void {
    void this.attempt();
  }

  view(): FleetHost {
    return {
      id: this.id,
      label: this.label,
      url: this.url,
      status: this.status,
      message: this.message,
      snapshot: this.status === 'ok' ? this.snapshot : null,
      lastSeenMs: this.lastSeenMs,
      sinceMs: this.sinceMs,
      contractVersion: this.contractVersion,
      notes: this.status === 'ok' ? this.notes : [],
    };
  }

  /** The Snapshot when it is current; null otherwise. */
  current(): Snapshot | null {
    return this.status === 'ok' ? this.snapshot : null;
  }

  get currentStatus(): FleetHostStatus {
    return this.status;
  }

  /** Reads the events held since the last flush (with `onPending`), in order. */
  flush(): void {
    this.stream?.flush();
  }

  dispose(): void {
    this.disposed = true;
    this.stream?.dispose();
    this.stream = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.staleTimer) clearTimeout(this.staleTimer);
  }

  private setStatus(status: FleetHostStatus, message: string | null): void {
    const changed = status !== this.status || message !== this.message;
    if (status !== this.status) {
      this.sinceMs = this.now();
      if (status !== 'ok') this.options.logger.warn(`fleet: ${this.label} (${this.url}) ${status}${message ? `: ${message}` : ''}`);
      else this.options.logger.info(`fleet: ${this.label} (${this.url}) answering`);
    }
    this.status = status;
    this.message = message;
    if (status !== 'ok' && this.staleTimer) {
      clearTimeout(this.staleTimer);
      this.staleTimer = null;
    }
    if (changed) this.options.onChange(this);
  }

  private async attempt(): Promise<void> {
    this.retryTimer = null;
    if (this.disposed) return;
    const health = await getHealth(this.target, this.timing.healthTimeoutMs);
    if (this.disposed) return;
    if (!health.ok) return this.fail(health.failure);
    this.contractVersion = health.value.contractVersion ?? null;
    if (health.value.hostname) this.remoteName = safeLabel(health.value.hostname, '') || null;
    this.cachedLabel = null;
    const mismatch = contractMismatch(this.contractVersion, this.label);
    if (mismatch) {
      this.setStatus('incompatible', mismatch);
      this.schedule(INCOMPATIBLE_RETRY_MS);
      return;
    }
    this.isFirstOnConnection = true;
    this.stream = openEventStream(
      this.target,
      {
        connectTimeoutMs: this.timing.connectTimeoutMs,
        idleTimeoutMs: this.timing.idleTimeoutMs,
        maxEventBytes: this.timing.maxEventBytes,
        lastEventId: this.lastEventId,
        ...(this.options.onPending ? { onPending: () => this.options.onPending?.(this) } : {}),
      },
      {
        onOpen: () => undefined,
        onEvent: (e) => {
          if (e.event !== 'snapshotPublished') return;
          // Servers that number their events get `Last-Event-ID` on reconnection; `atMs` dedupes either way.
          this.lastEventId = e.id;
          this.receive(e.data);
        },
        onOversized: (bytes) => {
          this.refuse(`sent a Snapshot of ${(bytes / 1024 / 1024).toFixed(1)} MB, over the ${(this.timing.maxEventBytes / 1024 / 1024).toFixed(1)} MB limit`);
        },
        onRetry: (ms) => {
          this.serverRetryMs = Math.min(Math.max(ms, 250), this.timing.backoffMaxMs);
        },
        onClose: (failure) => {
          this.stream = null;
          if (!this.disposed) this.fail(failure);
        },
      },
    );
  }

  private receive(data: string): void {
    let json: unknown;
    try {
      json = this.frames.read(data);
    } catch {
      return this.refuse('sent a Snapshot that is not valid JSON');
    }
    const parsed = parseRemoteSnapshot(json, this.parseMemo);
    if (!parsed.ok) return this.refuse(`sent a Snapshot this Headroom cannot read (${parsed.message})`);
    const s = parsed.snapshot;
    // Same or older than the last one shown: a resend after reconnecting. A much older one as the
    // first Snapshot of a connection means the server's clock went back (restart): take it.
    const clockWentBack = this.isFirstOnConnection && s.atMs < this.lastAtMs - 60_000;
    this.isFirstOnConnection = false;
    if (s.atMs <= this.lastAtMs && !clockWentBack) {
      // Connected again, but nothing new yet: not "unreachable" any more, and not current either.
      if (this.status !== 'ok' && this.status !== 'stale') this.setStatus('stale', `${this.label} answers again; waiting for a new Snapshot (the last one is from ${new Date(s.atMs).toLocaleTimeString()}).`);
      return;
    }
    this.lastAtMs = s.atMs;
    this.accept(s, parsed.notes);
  }

  private accept(s: Snapshot, notes: string[]): void {
    this.snapshot = s;
    this.notes = notes;
    this.lastSeenMs = this.now();
    this.failures = 0;
    const staleMs = Math.max(1000, (s.intervalMs ?? 1000) * this.timing.staleAfterTicks);
    if (this.staleTimer && staleMs === this.staleMs) this.staleTimer.refresh();
    else {
      if (this.staleTimer) clearTimeout(this.staleTimer);
      this.staleMs = staleMs;
      this.staleTimer = setTimeout(() => {
        this.staleTimer = null;
        // A Snapshot held for the next flush is not silence.
        this.flush();
        if (this.staleTimer || this.status !== 'ok') return;
        this.setStatus('stale', `${this.label} is connected but has sent no Snapshot for ${Math.round(staleMs / 1000)} s (paused, or its monitor is stuck).`);
      }, staleMs);
      this.staleTimer.unref?.();
    }
    const wasOk = this.status === 'ok';
    this.setStatus('ok', null);
    if (wasOk) this.options.onChange(this);
  }

  private refuse(why: string): void {
    this.options.logger.warn(`fleet: ${this.url} ${why}; refused.`);
    this.setStatus('refused', `${this.label} ${why}; it was refused and is not shown. The other hosts keep updating.`);
  }

  private fail(failure: RemoteFailure): void {
    this.stream?.dispose();
    this.stream = null;
    this.failures++;
    const label = this.label;
    if (failure.kind === 'unauthorized') this.setStatus('unauthorized', `${label}: ${failure.message}.`);
    else if (failure.kind === 'refused') this.setStatus('refused', `${label}: ${failure.message}.`);
    else this.setStatus('unreachable', `${label} is not answering (${failure.message}). Is headroom serve running there, and is the address right?`);
    // A refused token does not fix itself: retry at the slowest pace (no storm of 401s in its log).
    const base = failure.kind === 'unauthorized' ? this.timing.backoffMaxMs : (this.serverRetryMs ?? this.timing.backoffInitialMs);
    const exp = Math.min(this.timing.backoffMaxMs, base * 2 ** Math.min(this.failures - 1, 10));
    this.schedule(exp * (0.8 + 0.4 * this.random()));
  }

  private schedule(ms: number): void {
    if (this.disposed) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.attempt(), ms);
    this.retryTimer.unref?.();
  }
}
