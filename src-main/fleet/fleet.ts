/**
 * The fleet: this machine plus the watched Headroom servers, merged into one FleetSnapshot.
 * Watched hosts' events are held as they arrive and read together on each local tick, then the
 * fleet is published once (so N hosts do not mean N wake-ups of parsing, N merges and N renders
 * per tick; a remote's Snapshot shows at the next local tick, as before). When no local tick
 * comes (the local monitor paused or slow), a timer does the same within 1.5 intervals. Remote
 * alerts become transitions (labelled with the host) for the alert log, webhook and notifications.
 */
import { hostname } from 'node:os';
import type { AlertTransition } from '../../shared/alerts/rules';
import { CONTRACT_VERSION, LOCAL_HOST_ID, type FleetAlert, type FleetHost, type FleetSnapshot } from '../../shared/contract/fleet';
import { toDisposable, type Disposable } from '../../shared/lifecycle/disposable';
import type { Alert, Snapshot } from '../../shared/model/snapshot';
import type { Logger } from '../util/logger';
import { diffAlerts, hostAlert, remoteAlert } from './fleet-alerts';
import { RemoteHost, type RemoteHostTiming } from './remote-host';

export interface WatchedServer {
  url: string;
  token: string | null;
  label: string | null;
}

export interface FleetOptions {
  local: { latest(): Snapshot | null; onSnapshot(listener: (s: Snapshot) => void): Disposable };
  logger: Logger;
  /** Alert transitions of watched hosts (to the alert log and delivery). */
  onTransitions(transitions: AlertTransition[]): void;
  /** Label of this machine's section. */
  localLabel?: string;
  /** The local tick, ms: the longest a watched host's change waits to be published. */
  intervalMs: () => number;
  timing?: Partial<RemoteHostTiming>;
  now?: () => number;
}

