/** The memory model: pure formulas for weights, KV cache and predictions (memory-model.md). */
export * from './architecture';
export * from './ggml-types';
export * from './gguf-metadata';
export * from './hf-config';
export * from './kv-cache';
export * from './ollama';
export * from './overhead';
export * from './predict';
export * from './vllm';
export * from './weights';
