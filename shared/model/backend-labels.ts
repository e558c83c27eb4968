import type { BackendKind } from './snapshot';

/** How each kind of LLM server is named in the UI and in messages. */
export const backendKindLabels: Readonly<Record<BackendKind, string>> = {
  ollama: 'Ollama',
  vllm: 'vLLM',
  llamacpp: 'llama.cpp',
  lmstudio: 'LM Studio',
  openai: 'OpenAI-compatible',
};