/** `host:<origin + path>` — stable across restarts and token changes. */
export function hostIdFor(url: string): string {
  const u = new URL(url);
  return `host:${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

export class Fleet implements Disposable {
  private hosts: RemoteHost[] = [];
  private readonly known = new Map<string, Map<string, FleetAlert>>();
  /** Per host: the alert list (and label) of the current Snapshot that `known` was made from. */
  private readonly alertsSeen = new Map<string, { alerts: readonly Alert[]; label: string }>();
  private readonly listeners = new Set<(f: FleetSnapshot) => void>();
  private readonly localSub: Disposable;
  private pending: NodeJS.Timeout | null = null;
  /** When the local monitor last published (its ticks publish the fleet too). */
  private localAtMs = Number.NEGATIVE_INFINITY;
  private flushing = false;
  /** True while `publish` reads the hosts: their changes go out with it, no further publish needed. */
  private publishing = false;
  private readonly now: () => number;
  readonly localLabel: string;
  private configKey = '';

  constructor(private readonly options: FleetOptions) {
    this.now = options.now ?? Date.now;
    this.localLabel = options.localLabel ?? `This machine (${hostname()})`;
    this.localSub = options.local.onSnapshot(() => {
      this.localAtMs = this.now();
      if (this.hosts.length) this.publish();
    });
  }

  get hasRemotes(): boolean {
    return this.hosts.length > 0;
  }

  /** Replaces the watched servers; unchanged ones (same URL, token and label) keep their connection. */
  setServers(servers: readonly WatchedServer[]): void {
    const key = JSON.stringify(servers.map((s) => [s.url, s.token, s.label]));
    if (key === this.configKey) return;
    this.configKey = key;
    const next: RemoteHost[] = [];
    const seen = new Set<string>();
    for (const s of servers) {
      let id: string;
      try {
        id = hostIdFor(s.url);
      } catch {
        this.options.logger.warn(`fleet: "${s.url}" is not a URL; not watched.`);
        continue;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      const old = this.hosts.find((h) => h.id === id && h.configKey === RemoteHost.configKeyOf(s));
      if (old) {
        next.push(old);
        continue;
      }
      const h = new RemoteHost({
        id,
        url: s.url,
        token: s.token,
        label: s.label,
        timing: this.options.timing,
        logger: this.options.logger,
        now: this.now,
        onChange: (host) => this.onHostChange(host),
        onPending: () => this.schedulePublish(),
      });
      next.push(h);
    }
    for (const h of this.hosts) {
      if (next.includes(h)) continue;
      h.dispose();
      // A host no longer watched: its alerts end here.
      const was = this.known.get(h.id);
      this.known.delete(h.id);
      this.alertsSeen.delete(h.id);
      if (was?.size) this.options.onTransitions(diffAlerts(was, new Map(), this.now()));
    }
    const started = next.filter((h) => !this.hosts.includes(h));
    this.hosts = next;
    for (const h of started) h.start();
    this.schedulePublish();
  }

  latest(): FleetSnapshot {
    this.flushHosts();
    const local = this.options.local.latest();
    const localHost: FleetHost = {
      id: LOCAL_HOST_ID,
      label: this.localLabel,
      url: null,
      status: local ? 'ok' : 'connecting',
      message: null,
      snapshot: local,
      lastSeenMs: local?.atMs ?? null,
      sinceMs: null,
      contractVersion: CONTRACT_VERSION,
      notes: [],
    };
    const hosts = [localHost, ...this.hosts.map((h) => this.viewOf(h))];
    const alerts: FleetAlert[] = (local?.alerts ?? []).map((a) => ({ ...a, hostId: LOCAL_HOST_ID, hostLabel: this.localLabel }));
    for (const h of hosts.slice(1)) alerts.push(...this.activeAlerts(h));
    return { atMs: this.now(), hosts, alerts, contractVersion: CONTRACT_VERSION };
  }

  /**
   * A host's view with a label no other host has: two servers that report the same name (two
   * containers called "localhost") get their address added.
   */
  private viewOf(h: RemoteHost): FleetHost {
    const view = h.view();
    const clash = view.label === this.localLabel || this.hosts.some((o) => o !== h && o.label === view.label);
    return clash ? { ...view, label: `${view.label} (${new URL(view.url!).host})` } : view;
  }

  onFleet(listener: (f: FleetSnapshot) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  dispose(): void {
    this.localSub.dispose();
    if (this.pending) clearTimeout(this.pending);
    for (const h of this.hosts) h.dispose();
    this.hosts = [];
    this.listeners.clear();
  }

  /** A host's active alerts: its own while its Snapshot is current, one about the host while it is down, else none. */
  private activeAlerts(h: FleetHost): FleetAlert[] {
    const down = hostAlert(h);
    if (down) return [down];
    if (h.status !== 'ok') return [];
    return [...(this.known.get(h.id)?.values() ?? [])].filter((a) => !a.id.startsWith(`${h.id}/host-`));
  }

  /**
   * Alerts raised so far for a host are kept in `known`. A current Snapshot replaces its remote
   * alerts; while it is down they are held as they were (no transitions: nobody knows) and the
   * host's own alert is added; it clears when the host answers again.
   */
  private onHostChange(host: RemoteHost): void {
    const view = this.viewOf(host);
    // A new Snapshot whose alert list is the same as last time (the parse memo hands back the
    // same array when its text did not change), under the same label: nothing to raise or clear.
    const seen = this.alertsSeen.get(host.id);
    if (view.snapshot && seen && seen.alerts === view.snapshot.alerts && seen.label === view.label) {
      this.schedulePublish();
      return;
    }
    if (view.snapshot) this.alertsSeen.set(host.id, { alerts: view.snapshot.alerts, label: view.label });
    else this.alertsSeen.delete(host.id);
    const before = this.known.get(host.id) ?? new Map<string, FleetAlert>();
    const isHostAlert = (id: string) => id.startsWith(`${host.id}/host-`);
    const held = [...before].filter(([id]) => !isHostAlert(id));
    const target = view.snapshot ? new Map(view.snapshot.alerts.map((a) => [`${host.id}/${a.id}`, remoteAlert(view, a)] as const)) : new Map(held);
    const down = hostAlert(view);
    if (down) target.set(down.id, down);
    const transitions = diffAlerts(before, target, this.now());
    this.known.set(host.id, target);
    if (transitions.length) this.options.onTransitions(transitions);
    this.schedulePublish();
  }

  /** A publish when no local tick comes first (a tick publishes anyway). */
  private schedulePublish(): void {
    if (this.pending || this.publishing) return;
    const waitMs = Math.max(50, this.options.intervalMs() * 1.5);
    // The local monitor is ticking: its next Snapshot publishes before this timer would. Arming
    // one anyway costs a wake-up per event even when the tick clears it (Node still wakes for a
    // cleared timer). Paused monitoring: no local Snapshot for a while, and the timer publishes.
    if (this.now() - this.localAtMs < waitMs) return;
    this.pending = setTimeout(() => this.publish(), waitMs);
    this.pending.unref?.();
  }

  /** Reads what every watched host holds, back to back (their changes are published by the caller). */
  private flushHosts(): void {
    if (this.flushing) return;
    this.flushing = true;
    try {
      for (const h of this.hosts) h.flush();
    } finally {
      this.flushing = false;
    }
  }

  private publish(): void {
    if (this.pending) {
      clearTimeout(this.pending);
      this.pending = null;
    }
    this.publishing = true;
    let f: FleetSnapshot | null = null;
    try {
      // Held events are read even when nobody listens: their alerts still travel.
      if (this.listeners.size) f = this.latest();
      else this.flushHosts();
    } finally {
      this.publishing = false;
    }
    if (f) for (const l of this.listeners) l(f);
  }
}
