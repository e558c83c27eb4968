/**
 * llama.cpp `llama-server`. The KV cache is allocated for the whole context at load, so what
 * matters is each slot's context fill and whether the server is loading. With `--api-key`, every
 * path but `/health` needs the key (the recorded build b1-de3ff81 protects `/v1/models` too,
 * although the README lists it as public), so the key goes everywhere except `/health`.
 */
import type { BackendReading, LoadedModel } from '../../../../shared/model/snapshot';
import { backendId, type BackendCollector, type BackendCollectorOptions } from '../../types';
import { AuthGate } from '../http/auth-gate';
import { getJson, getPrometheusText, type EndpointClient, type EndpointFailure, type EndpointResult } from '../http/backend-http';
import {
  describeFailure,
  emptyModel,
  failedReading,
  newReading,
  parameterSizeLabel,
  serverName,
  toCount,
  type CollectorExtras,
} from '../http/backend-status';
import { CounterRate } from '../http/counter-rate';
import { BodyCache } from '../http/body-cache';
import { CollectorLifetime } from '../http/lifecycle';
import {
  kvLayout,
  llamaCppHealthSchema,
  llamaCppModelListSchema,
  llamaCppPropsSchema,
  llamaCppSlotsSchema,
  loadingMessage,
  parseLlamaCppMetrics,
  readSlots,
  type LlamaCppMetrics,
  type LlamaCppModelList,
  type LlamaCppProps,
  type LlamaCppSlots,
} from './llamacpp.parse';

function isMissing(result: EndpointResult<unknown>): boolean {
  return !result.ok && (result.failure.kind === 'not-found' || result.failure.kind === 'not-supported');
}

export type LlamaCppCollectorOptions = BackendCollectorOptions & CollectorExtras;

export function createLlamaCppCollector(options: LlamaCppCollectorOptions): BackendCollector {
  return new LlamaCppCollector(options);
}

type Problem = Pick<BackendReading, 'status' | 'message'>;

interface Protected {
  props: EndpointResult<LlamaCppProps>;
  slots: EndpointResult<LlamaCppSlots>;
  metrics: EndpointResult<string>;
  models: EndpointResult<LlamaCppModelList>;
}

/** How long answers of endpoints that change only on a model reload are reused. */
const SLOW_ENDPOINT_MS = 10_000;
/** How long a successful /health is trusted while the other endpoints keep answering. */
const HEALTH_EVERY_MS = 5_000;

class LlamaCppCollector implements BackendCollector {
  readonly kind = 'llamacpp' as const;
  readonly id: string;
  readonly url: string;
  private readonly client: EndpointClient;
  private readonly now: () => number;
  private readonly auth: AuthGate;
  private readonly lifetime = new CollectorLifetime();
  /** Decoded bodies, reused while a body is byte-identical to the last one. */
  private readonly bodies = new BodyCache();
  private readonly promptTokens = new CounterRate();
  private readonly predictedTokens = new CounterRate();
  /** Kept while protected paths are behind the 401 back-off. */
  private last: { version: string | null; models: LoadedModel[] } = { version: null, models: [] };
  /** The last read had /slots, /metrics and /props answering: /health is not asked up front. */
  private allAnswered = false;
  /** Model name → the GGUF path llama-server loaded it from (`/props` `model_path`). */
  private readonly modelFiles = new Map<string, string>();

  modelFileOf(modelName: string): string | null {
    return this.modelFiles.get(modelName) ?? null;
  }

  constructor(private readonly options: LlamaCppCollectorOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.id = backendId('llamacpp', this.url);
    this.now = options.now ?? Date.now;
    this.auth = new AuthGate(this.now, options.authRetryMs);
    this.client = { baseUrl: this.url, timeoutMs: options.timeoutMs, apiKey: options.apiKey, maxBytes: options.maxBodyBytes, cache: new Map(), bodies: this.bodies, now: this.now };
  }

