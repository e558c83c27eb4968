/**
 * Any other OpenAI-compatible server: `/v1/models` is all there is, so Headroom shows the model
 * list and says plainly that it has no memory data for it. The key goes on every request.
 */
import type { BackendReading } from '../../../../shared/model/snapshot';
import { backendId, type BackendCollector, type BackendCollectorOptions } from '../../types';
import { AuthGate } from '../http/auth-gate';
import { getJson, type EndpointClient } from '../http/backend-http';
import { emptyModel, failedReading, newReading, serverName, type CollectorExtras } from '../http/backend-status';
import { BodyCache } from '../http/body-cache';
import { CollectorLifetime } from '../http/lifecycle';
import { modelIds, openAiModelListSchema } from './openai.parse';

export type OpenAiCollectorOptions = BackendCollectorOptions & CollectorExtras;

export const OPENAI_NOTE = 'model list only; no memory data';

export function createOpenAiCollector(options: OpenAiCollectorOptions): BackendCollector {
  return new OpenAiCollector(options);
}

class OpenAiCollector implements BackendCollector {
  readonly kind = 'openai' as const;
  readonly id: string;
  readonly url: string;
  private readonly client: EndpointClient;
  private readonly auth: AuthGate;
  private readonly lifetime = new CollectorLifetime();
  /** Decoded bodies, reused while a body is byte-identical to the last one. */
  private readonly bodies = new BodyCache();

  constructor(private readonly options: OpenAiCollectorOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.id = backendId('openai', this.url);
    this.auth = new AuthGate(options.now ?? Date.now, options.authRetryMs);
    this.client = { baseUrl: this.url, timeoutMs: options.timeoutMs, apiKey: options.apiKey, maxBytes: options.maxBodyBytes, bodies: this.bodies };
  }

  async sample(signal: AbortSignal): Promise<BackendReading> {
    const base = { ...newReading(this.id, 'openai', this.url), note: OPENAI_NOTE };
    const stopped = { ...base, status: 'down' as const, message: `${serverName('openai', this.url)}: monitoring stopped.` };
    if (this.lifetime.isDisposed) return stopped;
    if (!this.auth.canTry()) return { ...base, status: 'unauthorized', message: this.auth.message };
    const result = await getJson(this.client, '/v1/models', openAiModelListSchema, { signal: this.lifetime.signalFor(signal), withKey: true });
    if (this.lifetime.isDisposed) return stopped;
    if (result.ok) {
      this.auth.accepted();
      return { ...base, message: OPENAI_NOTE, models: modelIds(result.value).map(emptyModel) };
    }
    const failed = { ...failedReading(this.id, 'openai', this.url, result.failure, Boolean(this.options.apiKey)), note: OPENAI_NOTE };
    if (result.failure.kind === 'unauthorized') {
      this.auth.refused(failed.message ?? '');
      this.options.logger.warn(`${this.id}: ${failed.message}`);
    }
    return failed;
  }

  dispose(): void {
    this.lifetime.dispose();
  }
}
