/**
 * vLLM (`vllm serve`). vLLM preallocates most of the GPU at start, so its headroom is KV-cache
 * block usage (`/metrics`), not VRAM. Auth (`--api-key`) covers only paths starting with `/v1`,
 * so `/health`, `/metrics` and `/version` are read without the key (reference §2.3).
 */
import type { BackendReading, LoadedModel } from '../../../../shared/model/snapshot';
import { backendId, type BackendCollector, type BackendCollectorOptions } from '../../types';
import { AuthGate } from '../http/auth-gate';
import { getJson, getPrometheusText, getText, type EndpointClient, type EndpointFailure, type EndpointResult } from '../http/backend-http';
import {
  describeFailure,
  emptyModel,
  failedReading,
  newReading,
  serverName,
  toCount,
  type CollectorExtras,
} from '../http/backend-status';
import { CounterRate } from '../http/counter-rate';
import { BodyCache } from '../http/body-cache';
import { CollectorLifetime } from '../http/lifecycle';
import {
  maxConcurrencyFor,
  parseVllmMetrics,
  servedBaseModels,
  vllmModelListSchema,
  vllmVersionSchema,
  type VllmMetrics,
  type VllmModelList,
} from './vllm.parse';

/** Answered 404 (not there) or 501 (turned off). */
function isMissing(failure: EndpointFailure): boolean {
  return failure.kind === 'not-found' || failure.kind === 'not-supported';
}

export type VllmCollectorOptions = BackendCollectorOptions & CollectorExtras;

/** How long a successful /health is trusted while /metrics keeps answering. */
const HEALTH_EVERY_MS = 5_000;

export function createVllmCollector(options: VllmCollectorOptions): BackendCollector {
  return new VllmCollector(options);
}

class VllmCollector implements BackendCollector {
  readonly kind = 'vllm' as const;
  readonly id: string;
  readonly url: string;
  private readonly client: EndpointClient;
  private readonly now: () => number;
  private readonly auth: AuthGate;
  private readonly lifetime = new CollectorLifetime();
  /** Decoded bodies, reused while a body is byte-identical to the last one. */
  private readonly bodies = new BodyCache();
  private readonly preemptions = new CounterRate();
  private readonly promptTokens = new CounterRate();
  private readonly generationTokens = new CounterRate();
  private version: string | null = null;
  /** The last model list read, kept while `/v1/models` is behind the 401 back-off. */
  private lastModels: VllmModelList | null = null;

  constructor(private readonly options: VllmCollectorOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.id = backendId('vllm', this.url);
    this.now = options.now ?? Date.now;
    this.auth = new AuthGate(this.now, options.authRetryMs);
    this.client = { baseUrl: this.url, timeoutMs: options.timeoutMs, apiKey: options.apiKey, maxBytes: options.maxBodyBytes, cache: new Map(), bodies: this.bodies, now: this.now };
  }

  async sample(signal: AbortSignal): Promise<BackendReading> {
    if (this.lifetime.isDisposed) return this.stopped();
    const call = { signal: this.lifetime.signalFor(signal) };
    const tryModels = this.auth.canTry();
    const [firstHealth, metrics, models, version] = await Promise.all([
      // A dead engine still serves /metrics, so /health is what says so: every few seconds while
      // /metrics answers, and at once when it does not.
      getText(this.client, '/health', { ...call, withKey: false, maxAgeMs: HEALTH_EVERY_MS }),
      getPrometheusText(this.client, '/metrics', { ...call, withKey: false }),
      // The served models change only on a restart: read them every 10 s (cleared when /health fails).
      tryModels ? getJson(this.client, '/v1/models', vllmModelListSchema, { ...call, withKey: true, maxAgeMs: 10_000 }) : Promise.resolve(null),
      this.version === null ? getJson(this.client, '/version', vllmVersionSchema, { ...call, withKey: false }) : Promise.resolve(null),
    ]);
    let health = firstHealth;
    if (!metrics.ok && !this.lifetime.isDisposed) {
      this.client.cache?.delete('/health');
      health = await getText(this.client, '/health', { ...call, withKey: false });
    }
    if (this.lifetime.isDisposed) return this.stopped();
    const atMs = this.now();
    if (version?.ok) this.version = version.value.version;

    // /metrics is what vLLM cannot be read without; /health and /v1/models may be missing behind
    // a proxy that passes only some paths (404): the reading goes on with a note.
    const healthMissing = !health.ok && isMissing(health.failure);
    if (!health.ok && !healthMissing) this.client.cache?.clear();
    if (!health.ok && !healthMissing && health.failure.kind !== 'unavailable') return this.failed(health.failure);

    const reading: BackendReading = { ...newReading(this.id, 'vllm', this.url), version: this.version };
    const problems: Array<Pick<BackendReading, 'status' | 'message'>> = [];
    const notes: string[] = [];
    if (healthMissing) notes.push('/health is not available: a dead engine shows only once /metrics stops');
    if (!health.ok && !healthMissing) {
      problems.push({ status: 'error', message: `${serverName('vllm', this.url)}: the engine is dead (/health answered HTTP 503). Restart vLLM.` });
    }

    let parsed: VllmMetrics | null = null;
    if (metrics.ok) {
      parsed = this.bodies.decode('metrics', metrics.value, parseVllmMetrics);
      if (!parsed.isVllm) {
        parsed = null;
        problems.push({
          status: 'error',
          message: `${serverName('vllm', this.url)}: /metrics has no vllm: series. Is another kind of server on this port now?`,
        });
      }
    } else {
      problems.push({ status: 'error', message: this.describe(metrics.failure) });
    }

    const list = this.readModels(models, problems, notes);
    reading.models = this.buildModels(list, parsed, atMs);
    if (notes.length) reading.note = `${notes.join('; ')}.`;
    const first = problems[0];
    if (first) {
      reading.status = first.status;
      reading.message = first.message;
    }
    return reading;
  }

