/**
 * The monitor: ticks the sources without overlap, assembles one Snapshot per tick, keeps the
 * recent history in a ring buffer and publishes to listeners. It alone owns the buffers.
 */
import { gpuOwnerShares, type HistoryPoint } from '../../shared/contract/requests';
import { DisposableStore, toDisposable, type Disposable } from '../../shared/lifecycle/disposable';
import type { Alert, BackendReading, GpuReading, Snapshot, SourceStatus, SystemMemory } from '../../shared/model/snapshot';
import type { BackendCollector, GpuSource, SourceSample, SystemSource } from '../collectors/types';
import type { Logger } from '../util/logger';
import { RingBuffer } from './ring-buffer';
import { initialAlertState, stepAlerts } from '../../shared/alerts/engine';
import { commandShellFor } from '../../shared/alerts/remedies';
import type { AlertTransition } from '../../shared/alerts/rules';
import { tiersForGpu, type AlertSettings } from '../../shared/alerts/settings';
import type { AlertEngineState } from '../../shared/alerts/types';
import type { KvCacheType } from '../../shared/estimator/ggml-types';
import type { PredictionService } from '../models/predictions';
import { attributeGpuMemory } from '../collectors/attribution/attribute';
import type { ComputeApp } from '../collectors/attribution/compute-apps.parse';
import { startLoop } from './scheduler';
import { SnapshotGuard } from './snapshot-guard';
import { DEFAULT_IDLE_CADENCE, IdleCadence, type IdleCadenceOptions } from './idle-cadence';
import { readingForCrash, sanitizeBackendReading } from '../collectors/backends/http/sanitize-reading';

/** Remedies in alerts name commands for this machine's shell (PowerShell on Windows). */
const COMMAND_SHELL = commandShellFor(process.platform);

export interface MonitorOptions {
  gpuSources: GpuSource[];
  systemSource: SystemSource | null;
  backends: BackendCollector[];
  intervalMs: number;
  /** Per-tick timeout (each source gets the same signal). Default: min(interval, 5 s) but at least 2 s. */
  timeoutMs?: number;
  /** Alert rules (thresholds, forecasts, cause alerts); `defaultAlertSettings()` for the defaults. */
  alertSettings: AlertSettings;
  /** Raised/cleared transitions of each tick, for delivery (notifications, webhook, tray). */
  onAlertTransitions?: (transitions: AlertTransition[]) => void;
  demo: boolean;
  logger: Logger;
  /** Snapshots kept in memory (default: one hour of ticks, at most 7200). */
  historyCapacity?: number;
  /** Attaches memory-model predictions to loaded models (optional). */
  predictions?: PredictionService;
  /** KV cache type a backend runs with, when known (Ollama: OLLAMA_KV_CACHE_TYPE). */
  cacheTypeOf?: (backend: BackendReading) => KvCacheType;
  /** Latest `nvidia-smi --query-compute-apps` list (who holds the VRAM), when polled. */
  computeApps?: () => ComputeApp[] | null;
  /** Snooze state shown in the Snapshot. */
  deliveryState?: () => Snapshot['delivery'];
  /** Extra source lines (e.g. discovery status) computed at tick time. */
  extraSources?: () => SourceStatus[];
  /** Whether persisted history is being written (a paused one also gets a line in the sources). */
  historyStatus?: () => Snapshot['history'];
  /** Slower reads of servers whose reading stays the same (idle-cadence.ts); `{ readEveryMs: 0, … }` reads every tick. */
  idleCadence?: IdleCadenceOptions;
  now?: () => number;
}

export class Monitor implements Disposable {
  private readonly store = new DisposableStore();
  private readonly listeners = new Set<(s: Snapshot) => void>();
  /**
   * Each tick's GPU readings for the last hour (recent-history answers read nothing else). Not
   * the whole Snapshots: their per-tick parts (sources, system, thresholds, alerts, delivery)
   * were an hour of about 1 KB a tick kept for nothing, growing the old generation and its GC.
   */
  private readonly buffer: RingBuffer<{ atMs: number; gpus: readonly GpuReading[] }>;
  private last: Snapshot | null = null;
  private backends: BackendCollector[];
  private loop: Disposable | null = null;
  private alertState: AlertEngineState = initialAlertState();
  private alertSettings: AlertSettings;
  private intervalMs: number;
  private readonly now: () => number;
  private readonly guard: SnapshotGuard;
  private readonly cadence: IdleCadence;
  private lastAttribution: { gpus: GpuReading[]; apps: ComputeApp[]; servers: Array<{ id: string; kind: string }>; out: GpuReading[] } | null = null;

  constructor(private readonly options: MonitorOptions) {
    this.guard = new SnapshotGuard(options.logger);
    this.cadence = new IdleCadence(options.idleCadence ?? DEFAULT_IDLE_CADENCE);
    this.backends = [...options.backends];
    this.alertSettings = options.alertSettings;
    this.intervalMs = options.intervalMs;
    this.now = options.now ?? Date.now;
    const capacity = options.historyCapacity ?? Math.min(7200, Math.max(60, Math.ceil(3_600_000 / options.intervalMs)));
    this.buffer = new RingBuffer(capacity);
  }