  async sample(signal: AbortSignal): Promise<BackendReading> {
    if (this.lifetime.isDisposed) return this.stopped();
    const call = { signal: this.lifetime.signalFor(signal), withKey: true };
    const tryProtected = this.auth.canTry();
    // /health says no more than "ok" while /slots, /metrics and /props answer (all three answer
    // 503 while a model loads, as /health does), and it can stall behind a long prompt on a slow
    // build. So once the last read had all three answering it is not asked up front; it is
    // asked at once whenever one of them fails (loading, restarting, gone), and every few
    // seconds beside them while one is off or missing (--no-slots, no --metrics, a proxy).
    const readHealth = () => getJson(this.client, '/health', llamaCppHealthSchema, { ...call, withKey: false, maxAgeMs: HEALTH_EVERY_MS });
    const healthFirst = !tryProtected || !this.allAnswered;
    this.allAnswered = false;
    const [firstHealth, rest] = await Promise.all([healthFirst ? readHealth() : Promise.resolve(null), tryProtected ? this.readProtected(call) : Promise.resolve(null)]);
    let health = firstHealth;
    // Off or missing (501, 404) is how this server is set up; anything else is a failure.
    const broken = rest !== null && [rest.slots, rest.metrics, rest.props].some((r) => !r.ok && !isMissing(r));
    const partial = rest !== null && (!rest.slots.ok || !rest.metrics.ok || !rest.props.ok);
    if ((broken || (partial && health === null)) && !this.lifetime.isDisposed) {
      this.client.cache?.delete('/health');
      health = await readHealth();
    }
    if (this.lifetime.isDisposed) return this.stopped();

    if (health && !health.ok) {
      this.resetRates();
      const loading = health.failure.kind === 'unavailable' ? loadingMessage(health.failure.body) : null;
      if (loading !== null) {
        // 503 while the model loads: the server is there, its figures are not yet.
        return {
          ...newReading(this.id, 'llamacpp', this.url),
          message: `${serverName('llamacpp', this.url)}: ${loading.toLowerCase()}. Its figures appear once loading finishes.`,
        };
      }
      return failedReading(this.id, 'llamacpp', this.url, health.failure, Boolean(this.options.apiKey));
    }

    const reading = newReading(this.id, 'llamacpp', this.url);
    this.allAnswered = rest !== null && !partial;
    if (rest === null) {
      return { ...reading, status: 'unauthorized', message: this.auth.message, version: this.last.version, models: this.last.models };
    }
    const problems: Problem[] = [];
    const notes: string[] = [];
    // Only /health and one of /props or /v1/models are needed; the rest may be missing on old
    // builds or behind a proxy that passes only some paths (404), or turned off (501).
    const props = this.optional(rest.props, problems, notes, {
      off: '/props is not available: context size and build come from the other endpoints',
    });
    const slots = this.optional(rest.slots, problems, notes, {
      off: 'the slots endpoint is off (--no-slots): no per-slot context fill',
      missing: '/slots is not available: no per-slot context fill',
    });
    const metricsText = this.optional(rest.metrics, problems, notes, {
      off: 'start llama-server with --metrics for queue length and token rates',
      missing: '/metrics is not available: no queue length or token rates',
    });
    const models = this.optional(rest.models, problems, notes, { off: '/v1/models is not available: the model is named from /props' });
    if (props === null && models === null && isMissing(rest.props) && isMissing(rest.models)) {
      // Neither names the model: this is not a llama.cpp server Headroom can read.
      notes.length = 0;
      problems.unshift(this.problem((rest.props as { ok: false; failure: EndpointFailure }).failure));
    }
    const metrics = metricsText === null ? null : this.bodies.decode('metrics', metricsText, parseLlamaCppMetrics);
    if (metrics && !metrics.isLlamaCpp) {
      problems.push({ status: 'error', message: `${serverName('llamacpp', this.url)}: /metrics has no llamacpp: series. Is another kind of server on this port now?` });
    }

    const unauthorized = problems.find((p) => p.status === 'unauthorized');
    if (unauthorized) {
      this.auth.refused(unauthorized.message ?? '');
      this.options.logger.warn(`${this.id}: ${unauthorized.message}`);
    } else {
      this.auth.accepted();
    }

    reading.version = props?.build_info ?? null;
    reading.models = this.buildModels(props, slots, metrics?.isLlamaCpp ? metrics : null, models);
    this.last = { version: reading.version, models: reading.models };
    const first = unauthorized ?? problems[0];
    if (first) {
      reading.status = first.status;
      reading.message = first.message;
    }
    if (notes.length > 0) reading.note = `${notes.join('; ')}.`;
    return reading;
  }

  dispose(): void {
    this.lifetime.dispose();
  }

