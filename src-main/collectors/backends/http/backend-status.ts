import { backendKindLabels } from '../../../../shared/model/backend-labels';
/**
 * Sentences and reading shapes shared by the backend collectors. A message names the server,
 * the cause and the next step ("vLLM at 127.0.0.1:8000: connection refused. Is it running?").
 */
import type { BackendKind, BackendReading, BackendStatusValue, LoadedModel } from '../../../../shared/model/snapshot';
import { hostPort } from '../../../util/http';
import type { EndpointFailure } from './backend-http';

export const backendLabels: Record<BackendKind, string> = { ...backendKindLabels, openai: 'OpenAI-compatible server' };

const kindPhrases: Record<BackendKind, string> = {
  ollama: 'an Ollama server',
  vllm: 'a vLLM server',
  llamacpp: 'a llama.cpp server',
  lmstudio: 'an LM Studio server',
  openai: 'an OpenAI-compatible server',
};

/** "a vLLM server", "an Ollama server": for "Is this really …?". */
export function kindPhrase(kind: BackendKind): string {
  return kindPhrases[kind];
}

/** "vLLM at 127.0.0.1:8000" */
export function serverName(kind: BackendKind, url: string): string {
  return `${backendLabels[kind]} at ${hostPort(url)}`;
}

/** The status a failed endpoint puts the whole backend in. */
export function statusForFailure(failure: EndpointFailure): BackendStatusValue {
  switch (failure.kind) {
    case 'refused':
    case 'timeout':
    case 'network':
    case 'aborted':
      return 'down';
    case 'unauthorized':
      return 'unauthorized';
    default:
      return 'error';
  }
}

/** One sentence for a failed endpoint. `hasKey`: whether an API key was configured for this server. */
export function describeFailure(kind: BackendKind, url: string, failure: EndpointFailure, hasKey: boolean): string {
  const who = serverName(kind, url);
  const label = backendLabels[kind];
  const path = failure.path;
  switch (failure.kind) {
    case 'refused':
      return `${who}: connection refused. Is it running?`;
    case 'timeout':
      return `${who}: ${path} gave ${failure.detail}. Is it overloaded or hung?`;
    case 'network':
      return failure.detail === 'host not found'
        ? `${who}: host not found. Check the address.`
        : `${who}: ${failure.detail} on ${path}. Is it restarting?`;
    case 'aborted':
      return `${who}: the read was cancelled before ${path} answered.`;
    case 'too-large':
      return `${who}: ${path} ${failure.detail}. Is this really ${kindPhrase(kind)}?`;
    case 'unauthorized':
      return hasKey
        ? `${who} needs an API key: it rejected the configured one on ${path} (${failure.detail}). Check --api-key ${url}=TOKEN.`
        : `${who} needs an API key (${path} answered ${failure.detail}). Give it with --api-key ${url}=TOKEN.`;
    case 'not-found':
      return `${who}: ${path} answered HTTP 404. Is another kind of server on this port now?`;
    case 'not-supported':
      return `${who}: ${path} is turned off on this server (HTTP 501).`;
    case 'unavailable':
      return `${who}: ${path} answered HTTP 503 (unavailable). Check the server's log.`;
    case 'http-error':
      return `${who}: ${path} answered ${failure.detail}. Check the server's log.`;
    case 'wrong-content-type':
      return `${who}: ${path} ${failure.detail}. Is another program using this port?`;
    case 'malformed':
      return `${who}: ${path} is not in the shape ${label} sends (${failure.detail}). Is another kind of server on this port, or a version Headroom does not know?`;
  }
}

/** A model with every optional figure unknown. */
export function emptyModel(name: string): LoadedModel {
  return { name, contextLength: null, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null };
}

/** The reading skeleton every collector fills. */
export function newReading(id: string, kind: BackendKind, url: string): BackendReading {
  return { id, kind, url, status: 'up', message: null, version: null, models: [] };
}

/** A reading for a backend that could not be read at all. */
export function failedReading(id: string, kind: BackendKind, url: string, failure: EndpointFailure, hasKey: boolean): BackendReading {
  return {
    ...newReading(id, kind, url),
    status: statusForFailure(failure),
    message: describeFailure(kind, url, failure, hasKey),
  };
}

/** Non-negative integer or null (counts from gauges come as floats: `6.0`). */
export function toCount(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value) || value < 0) return null;
  return Math.round(value);
}

/** "8.0B", "2.5M" from a parameter count. */
export function parameterSizeLabel(count: number | null | undefined): string | null {
  if (count === null || count === undefined || !Number.isFinite(count) || count <= 0) return null;
  const units: Array<[number, string]> = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [size, suffix] of units) {
    if (count >= size) return `${(count / size).toFixed(1)}${suffix}`;
  }
  return String(count);
}

/** Options every collector in this folder takes on top of the shared BackendCollectorOptions. */
export interface CollectorExtras {
  /** Clock for rates and the 401 back-off (tests pass a fake). Defaults to Date.now. */
  now?: () => number;
  /** After a 401, protected paths are asked again only after this long. Default 30 s. */
  authRetryMs?: number;
  /** Body cap per response. Defaults to BACKEND_MAX_BODY_BYTES (2 MiB). */
  maxBodyBytes?: number;
}
