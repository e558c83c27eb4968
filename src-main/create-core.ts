/**
 * Composition root shared by the CLI (`headroom serve`) and the Electron shell: builds the
 * sources, the monitor and the contract handlers. Owns the root DisposableStore.
 */
import type { Handlers } from '../shared/contract/requests';
import { DisposableStore, toDisposable, type Disposable } from '../shared/lifecycle/disposable';
import { parseAlertSettings } from '../shared/alerts/settings';
import type { AlertTransition } from '../shared/alerts/rules';
import { AlertLog } from './alerts/alert-log';
import { DeliveryPolicy, withPolicy } from './alerts/delivery-policy';
import { deliverAll, fanOutSinks, type AlertSink } from './alerts/sink';
import { createWebhookSink, type WebhookSink } from './alerts/webhook.sink';
import { createHandlers } from './monitor/handlers';
import { ModelResolver } from './models/resolver';
import { SettingsController } from './settings/settings-controller';
import type { AppSettings } from './settings/settings-schema';
import type { SettingsStore } from './settings/settings-store';
import { effectiveMonitorSettings, type CommandLineOverrides } from './settings/command-line';
import { HistoryStore } from './history/history-store';
import { createExportRoute, type ExportRoute } from './history/export-http';
import type { BackendKind, Snapshot } from '../shared/model/snapshot';
import { BackendDiscovery, type BackendSpec } from './monitor/backend-discovery';
import { ComputeAppsStream } from './collectors/attribution/compute-apps.stream';
import { createGpuSources, probeToSourceStatus } from './collectors/gpu/gpu-sources';
import { SystemMemorySource } from './collectors/system/system.collector';
import type { GpuSource } from './collectors/types';
import { createDemoClock, DemoGpuSource, DemoOllamaCollector } from './demo/demo-session';
import { Monitor } from './monitor/monitor';
import { idleCadenceFromEnv } from './monitor/idle-cadence';
import { EngineLogService } from './models/engine-logs/service';
import { PredictionService } from './models/predictions';
import { ollamaKvAssumptions } from './collectors/backends/ollama/ollama.collector';
import type { Logger } from './util/logger';
import { ProbeService } from './probe/service';
import { ProbeStore } from './probe/store';
import { watchSnapshots } from './probe/gpu-watch';
import { identifyBackend } from './collectors/backends/discovery';
import { Fleet, type WatchedServer } from './fleet/fleet';
import { createFleetHandlers } from './fleet/fleet-handlers';
import type { RemoteHostTiming } from './fleet/remote-host';
import type { FleetSnapshot } from '../shared/contract/fleet';

export interface CoreOptions {
  intervalMs: number;
  demo: boolean;
  /** Probe the default local addresses for LLM servers. */
  discover: boolean;
  /** Configured servers; `kind` absent → detected from its responses. */
  /** `logPath`: the server's load log for "measured by the engine" (else the OS default location). */
  backends: { kind?: BackendKind; url: string; apiKey?: string | null; logPath?: string | null }[];
  /** nvidia-smi executable; null/undefined → looked up on PATH. */
  nvidiaSmiPath?: string | null;
  warningPct: number;
  criticalPct: number;
  logger: Logger;
  /** Where history (and settings) live; null → nothing persisted. */
  dataDir?: string | null;
  /** Days of history kept on disk. */
  retentionDays?: number;
  /** Alert rules beyond the two thresholds (partial; defaults fill the rest). */
  alertSettings?: Partial<Record<string, unknown>> & { vram?: Record<string, unknown> };
  /** Extra deliveries of alert transitions (desktop notifications, tray); they go through the snooze/mute policy. */
  alertSinks?: AlertSink[];
  /** Where settings are saved; absent → settings changes live in memory for this session only. */
  settingsStore?: SettingsStore | null;
  /** How the settings store keeps API keys (shown in the settings page). */
  keyStorage?: 'os-encrypted' | 'plain-text';
  /** Flags given on `headroom serve`'s command line: they keep winning when settings are saved. */
  commandLine?: CommandLineOverrides | null;
  /** Headroom servers to watch given for this run (`serve --watch`); the saved ones are added. */
  watch?: WatchedServer[];
  /** Label of this machine in the fleet view; default "This machine (<host name>)". */
  localLabel?: string;
  /** Timeouts and limits for watched servers (tests shorten them). */
  fleetTiming?: Partial<RemoteHostTiming>;
}

