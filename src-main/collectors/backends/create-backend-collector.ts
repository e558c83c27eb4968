/**
 * The one place a backend kind becomes a collector (kind + options → BackendCollector).
 */
import type { BackendKind } from '../../../shared/model/snapshot';
import type { BackendCollector, BackendCollectorOptions } from '../types';
import { createLlamaCppCollector } from './llamacpp/llamacpp.collector';
import { createLmStudioCollector } from './lmstudio/lmstudio.collector';
import { createOllamaCollector } from './ollama/ollama.collector';
import type { CollectorExtras } from './http/backend-status';
import { createOpenAiCollector } from './openai/openai.collector';
import { createVllmCollector } from './vllm/vllm.collector';

export type CreateBackendCollectorOptions = BackendCollectorOptions & CollectorExtras;

export function createBackendCollector(kind: BackendKind, options: CreateBackendCollectorOptions): BackendCollector {
  switch (kind) {
    case 'ollama':
      return createOllamaCollector(options);
    case 'vllm':
      return createVllmCollector(options);
    case 'llamacpp':
      return createLlamaCppCollector(options);
    case 'lmstudio':
      return createLmStudioCollector(options);
    case 'openai':
      return createOpenAiCollector(options);
  }
}
