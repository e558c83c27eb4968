/** The planner form's fields, the names the server uses for them, and the suggestion lists. */

export type PlanField = 'gpu' | 'model' | 'quant' | 'context' | 'users';

/** `bad-request` messages start with the field ("model: …", "--quant: …", "gpuTotalBytes: …"). */
const SERVER_FIELDS: Record<string, PlanField> = {
  model: 'model',
  gpuTotalBytes: 'gpu',
  gpu: 'gpu',
  quant: 'quant',
  contextTokens: 'context',
  ctx: 'context',
  users: 'users',
};

/**
 * Splits a `bad-request` message into per-field messages; what names no known field stays general.
 * Zod joins several issues with "; ".
 */
export function fieldErrors(message: string): { fields: Partial<Record<PlanField, string>>; general: string | null } {
  const fields: Partial<Record<PlanField, string>> = {};
  const general: string[] = [];
  for (const part of message.split(/;\s+(?=-{0,2}\w+:)/)) {
    const m = /^-{0,2}(\w+):\s*(.*)$/s.exec(part.trim());
    const field = m ? SERVER_FIELDS[m[1]!] : undefined;
    if (m && field) fields[field] = fields[field] ? `${fields[field]}; ${m[2]!}` : m[2]!;
    else general.push(part.trim());
  }
  return { fields, general: general.length ? general.join('; ') : null };
}

/** GPU memory presets, GiB. */
export const GPU_PRESETS_GIB = [8, 12, 16, 24, 32, 48, 80] as const;

/**
 * Names the server's built-in catalog knows (ids and common aliases). The server validates,
 * so a name missing here still works if the catalog has it.
 */
export const MODEL_SUGGESTIONS = [
  'qwen2.5-coder:7b',
  'qwen2.5-coder:14b',
  'qwen2.5-coder:32b',
  'llama3.1:8b',
  'llama3.3:70b',
  'deepseek-r1:7b',
  'deepseek-r1:8b',
  'deepseek-r1:14b',
  'deepseek-r1:32b',
  'deepseek-r1:70b',
  'deepseek-coder-v2:16b',
  'codellama:34b',
  'starcoder2:7b',
  'starcoder2:15b',
  'gemma3:12b',
  'gemma3:27b',
  'qwen3:8b',
  'qwen3:30b-a3b',
  'qwen3:32b',
  'gpt-oss:20b',
  'gpt-oss:120b',
  'mistral-small:24b',
] as const;

/** Weight quantizations the estimator knows (llama.cpp mixes and GGML types). */
export const QUANT_SUGGESTIONS = ['Q4_K_M', 'Q4_K_S', 'Q5_K_M', 'Q6_K', 'Q8_0', 'Q4_0', 'Q3_K_M', 'IQ4_XS', 'F16', 'BF16', 'MXFP4_MOE', 'AWQ', 'GPTQ'] as const;

/** Context presets, tokens. */
export const CONTEXT_SUGGESTIONS = [2048, 4096, 8192, 16384, 32768, 65536, 131072] as const;
