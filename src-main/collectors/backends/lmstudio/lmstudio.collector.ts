/**
 * LM Studio. Its API reports which models are loaded and with what context, but no memory
 * figures: VRAM comes from the GPU sources and per-process attribution. With "Require
 * Authentication" (0.4+) every path needs the Bearer token, so it goes on every request.
 */
import type { BackendReading } from '../../../../shared/model/snapshot';
import { backendId, type BackendCollector, type BackendCollectorOptions } from '../../types';
import { AuthGate } from '../http/auth-gate';
import { getJson, type EndpointClient, type EndpointFailure } from '../http/backend-http';
import { failedReading, newReading, serverName, type CollectorExtras } from '../http/backend-status';
import { BodyCache } from '../http/body-cache';
import { CollectorLifetime } from '../http/lifecycle';
import { lmStudioV0ListSchema, lmStudioV1ListSchema, loadedModelsFromV0, loadedModelsFromV1 } from './lmstudio.parse';

export type LmStudioCollectorOptions = BackendCollectorOptions & CollectorExtras;

export const LM_STUDIO_NOTE = 'LM Studio reports loaded models and context, not memory: its VRAM shows in the per-process split';

export function createLmStudioCollector(options: LmStudioCollectorOptions): BackendCollector {
  return new LmStudioCollector(options);
}

class LmStudioCollector implements BackendCollector {
  readonly kind = 'lmstudio' as const;
  readonly id: string;
  readonly url: string;
  private readonly client: EndpointClient;
  private readonly auth: AuthGate;
  private readonly lifetime = new CollectorLifetime();
  /** Decoded bodies, reused while a body is byte-identical to the last one. */
  private readonly bodies = new BodyCache();
  /** 'v0' once `/api/v1/models` answered 404 (LM Studio before 0.4); reset when the server goes away. */
  private api: 'v1' | 'v0' = 'v1';

  constructor(private readonly options: LmStudioCollectorOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.id = backendId('lmstudio', this.url);
    this.auth = new AuthGate(options.now ?? Date.now, options.authRetryMs);
    this.client = { baseUrl: this.url, timeoutMs: options.timeoutMs, apiKey: options.apiKey, maxBytes: options.maxBodyBytes, bodies: this.bodies };
  }

  async sample(signal: AbortSignal): Promise<BackendReading> {
    const reading = { ...newReading(this.id, 'lmstudio', this.url), note: LM_STUDIO_NOTE };
    if (this.lifetime.isDisposed) return { ...reading, status: 'down', message: `${serverName('lmstudio', this.url)}: monitoring stopped.` };
    if (!this.auth.canTry()) return { ...reading, status: 'unauthorized', message: this.auth.message };
    const call = { signal: this.lifetime.signalFor(signal), withKey: true };

    if (this.api === 'v1') {
      const v1 = await getJson(this.client, '/api/v1/models', lmStudioV1ListSchema, call);
      if (v1.ok) return this.ok({ ...reading, models: loadedModelsFromV1(v1.value) });
      if (v1.failure.kind !== 'not-found') return this.failed(v1.failure);
      this.api = 'v0';
    }
    const v0 = await getJson(this.client, '/api/v0/models', lmStudioV0ListSchema, call);
    if (v0.ok) return this.ok({ ...reading, models: loadedModelsFromV0(v0.value) });
    return this.failed(v0.failure);
  }

  dispose(): void {
    this.lifetime.dispose();
  }

  private ok(reading: BackendReading): BackendReading {
    this.auth.accepted();
    return reading;
  }

  private failed(failure: EndpointFailure): BackendReading {
    const reading = { ...failedReading(this.id, 'lmstudio', this.url, failure, Boolean(this.options.apiKey)), note: LM_STUDIO_NOTE };
    if (this.lifetime.isDisposed) return { ...reading, status: 'down', message: `${serverName('lmstudio', this.url)}: monitoring stopped.` };
    if (failure.kind === 'unauthorized') {
      this.auth.refused(reading.message ?? '');
      this.options.logger.warn(`${this.id}: ${reading.message}`);
    }
    if (reading.status === 'down') this.api = 'v1';
    return reading;
  }
}