  start(): void {
    if (this.loop || this.store.isDisposed) return;
    const timeoutMs = this.options.timeoutMs ?? Math.max(2000, Math.min(this.intervalMs, 5000));
    const loop = startLoop(async (signal) => void (await this.tick(signal)), {
      intervalMs: this.intervalMs,
      timeoutMs,
      onError: (e) => this.options.logger.error(`monitor tick failed: ${(e as Error).message}`),
    });
    // A streaming GPU source's fresh line runs a nearly due tick in the same wake-up (scheduler.ts).
    const pokes = this.options.gpuSources.map((s) => s.onData?.(() => loop.poke())).filter((d): d is Disposable => d !== undefined);
    this.loop = { dispose: () => (pokes.forEach((d) => d.dispose()), loop.dispose()) };
  }

  /** Stops ticking (tray "Pause monitoring"); `start()` resumes. */
  stop(): void {
    this.loop?.dispose();
    this.loop = null;
  }

  get isRunning(): boolean {
    return this.loop !== null;
  }

  /** Changes the tick interval; a running loop restarts at the new pace. */
  setIntervalMs(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    if (this.loop) {
      this.stop();
      this.start();
    }
  }

  /** Applies new alert settings from the next tick on (no restart). */
  setAlertSettings(settings: AlertSettings): void {
    this.alertSettings = settings;
  }

  setBackends(backends: BackendCollector[]): void {
    this.backends = [...backends];
    this.cadence.reset();
  }

  getBackends(): readonly BackendCollector[] {
    return this.backends;
  }

