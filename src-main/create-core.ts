/**
 * Composition root shared by the CLI (`headroom serve`) and the Electron shell: builds the
 * sources, the monitor and the contract handlers. Owns the root DisposableStore.
 */
import type { Handlers } from '../shared/contract/requests';
import { err, ok } from '../shared/contract/result';
import { DisposableStore, toDisposable, type Disposable } from '../shared/lifecycle/disposable';
import { parseAlertSettings } from '../shared/alerts/settings';
import type { AlertTransition } from '../shared/alerts/rules';
import { deliverAll, fanOutSinks, type AlertSink } from './alerts/sink';
import { createWebhookSink } from './alerts/webhook.sink';
import { HistoryStore } from './history/history-store';
import { queryHistory } from './monitor/history-query';
import type { BackendKind, Snapshot } from '../shared/model/snapshot';
import { BackendDiscovery, type BackendSpec } from './monitor/backend-discovery';
import { createGpuSources, probeToSourceStatus } from './collectors/gpu/gpu-sources';
import { SystemMemorySource } from './collectors/system/system.collector';
import type { GpuSource } from './collectors/types';
import { createDemoClock, DemoGpuSource, DemoOllamaCollector } from './demo/demo-session';
import { Monitor } from './monitor/monitor';
import { PredictionService } from './models/predictions';
import { ollamaKvAssumptions } from './collectors/backends/ollama/ollama.collector';
import type { Logger } from './util/logger';

export interface CoreOptions {
  intervalMs: number;
  demo: boolean;
  /** Probe the default local addresses for LLM servers. */
  discover: boolean;
  /** Configured servers; `kind` absent → detected from its responses. */
  backends: { kind?: BackendKind; url: string; apiKey?: string | null }[];
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
  /** Extra deliveries of alert transitions (desktop notifications, tray). */
  alertSinks?: AlertSink[];
}

export interface Core {
  handlers: Handlers;
  onSnapshot(listener: (s: Snapshot) => void): Disposable;
  latest(): Snapshot | null;
  setPaused(paused: boolean): void;
  readonly isPaused: boolean;
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
  const parsedAlerts = parseAlertSettings({ ...(options.alertSettings ?? {}), vram: { ...(options.alertSettings?.vram ?? {}), warningPct: options.warningPct, criticalPct: options.criticalPct } });
  if (!parsedAlerts.ok) throw new Error(`Invalid alert settings: ${parsedAlerts.error.message}`);
  const alertSettings = parsedAlerts.value;
  const sinks: AlertSink[] = [];
  if (alertSettings.delivery.webhookUrl) {
    sinks.push(store.add(createWebhookSink({ url: alertSettings.delivery.webhookUrl, timeoutMs: alertSettings.delivery.webhookTimeoutMs, logger })));
  }
  if (options.alertSinks) sinks.push(...options.alertSinks);
  const sink = fanOutSinks(sinks);
  const deliver = (transitions: AlertTransition[]) => void deliverAll(sink, transitions);
  let monitor: Monitor;

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
    // Sources not started still get a line saying why (platform, tool not found).
    const probeLines = gpu.probes.filter((p) => !p.isSelected).map(probeToSourceStatus);
    const ollamaKv = ollamaKvAssumptions();
    const specs: BackendSpec[] = options.backends.map((b) => ({ kind: b.kind ?? null, url: b.url, apiKey: b.apiKey ?? null }));
    const discovery = store.add(new BackendDiscovery({ configured: specs, discover: options.discover, timeoutMs: Math.max(1000, Math.min(options.intervalMs, 3000)), logger }));
    monitor = new Monitor({
      gpuSources,
      systemSource: new SystemMemorySource(),
      backends: [],
      intervalMs: options.intervalMs,
      alertSettings,
      onAlertTransitions: deliver,
      demo: false,
      logger,
      extraSources: () => [...probeLines, ...discovery.sourceStatus()],
      predictions: new PredictionService(logger),
      cacheTypeOf: (b) => (b.kind === 'ollama' ? ollamaKv.kvCacheType : 'f16'),
    });
    store.add(discovery.onChange((collectors) => monitor.setBackends(collectors)));
    await discovery.start();
  }
  store.add(monitor);
  let history: HistoryStore | null = null;
  if (options.dataDir && !options.demo) {
    try {
      const h = new HistoryStore({ dataDir: options.dataDir, retentionDays: options.retentionDays ?? 7, logger });
      history = h;
      store.add(toDisposable(() => h.dispose()));
      store.add(monitor.onSnapshot((s) => h.append(s)));
    } catch (error) {
      logger.error(`history disabled: cannot use ${options.dataDir}: ${(error as Error).message}`);
    }
  }
  monitor.start();

  const handlers: Handlers = {
    async getSnapshot() {
      const s = monitor.latest();
      return s ? ok(s) : err('unavailable', 'No Snapshot yet: the first tick has not finished. Try again in a second.');
    },
    async getHistory(params) {
      return ok(await queryHistory(monitor, history, params));
    },
  };

  return {
    handlers,
    onSnapshot: (l) => monitor.onSnapshot(l),
    latest: () => monitor.latest(),
    setPaused(paused) {
      if (paused) monitor.stop();
      else monitor.start();
    },
    get isPaused() {
      return !monitor.isRunning;
    },
    async dispose() {
      store.dispose();
    },
  };
}

