import type { BackendKind, BackendReading, GpuReading, SystemMemory } from '../../shared/model/snapshot';
import type { Disposable } from '../../shared/lifecycle/disposable';
import type { ModelArchitecture } from '../../shared/estimator/architecture';
import type { Logger } from '../util/logger';

/** What one read of a source gave: a value, or why there is none (a sentence). Never thrown. */
export type SourceSample<T> =
  | { status: 'ok'; value: T; message?: string | null }
  | { status: 'unavailable' | 'error'; message: string };

/** A GPU memory source (nvidia-smi stream, rocm-smi, Windows counters, …). */
export interface GpuSource extends Disposable {
  /** Stable source id, e.g. `nvidia-smi`, `rocm-smi`. */
  readonly id: string;
  /** Human label for the source list, e.g. "NVIDIA (nvidia-smi)". */
  readonly label: string;
  /** The latest readings. Resolves, never rejects; honours `signal` (aborted on timeout). */
  read(signal: AbortSignal): Promise<SourceSample<GpuReading[]>>;
  /**
   * Optional: stop any long-running child (machine going to sleep, monitoring paused) and start
   * afresh on `resume`, so no watchdog judges a stream that slept "silent" and restarts it.
   */
  suspend?(): void;
  resume?(): void;
  /**
   * Optional: called whenever fresh readings arrive on the source's own cadence (a streaming
   * tool). The monitor runs a tick that is nearly due right then, in the same wake-up.
   */
  onData?(listener: () => void): Disposable;
}

/** System RAM and swap. */
export interface SystemSource {
  readonly id: string;
  read(signal: AbortSignal): Promise<SourceSample<SystemMemory>>;
}

/** Options every backend collector takes. */
export interface BackendCollectorOptions {
  /** Base URL, e.g. `http://127.0.0.1:11434` (no trailing slash). */
  url: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Bearer token, sent only on the paths that need it. */
  apiKey?: string | null;
  logger: Logger;
}

/**
 * One LLM server. `sample` always resolves with a complete BackendReading: a failure becomes
 * `status: 'down' | 'error' | 'unauthorized'` with a message naming the server, the cause
 * and the next step.
 */
export interface BackendCollector extends Disposable {
  readonly id: string;
  readonly kind: BackendKind;
  readonly url: string;
  sample(signal: AbortSignal): Promise<BackendReading>;
  /**
   * The loaded model's architecture as this backend reported it (Ollama `/api/show`), for the
   * memory model's predictions; null when unknown. Cached by the collector, never fetched here.
   */
  architectureOf?(modelName: string): ModelArchitecture | null;
  /** A local GGUF file the model was loaded from (llama.cpp `/props` `model_path`), when known. */
  modelFileOf?(modelName: string): string | null;
}

/** `<kind>@<host>:<port>` */
export function backendId(kind: BackendKind, url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${kind}@${u.hostname}:${port}`;
  } catch {
    return `${kind}@${url}`;
  }
}