export interface Core {
  handlers: Handlers;
  /** The streamed history export of the headless server. */
  exportRoute: ExportRoute;
  onSnapshot(listener: (s: Snapshot) => void): Disposable;
  latest(): Snapshot | null;
  setPaused(paused: boolean): void;
  readonly isPaused: boolean;
  /** This machine and the watched servers (issue 15). */
  fleet: {
    latest(): FleetSnapshot;
    onFleet(listener: (f: FleetSnapshot) => void): Disposable;
    /** True when at least one server is watched (then `fleetPublished` events are sent). */
    readonly hasRemotes: boolean;
    /** What the tray icon reflects: this machine only, or all hosts. */
    readonly trayScope: 'local' | 'all';
  };
  dispose(): Promise<void>;
}

export const defaultCoreOptions = (logger: Logger): CoreOptions => ({
  intervalMs: 1000,
  demo: false,
  discover: true,
  backends: [],
  nvidiaSmiPath: null,
  warningPct: 80,
  criticalPct: 90,
  logger,
  dataDir: null,
  retentionDays: 7,
});

export async function createCore(options: CoreOptions): Promise<Core> {
  const store = new DisposableStore();
  const { logger } = options;
  const startedAtMs = Date.now();
  const stored = options.settingsStore?.current() ?? null;
  const alertSettingsFor = (warningPct: number, criticalPct: number, webhookUrl: string | null, mutedRules: string[], perGpu: Record<string, unknown> = {}) => {
    const parsed = parseAlertSettings({
      ...(options.alertSettings ?? {}),
      vram: { ...(options.alertSettings?.vram ?? {}), warningPct, criticalPct },
      perGpu,
      mutedRules,
      delivery: { ...((options.alertSettings?.delivery as Record<string, unknown> | undefined) ?? {}), webhookUrl },
    });
    if (!parsed.ok) throw new Error(`Invalid alert settings: ${parsed.error.message}`);
    return parsed.value;
  };
  const initialWebhook =
    ((options.alertSettings?.delivery as { webhookUrl?: string } | undefined)?.webhookUrl ?? stored?.alerts.webhookUrl ?? null) || null;
  let alertSettings = alertSettingsFor(options.warningPct, options.criticalPct, initialWebhook, stored?.alerts.mutedRules ?? [], stored?.monitor.perGpu ?? {});

  // Delivery: every transition is logged; channels go through the snooze/mute/quiet-start policy.
  const policy = new DeliveryPolicy({ startedAtMs, quietStartMs: alertSettings.delivery.quietStartMs, mutedRules: alertSettings.mutedRules, nowMs: Date.now });
  const alertLog = new AlertLog();
  let webhook: WebhookSink | null = null;
  const setWebhook = (url: string | null) => {
    if (webhook) store.delete(webhook);
    webhook = url ? store.add(createWebhookSink({ url, timeoutMs: alertSettings.delivery.webhookTimeoutMs, format: alertSettings.delivery.webhookFormat, logger })) : null;
  };
  setWebhook(alertSettings.delivery.webhookUrl);
  const deliver = (transitions: AlertTransition[]) => {
    alertLog.add(transitions);
    const sinks: AlertSink[] = (options.alertSinks ?? []).map((s) => withPolicy(s, policy, 'desktop'));
    if (webhook) sinks.push(withPolicy(webhook, policy, 'webhook'));
    void deliverAll(fanOutSinks(sinks), transitions);
  };
  const deliveryState = () => ({ snoozes: policy.activeSnoozes(), mutedRules: [...alertSettings.mutedRules] });

  let history: HistoryStore | null = null;
  const historyStatus = (): Snapshot['history'] => {
    const st = history?.status();
    return st ? { state: st.state, message: st.message } : undefined;
  };
  let monitor: Monitor;
  /** GPU sources with long-running readers: stopped while paused (sleep, tray pause). */
  let suspendable: GpuSource[] = [];
  let discovery: BackendDiscovery | null = null;
  if (options.demo) {
    const clock = createDemoClock();
    monitor = new Monitor({
      gpuSources: [store.add(new DemoGpuSource(clock))],
      systemSource: new SystemMemorySource(),
      backends: [store.add(new DemoOllamaCollector(clock))],
      predictions: new PredictionService(logger),
      intervalMs: options.intervalMs,
      alertSettings,
      onAlertTransitions: deliver,
      deliveryState,
      demo: true,
      logger,
    });
  } else {
    const gpu = await createGpuSources({
      intervalMs: options.intervalMs,
      logger,
      paths: options.nvidiaSmiPath ? { 'nvidia-smi': options.nvidiaSmiPath } : undefined,
    });
    const gpuSources: GpuSource[] = gpu.sources.map((s) => store.add(s));
    suspendable = gpuSources;
    // Sources not started still get a line saying why (platform, tool not found).
    const probeLines = gpu.probes.filter((p) => !p.isSelected).map(probeToSourceStatus);
    const ollamaKv = ollamaKvAssumptions();
    const nvidia = gpu.probes.find((p) => p.id === 'nvidia-smi' && p.isSelected && p.path);
    const apps = nvidia ? store.add(new ComputeAppsStream({ path: nvidia.path!, logger })) : null;
    const specs: BackendSpec[] = options.backends.map((b) => ({ kind: b.kind ?? null, url: b.url, apiKey: b.apiKey ?? null }));
    const d = store.add(new BackendDiscovery({ configured: specs, discover: options.discover, timeoutMs: Math.max(1000, Math.min(options.intervalMs, 3000)), logger }));
    discovery = d;
    monitor = new Monitor({
      gpuSources,
      systemSource: new SystemMemorySource(),
      backends: [],
      intervalMs: options.intervalMs,
      alertSettings,
      onAlertTransitions: deliver,
      deliveryState,
      demo: false,
      logger,
      extraSources: () => [...probeLines, ...d.sourceStatus()],
      predictions: new PredictionService(logger, undefined, new EngineLogService({ logger, logPathFor: (b) => logPathFor(options.backends, b.url) })),
      cacheTypeOf: (b) => (b.kind === 'ollama' ? ollamaKv.kvCacheType : 'f16'),
      computeApps: () => apps?.latest()?.apps ?? null,
      historyStatus,
      idleCadence: idleCadenceFromEnv(),
    });
    store.add(d.onChange((collectors) => monitor.setBackends(collectors)));
    await d.start();
  }
  store.add(monitor);
  if (options.dataDir && !options.demo) {
    try {
      const h = new HistoryStore({ dataDir: options.dataDir, retentionDays: options.retentionDays ?? 7, logger });
      history = h;
      store.add(toDisposable(() => h.dispose()));
      // Reductions of the days on disk are checked (made where missing, in a worker) and loaded in the background.
      void h.warmUp();
      store.add(monitor.onSnapshot((s) => h.append(s)));
    } catch (error) {
      logger.error(`history disabled: cannot use ${options.dataDir}: ${(error as Error).message}`);
    }
  }

  // Watched Headroom servers: given for this run, then the saved ones (a flag's URL wins).
  const fleet = store.add(new Fleet({ local: monitor, logger, onTransitions: deliver, intervalMs: () => monitor.latest()?.intervalMs ?? options.intervalMs, timing: options.fleetTiming, localLabel: options.localLabel }));
  const watchedServers = (saved: readonly WatchedServer[]): WatchedServer[] => {
    const given = options.watch ?? [];
    const norm = (u: string) => u.replace(/\/+$/, '');
    return [...given, ...saved.filter((s) => !given.some((g) => norm(g.url) === norm(s.url)))];
  };
  let trayScope: 'local' | 'all' = stored?.fleet.trayScope ?? 'all';
  fleet.setServers(watchedServers(stored?.fleet.servers ?? []));

  // Settings changed in the dashboard: applied to the running core, no restart.
  const applySettings = async (s: AppSettings) => {
    // Flags given on the command line win over what was just saved (and servers given with
    // --backend stay polled whatever the saved list holds).
    const e = effectiveMonitorSettings(s, options.commandLine, {
      intervalMs: options.intervalMs,
      warningPct: options.warningPct,
      criticalPct: options.criticalPct,
      discover: options.discover,
      retentionDays: options.retentionDays ?? 7,
    });
    fleet.setServers(watchedServers(s.fleet.servers));
    trayScope = s.fleet.trayScope;
    const webhookUrl = s.alerts.webhookUrl ?? null;
    const webhookChanged = webhookUrl !== alertSettings.delivery.webhookUrl;
    alertSettings = alertSettingsFor(e.warningPct, e.criticalPct, webhookUrl, s.alerts.mutedRules ?? [], s.monitor.perGpu ?? {});
    monitor.setAlertSettings(alertSettings);
    policy.setMutedRules(alertSettings.mutedRules);
    if (webhookChanged) setWebhook(webhookUrl);
    monitor.setIntervalMs(e.intervalMs);
    if (history) {
      history.retentionDays = e.retentionDays;
      history.prune();
    }
    if (discovery) {
      discovery.setDiscover(e.discover);
      await discovery.setConfigured(e.backends);
    }
    logger.info('settings applied');
  };
  const settings = new SettingsController(
    options.settingsStore ?? null,
    { intervalMs: options.intervalMs, warningPct: options.warningPct, criticalPct: options.criticalPct, discover: options.discover, retentionDays: options.retentionDays ?? 7 },
    applySettings,
    options.keyStorage ?? 'plain-text',
  );
  monitor.start();

  // Context probes: the GPU stream comes from the monitor's Snapshots; reports go to <data>/probes/.
  let probes: ProbeService | null = null;
  if (!options.demo) {
    // A server configured with an API key (settings or --api-key) is probed with it.
    const origin = (u: string) => {
      try {
        return new URL(u).origin;
      } catch {
        return u;
      }
    };
    const keyFor = (url: string): string | null =>
      [...settings.current().backends, ...options.backends].find((b) => origin(b.url) === origin(url) && b.apiKey)?.apiKey ?? null;
    const gpuWatch = watchSnapshots((l) => monitor.onSnapshot(l));
    store.add(toDisposable(() => gpuWatch.dispose()));
    const p = new ProbeService({
      store: options.dataDir ? new ProbeStore(options.dataDir, logger) : null,
      gpu: gpuWatch.watch,
      logger,
      defaultKvType: ollamaKvAssumptions().kvCacheType,
      identify: (url) => identifyBackend(url, { timeoutMs: 3000, apiKey: keyFor(url) }),
      apiKeyFor: keyFor,
    });
    probes = p;
  }
    const testWebhook = async (url: string | null) => {
    if (!url) return webhook ? webhook.sendTest() : { ok: false, message: 'No webhook URL is set.' };
    const probe = createWebhookSink({ url, timeoutMs: alertSettings.delivery.webhookTimeoutMs, format: alertSettings.delivery.webhookFormat, logger });
    try {
      return await probe.sendTest();
    } finally {
      probe.dispose();
    }
  };
  const handlers: Handlers = {
    ...createHandlers({ monitor, history, settings, policy, alertLog, resolver: new ModelResolver(), logger, testWebhook, probes }),
    ...createFleetHandlers({ fleet, storedServers: () => watchedServers(settings.current().fleet.servers) }),
  };

  return {
    handlers,
    exportRoute: createExportRoute({ historyDir: () => history?.directory ?? null, logger }),
    onSnapshot: (l) => monitor.onSnapshot(l),
    latest: () => monitor.latest(),
    setPaused(paused) {
      if (paused) {
        monitor.stop();
        for (const s of suspendable) s.suspend?.();
      } else {
        for (const s of suspendable) s.resume?.();
        monitor.start();
      }
    },
    get isPaused() {
      return !monitor.isRunning;
    },
    fleet: {
      latest: () => fleet.latest(),
      onFleet: (l) => fleet.onFleet(l),
      get hasRemotes() {
        return fleet.hasRemotes;
      },
      get trayScope() {
        return trayScope;
      },
    },
    async dispose() {
      // A running probe is cancelled and the server restored before the rest stops.
      await probes?.dispose();
      store.dispose();
    },
  };
}

/** The configured load-log path of the backend at `url` (trailing slashes ignored), else null. */
function logPathFor(backends: CoreOptions['backends'], url: string): string | null {
  const norm = (u: string) => u.replace(/\/+$/, '').toLowerCase();
  return backends.find((b) => norm(b.url) === norm(url))?.logPath ?? null;
}