  private async readProtected(call: { signal: AbortSignal; withKey: boolean }): Promise<Protected> {
    const [props, slots, metrics, models] = await Promise.all([
      // /props and /v1/models change only when a model is (re)loaded: read them every 10 s.
      getJson(this.client, '/props', llamaCppPropsSchema, { ...call, maxAgeMs: SLOW_ENDPOINT_MS }),
      getJson(this.client, '/slots', llamaCppSlotsSchema, call),
      getPrometheusText(this.client, '/metrics', call),
      getJson(this.client, '/v1/models', llamaCppModelListSchema, { ...call, maxAgeMs: SLOW_ENDPOINT_MS }),
    ]);
    return { props, slots, metrics, models };
  }

  private buildModels(
    props: LlamaCppProps | null,
    slotList: LlamaCppSlots | null,
    metrics: LlamaCppMetrics | null,
    list: LlamaCppModelList | null,
  ): LoadedModel[] {
    const atMs = this.now();
    const promptTokensPerSecond = this.promptTokens.update(metrics?.promptTokensTotal ?? null, atMs);
    const generationTokensPerSecond = this.predictedTokens.update(metrics?.tokensPredictedTotal ?? null, atMs);

    if (props?.role === 'router') {
      // Router mode: several models, each its own llama-server; only the loaded ones count.
      return (list?.data ?? [])
        .filter((m) => m.status === undefined || m.status.value === 'loaded')
        .map((m) => ({ ...emptyModel(m.id), fileSizeBytes: m.meta?.size ?? null, parameterSize: parameterSizeLabel(m.meta?.n_params) }));
    }

    const card = list?.data[0];
    const name = card?.id ?? props?.model_alias ?? props?.model_path;
    if (name === undefined) return [];
    if (props?.model_path) {
      // One model per server outside router mode: a server that names a new model every tick must not grow this map.
      if (!this.modelFiles.has(name) && this.modelFiles.size >= 16) this.modelFiles.clear();
      this.modelFiles.set(name, props.model_path);
    }
    const slots = slotList ? readSlots(slotList) : null;
    const slotContext = slots?.[0]?.contextTokens ?? props?.default_generation_settings?.n_ctx ?? props?.default_generation_settings?.params?.n_ctx ?? null;
    const totalSlots = props?.total_slots ?? (slots ? slots.length : null);
    const layout = kvLayout(slotContext, totalSlots, card?.meta?.n_ctx ?? null);
    const busy = slots ? slots.filter((s) => s.processing).length : null;

    const model: LoadedModel = {
      ...emptyModel(name),
      contextLength: slotContext,
      requestsRunning: toCount(metrics?.requestsProcessing ?? busy),
      requestsWaiting: toCount(metrics?.requestsDeferred ?? null),
      quantization: props?.model_ftype ?? card?.meta?.ftype ?? null,
      parameterSize: parameterSizeLabel(card?.meta?.n_params),
      fileSizeBytes: card?.meta?.size !== undefined && Number.isInteger(card.meta.size) && card.meta.size >= 0 ? card.meta.size : null,
      kvUnified: layout.unified,
      kvCacheCapacityTokens: layout.capacityTokens,
      promptTokensPerSecond,
      generationTokensPerSecond,
    };
    if (slots) model.slots = slots;
    // Builds before May 2025 (PR #13660) still report KV occupancy.
    if (metrics?.kvCacheUsageRatio !== null && metrics?.kvCacheUsageRatio !== undefined) model.kvCacheUsageRatio = metrics.kvCacheUsageRatio;
    return [model];
  }

  /**
   * An endpoint the reading can do without: missing (404) or turned off (501) is a note, any
   * other failure a problem. `missing` defaults to `off` (one sentence for both).
   */
  private optional<T>(result: EndpointResult<T>, problems: Problem[], notes: string[], say: { off: string; missing?: string }): T | null {
    if (result.ok) return result.value;
    if (result.failure.kind === 'not-supported' || result.failure.kind === 'not-found') {
      notes.push(result.failure.kind === 'not-found' ? (say.missing ?? say.off) : say.off);
      return null;
    }
    problems.push(this.problem(result.failure));
    return null;
  }

  private problem(failure: EndpointFailure): Problem {
    const status = failure.kind === 'unauthorized' ? 'unauthorized' : 'error';
    return { status, message: describeFailure('llamacpp', this.url, failure, Boolean(this.options.apiKey)) };
  }

  private resetRates(): void {
    this.promptTokens.reset();
    this.predictedTokens.reset();
    // The server went away or is loading: whatever it serves next must be read afresh.
    this.client.cache?.clear();
  }

  private stopped(): BackendReading {
    return { ...newReading(this.id, 'llamacpp', this.url), status: 'down', message: `${serverName('llamacpp', this.url)}: monitoring stopped.` };
  }
}
