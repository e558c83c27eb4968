import { describe, expect, it } from 'vitest';
import { fieldErrors } from './plan-fields';

describe('fieldErrors', () => {
  it.each([
    { name: 'unknown model', message: 'model: model "nope" is not in Headroom\'s catalog; pass a GGUF file or an Ollama model instead', want: { fields: { model: 'model "nope" is not in Headroom\'s catalog; pass a GGUF file or an Ollama model instead' }, general: null } },
    { name: 'CLI-style quant', message: '--quant: unknown quantization "Q9": use a GGML type', want: { fields: { quant: 'unknown quantization "Q9": use a GGML type' }, general: null } },
    {
      name: 'two zod issues',
      message: 'gpuTotalBytes: must be at least 0.25 GiB; contextTokens: must be at least 256 tokens',
      want: { fields: { gpu: 'must be at least 0.25 GiB', context: 'must be at least 256 tokens' }, general: null },
    },
    { name: 'no field', message: 'the model has no parameter count, so weights cannot be estimated', want: { fields: {}, general: 'the model has no parameter count, so weights cannot be estimated' } },
    { name: 'unknown field', message: '(root): expected object', want: { fields: {}, general: '(root): expected object' } },
  ])('$name', ({ message, want }) => {
    expect(fieldErrors(message)).toEqual(want);
  });
});
