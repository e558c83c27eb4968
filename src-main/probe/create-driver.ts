import type { BackendKind } from '../../shared/model/snapshot';
import { ollamaKvAssumptions } from '../collectors/backends/ollama/ollama.collector';
import type { ProbeDriver } from './driver';
import { FixedContextProbeDriver } from './drivers/fixed-context.driver';
import { OllamaProbeDriver } from './drivers/ollama.driver';

/** The driver for a server kind: Ollama varies the context; the others step the prompt. */
export function createDriver(kind: BackendKind, url: string, model: string, apiKey: string | null = null): ProbeDriver {
  return kind === 'ollama' ? new OllamaProbeDriver({ url, model, numParallel: ollamaKvAssumptions().numParallel }) : new FixedContextProbeDriver({ kind, url, model, apiKey });
}