  onSnapshot(listener: (s: Snapshot) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  latest(): Snapshot | null {
    return this.last;
  }

  /** Time of the oldest tick whose GPU readings are still in memory, or null when there is none. */
  oldestAtMs(): number | null {
    return this.buffer.oldest()?.atMs ?? null;
  }

  history(sinceMs: number): HistoryPoint[] {
    const out: HistoryPoint[] = [];
    for (const s of this.buffer.since(sinceMs)) {
      for (const g of s.gpus) {
        const owners = gpuOwnerShares(g);
        out.push({ atMs: s.atMs, gpuId: g.id, memoryUsedBytes: g.memoryUsedBytes, memoryTotalBytes: g.memoryTotalBytes, ...(owners ? { owners } : {}) });
      }
    }
    return out;
  }

  /** Reads every source once and publishes one Snapshot. */
  async tick(signal: AbortSignal): Promise<Snapshot> {
    const { gpuSources, systemSource } = this.options;
    const startMs = this.now();
    const [gpuSamples, systemSample, backendReadings] = await Promise.all([
      Promise.all(gpuSources.map((s) => safeRead(() => s.read(signal)))),
      systemSource ? safeRead(() => systemSource.read(signal)) : Promise.resolve(null),
      Promise.all(this.backends.map((b) => this.readBackend(b, signal, startMs))),
    ]);
    const atMs = this.now();
    const gpus: GpuReading[] = [];
    const sources: SourceStatus[] = [];
    const usedIds = new Set<string>();
    gpuSources.forEach((source, i) => {
      const sample = gpuSamples[i]!;
      if (sample.status === 'ok') {
        // Each source numbers its GPUs from 0: keep ids unique when two vendors are present.
        for (const g of sample.value) {
          let reading = g;
          if (usedIds.has(g.id)) {
            let index = g.index;
            while (usedIds.has(`gpu:${index}`)) index++;
            reading = { ...g, id: `gpu:${index}`, index };
          }
          usedIds.add(reading.id);
          gpus.push(reading);
        }
        sources.push({ id: source.id, label: source.label, status: 'ok', message: sample.message ?? null });
      } else {
        sources.push({ id: source.id, label: source.label, status: sample.status, message: sample.message });
      }
    });
    let system: SystemMemory | null = null;
    if (systemSample) {
      if (systemSample.status === 'ok') system = systemSample.value;
      sources.push({ id: 'system', label: 'System memory', status: systemSample.status, message: systemSample.status === 'ok' ? null : systemSample.message });
    }
    if (this.options.extraSources) sources.push(...this.options.extraSources());
    const history = this.options.historyStatus?.();
    if (history?.state === 'paused') sources.push({ id: 'history', label: 'History', status: 'error', message: history.message });
    // A GPU whose memory or utilisation moved has every idle server read on the next tick.
    this.cadence.noteGpus(gpus);
    const attributed = this.attribute(gpus, backendReadings);
    gpus.splice(0, gpus.length, ...attributed);
    const backends = this.options.predictions
      ? this.options.predictions.annotate({ backends: backendReadings, collectors: this.backends, gpus, criticalPct: this.alertSettings.vram.criticalPct, cacheTypeOf: this.options.cacheTypeOf })
      : backendReadings;
    const step = stepAlerts({ state: this.alertState, input: { gpus, backends, commandShell: COMMAND_SHELL }, settings: this.alertSettings, nowMs: atMs });
    this.alertState = step.state;
    const alerts: Alert[] = step.alerts;
    const snapshot: Snapshot = this.guard.check({
      atMs,
      demo: this.options.demo,
      gpus,
      system,
      backends,
      sources,
      alerts,
      thresholds: this.thresholdsView(gpus),
      intervalMs: this.intervalMs,
      delivery: this.options.deliveryState?.(),
      ...(history ? { history } : {}),
    });
    this.buffer.push({ atMs: snapshot.atMs, gpus: snapshot.gpus });
    this.last = snapshot;
    if (step.transitions.length && this.options.onAlertTransitions) {
      try {
        this.options.onAlertTransitions(step.transitions);
      } catch (e) {
        this.options.logger.error(`alert delivery failed: ${(e as Error).message}`);
      }
    }
    for (const l of [...this.listeners]) {
      try {
        l(snapshot);
      } catch (e) {
        this.options.logger.error(`snapshot listener failed: ${(e as Error).message}`);
      }
    }
    return snapshot;
  }

  private thresholdsView(gpus: GpuReading[]): NonNullable<Snapshot['thresholds']> {
    const { warningPct, criticalPct } = this.alertSettings.vram;
    const perGpu: NonNullable<NonNullable<Snapshot['thresholds']>['perGpu']> = {};
    for (const g of gpus) {
      if (!this.alertSettings.perGpu[g.id]) continue;
      const t = tiersForGpu(this.alertSettings, g.id);
      perGpu[g.id] = { warningPct: t.warningPct, criticalPct: t.criticalPct, ignoreVram: t.ignoreVram };
    }
    return Object.keys(perGpu).length ? { warningPct, criticalPct, perGpu } : { warningPct, criticalPct };
  }

  /** One server's reading: read now, or its unchanged last one while it is idle (idle-cadence.ts). */
  private async readBackend(b: BackendCollector, signal: AbortSignal, nowMs: number): Promise<BackendReading> {
    const idle = this.cadence.reuse(b.id, nowMs, this.intervalMs);
    if (idle) return idle;
    return this.cadence.record(b.id, await safeBackend(b, signal, this.options.logger), this.now());
  }

  /** Splits each GPU's used memory between the LLM servers (by process) and other apps. */
  private attribute(gpus: GpuReading[], backends: BackendReading[]): GpuReading[] {
    const apps = this.options.computeApps?.();
    if (!apps || !gpus.length) return gpus;
    // The same readings, process list and servers as last tick (an idle machine): the same
    // attributed objects, so the Snapshot guard and history see unchanged entries at once.
    const last = this.lastAttribution;
    if (
      last && last.apps === apps && last.gpus.length === gpus.length && gpus.every((g, i) => g === last.gpus[i]) &&
      last.servers.length === backends.length && backends.every((b, i) => b.id === last.servers[i]!.id && b.kind === last.servers[i]!.kind)
    ) {
      return last.out;
    }
    const out = this.attributeNow(gpus, backends, apps);
    this.lastAttribution = { gpus: gpus.slice(), apps, servers: backends.map((b) => ({ id: b.id, kind: b.kind })), out };
    return out;
  }

  private attributeNow(gpus: GpuReading[], backends: BackendReading[], apps: ComputeApp[]): GpuReading[] {
    const shares = attributeGpuMemory({ gpus, apps, backends: backends.map((b) => ({ id: b.id, kind: b.kind })) });
    return gpus.map((g, i) => {
      const a = shares[i];
      if (!a || a.gpuId !== g.id) return g;
      const owners: NonNullable<GpuReading['owners']> = a.servers.map((s) => ({ label: s.label, kind: 'llm', backendId: s.backendId, bytes: s.usedBytes }));
      owners.push({ label: 'Other apps', kind: 'other', backendId: null, bytes: a.otherAppsBytes });
      owners.push({ label: 'Driver, graphics and unlisted', kind: 'unattributed', backendId: null, bytes: a.unattributedBytes });
      return { ...g, processes: a.processes, owners };
    });
  }

  dispose(): void {
    this.stop();
    this.listeners.clear();
    this.store.dispose();
  }
}

async function safeRead<T>(read: () => Promise<SourceSample<T>>): Promise<SourceSample<T>> {
  try {
    return await read();
  } catch (error) {
    return { status: 'error', message: (error as Error).message };
  }
}

/** The collector boundary: a reading fit for the Snapshot, whatever the server sent or the collector did. */
async function safeBackend(b: BackendCollector, signal: AbortSignal, logger: Logger): Promise<BackendReading> {
  try {
    return sanitizeBackendReading(await b.sample(signal), b);
  } catch (error) {
    logger.error(`${b.id}: reading failed: ${(error as Error)?.message ?? String(error)}`);
    return readingForCrash(b, error);
  }
}