  dispose(): void {
    this.lifetime.dispose();
  }

  private readModels(
    models: EndpointResult<VllmModelList> | null,
    problems: Array<Pick<BackendReading, 'status' | 'message'>>,
    notes: string[],
  ): VllmModelList | null {
    if (models === null) {
      problems.unshift({ status: 'unauthorized', message: this.auth.message });
      return this.lastModels;
    }
    if (models.ok) {
      this.auth.accepted();
      this.lastModels = models.value;
      return models.value;
    }
    if (isMissing(models.failure)) {
      notes.push('/v1/models is not available: models are named from /metrics, without their context length');
      return null;
    }
    const message = this.describe(models.failure);
    if (models.failure.kind === 'unauthorized') {
      this.auth.refused(message);
      this.options.logger.warn(`${this.id}: ${message}`);
      problems.unshift({ status: 'unauthorized', message });
    } else {
      problems.push({ status: 'error', message });
    }
    return null;
  }

  private buildModels(list: VllmModelList | null, metrics: VllmMetrics | null, atMs: number): LoadedModel[] {
    const perMinute = (rate: number | null) => (rate === null ? null : rate * 60);
    const preemptionsPerMinute = perMinute(this.preemptions.update(metrics?.preemptionsTotal ?? null, atMs));
    const promptTokensPerSecond = this.promptTokens.update(metrics?.promptTokensTotal ?? null, atMs);
    const generationTokensPerSecond = this.generationTokens.update(metrics?.generationTokensTotal ?? null, atMs);

    // Without /v1/models (no key), the metrics' model_name labels still name the served model.
    const cards = list ? servedBaseModels(list) : (metrics?.modelNames ?? []).map((id) => ({ id, max_model_len: null }));
    return cards.map((card) => {
      const maxModelLen = card.max_model_len ?? null;
      const model: LoadedModel = { ...emptyModel(card.id), contextLength: maxModelLen };
      if (!metrics) return model;
      const config = metrics.cacheConfig;
      return {
        ...model,
        kvCacheUsageRatio: metrics.kvCacheUsageRatio,
        requestsRunning: toCount(metrics.requestsRunning),
        requestsWaiting: toCount(metrics.requestsWaiting),
        kvCacheCapacityTokens: config?.capacityTokens ?? null,
        maxConcurrency: maxConcurrencyFor(config, maxModelLen),
        cacheConfig: config
          ? {
              blockSize: config.blockSize !== null && config.blockSize > 0 ? Math.round(config.blockSize) : null,
              gpuBlocks: config.gpuBlocks === null ? null : Math.round(config.gpuBlocks),
              cacheDtype: config.cacheDtype,
              gpuMemoryUtilizationRatio: config.gpuMemoryUtilizationRatio,
            }
          : null,
        preemptionsPerMinute,
        preemptionsTotal: metrics?.preemptionsTotal ?? null,
        promptTokensPerSecond,
        generationTokensPerSecond,
      };
    });
  }

  private describe(failure: EndpointFailure): string {
    return describeFailure('vllm', this.url, failure, Boolean(this.options.apiKey));
  }

  private failed(failure: EndpointFailure): BackendReading {
    this.version = null;
    this.preemptions.reset();
    this.promptTokens.reset();
    this.generationTokens.reset();
    return failedReading(this.id, 'vllm', this.url, failure, Boolean(this.options.apiKey));
  }

  private stopped(): BackendReading {
    return { ...newReading(this.id, 'vllm', this.url), status: 'down', message: `${serverName('vllm', this.url)}: monitoring stopped.` };
  }
}
