/**
 * Built-in architectures of common coding models, as GGUF keys (the shape Ollama's `model_info`
 * has), so the estimator reads them exactly like a real header. Numbers from each model's
 * config.json on Hugging Face. `parameterCount` feeds weights = params × bpw when no file is at hand.
 */

export interface CatalogEntry {
  id: string;
  displayName: string;
  /** Other names people type: Ollama tags, HF repo names. Lower case. */
  aliases: string[];
  /** Quantization most people run (Ollama's default tag). */
  defaultQuant: string;
  modelInfo: Record<string, unknown>;
}

function gguf(arch: string, o: {
  layers: number; embd: number; heads: number; kv: number; ff: number; ctx: number; vocab: number; params: number;
  headDim?: number; window?: number; extra?: Record<string, unknown>;
}): Record<string, unknown> {
  const md: Record<string, unknown> = {
    'general.architecture': arch,
    'general.parameter_count': o.params,
    [`${arch}.block_count`]: o.layers,
    [`${arch}.embedding_length`]: o.embd,
    [`${arch}.attention.head_count`]: o.heads,
    [`${arch}.attention.head_count_kv`]: o.kv,
    [`${arch}.feed_forward_length`]: o.ff,
    [`${arch}.context_length`]: o.ctx,
    [`${arch}.vocab_size`]: o.vocab,
  };
  if (o.headDim !== undefined) {
    md[`${arch}.attention.key_length`] = o.headDim;
    md[`${arch}.attention.value_length`] = o.headDim;
  }
  if (o.window !== undefined) md[`${arch}.attention.sliding_window`] = o.window;
  return { ...md, ...o.extra };
}

const qwen25 = (layers: number, embd: number, heads: number, kv: number, ff: number, ctx: number, params: number) =>
  gguf('qwen2', { layers, embd, heads, kv, ff, ctx, vocab: 152064, params });
const llama3 = (layers: number, embd: number, heads: number, ff: number, params: number) =>
  gguf('llama', { layers, embd, heads, kv: 8, ff, ctx: 131072, vocab: 128256, params });

/** The catalog. Ids are stable; aliases are matched case-insensitively. */
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  { id: 'qwen2.5-coder-7b', displayName: 'Qwen2.5-Coder 7B', aliases: ['qwen2.5-coder:7b', 'qwen/qwen2.5-coder-7b-instruct'], defaultQuant: 'Q4_K_M', modelInfo: qwen25(28, 3584, 28, 4, 18944, 32768, 7_615_616_512) },
  { id: 'qwen2.5-coder-14b', displayName: 'Qwen2.5-Coder 14B', aliases: ['qwen2.5-coder:14b', 'qwen/qwen2.5-coder-14b-instruct'], defaultQuant: 'Q4_K_M', modelInfo: qwen25(48, 5120, 40, 8, 13824, 32768, 14_770_033_664) },
  { id: 'qwen2.5-coder-32b', displayName: 'Qwen2.5-Coder 32B', aliases: ['qwen2.5-coder:32b', 'qwen/qwen2.5-coder-32b-instruct'], defaultQuant: 'Q4_K_M', modelInfo: qwen25(64, 5120, 40, 8, 27648, 32768, 32_763_876_352) },
  { id: 'llama-3.1-8b', displayName: 'Llama 3.1 8B', aliases: ['llama3.1:8b', 'llama3:8b', 'meta-llama/llama-3.1-8b-instruct'], defaultQuant: 'Q4_K_M', modelInfo: llama3(32, 4096, 32, 14336, 8_030_261_248) },
  { id: 'llama-3.3-70b', displayName: 'Llama 3.3 70B', aliases: ['llama3.3:70b', 'llama3.1:70b', 'llama-3.1-70b', 'meta-llama/llama-3.3-70b-instruct'], defaultQuant: 'Q4_K_M', modelInfo: llama3(80, 8192, 64, 28672, 70_553_706_496) },
  { id: 'deepseek-r1-distill-qwen-7b', displayName: 'DeepSeek-R1-Distill-Qwen 7B', aliases: ['deepseek-r1:7b'], defaultQuant: 'Q4_K_M', modelInfo: qwen25(28, 3584, 28, 4, 18944, 131072, 7_615_616_512) },
  { id: 'deepseek-r1-distill-llama-8b', displayName: 'DeepSeek-R1-Distill-Llama 8B', aliases: ['deepseek-r1:8b'], defaultQuant: 'Q4_K_M', modelInfo: llama3(32, 4096, 32, 14336, 8_030_261_248) },
  { id: 'deepseek-r1-distill-qwen-14b', displayName: 'DeepSeek-R1-Distill-Qwen 14B', aliases: ['deepseek-r1:14b'], defaultQuant: 'Q4_K_M', modelInfo: qwen25(48, 5120, 40, 8, 13824, 131072, 14_770_033_664) },
  { id: 'deepseek-r1-distill-qwen-32b', displayName: 'DeepSeek-R1-Distill-Qwen 32B', aliases: ['deepseek-r1:32b'], defaultQuant: 'Q4_K_M', modelInfo: qwen25(64, 5120, 40, 8, 27648, 131072, 32_763_876_352) },
  { id: 'deepseek-r1-distill-llama-70b', displayName: 'DeepSeek-R1-Distill-Llama 70B', aliases: ['deepseek-r1:70b'], defaultQuant: 'Q4_K_M', modelInfo: llama3(80, 8192, 64, 28672, 70_553_706_496) },
  {
    id: 'deepseek-coder-v2-lite', displayName: 'DeepSeek-Coder-V2-Lite 16B (MLA GGUF)', aliases: ['deepseek-coder-v2:16b', 'deepseek-coder-v2'], defaultQuant: 'Q4_0',
    modelInfo: gguf('deepseek2', {
      layers: 27, embd: 2048, heads: 16, kv: 1, ff: 10944, ctx: 163840, vocab: 102400, params: 15_706_484_224,
      extra: {
        'deepseek2.attention.key_length': 576, 'deepseek2.attention.value_length': 512, 'deepseek2.attention.key_length_mla': 192,
        'deepseek2.attention.value_length_mla': 128, 'deepseek2.attention.kv_lora_rank': 512, 'deepseek2.rope.dimension_count': 64,
      },
    }),
  },
  { id: 'codellama-34b', displayName: 'CodeLlama 34B', aliases: ['codellama:34b', 'codellama/codellama-34b-instruct-hf'], defaultQuant: 'Q4_0', modelInfo: gguf('llama', { layers: 48, embd: 8192, heads: 64, kv: 8, ff: 22016, ctx: 16384, vocab: 32000, params: 33_743_970_304 }) },
  { id: 'starcoder2-7b', displayName: 'StarCoder2 7B', aliases: ['starcoder2:7b'], defaultQuant: 'Q4_0', modelInfo: gguf('starcoder2', { layers: 32, embd: 4608, heads: 36, kv: 4, ff: 18432, ctx: 16384, vocab: 49152, params: 7_173_923_840 }) },
  { id: 'starcoder2-15b', displayName: 'StarCoder2 15B', aliases: ['starcoder2:15b'], defaultQuant: 'Q4_0', modelInfo: gguf('starcoder2', { layers: 40, embd: 6144, heads: 48, kv: 4, ff: 24576, ctx: 16384, vocab: 49152, params: 15_957_889_024 }) },
  { id: 'gemma-3-12b', displayName: 'Gemma 3 12B', aliases: ['gemma3:12b', 'google/gemma-3-12b-it'], defaultQuant: 'Q4_K_M', modelInfo: gguf('gemma3', { layers: 48, embd: 3840, heads: 16, kv: 8, ff: 15360, ctx: 131072, vocab: 262208, params: 11_766_034_176, headDim: 256, window: 1024 }) },
  { id: 'gemma-3-27b', displayName: 'Gemma 3 27B', aliases: ['gemma3:27b', 'google/gemma-3-27b-it'], defaultQuant: 'Q4_K_M', modelInfo: gguf('gemma3', { layers: 62, embd: 5376, heads: 32, kv: 16, ff: 21504, ctx: 131072, vocab: 262208, params: 27_009_002_240, headDim: 128, window: 1024 }) },
  { id: 'qwen3-8b', displayName: 'Qwen3 8B', aliases: ['qwen3:8b', 'qwen/qwen3-8b'], defaultQuant: 'Q4_K_M', modelInfo: gguf('qwen3', { layers: 36, embd: 4096, heads: 32, kv: 8, ff: 12288, ctx: 40960, vocab: 151936, params: 8_190_735_360, headDim: 128 }) },
  { id: 'qwen3-30b-a3b', displayName: 'Qwen3 30B-A3B', aliases: ['qwen3:30b', 'qwen3:30b-a3b', 'qwen/qwen3-30b-a3b'], defaultQuant: 'Q4_K_M', modelInfo: gguf('qwen3moe', { layers: 48, embd: 2048, heads: 32, kv: 4, ff: 6144, ctx: 40960, vocab: 151936, params: 30_532_122_624, headDim: 128 }) },
  { id: 'qwen3-32b', displayName: 'Qwen3 32B', aliases: ['qwen3:32b', 'qwen/qwen3-32b'], defaultQuant: 'Q4_K_M', modelInfo: gguf('qwen3', { layers: 64, embd: 5120, heads: 64, kv: 8, ff: 25600, ctx: 40960, vocab: 151936, params: 32_762_123_264, headDim: 128 }) },
  { id: 'gpt-oss-20b', displayName: 'gpt-oss 20B', aliases: ['gpt-oss:20b', 'openai/gpt-oss-20b'], defaultQuant: 'MXFP4_MOE', modelInfo: gguf('gpt-oss', { layers: 24, embd: 2880, heads: 64, kv: 8, ff: 2880, ctx: 131072, vocab: 201088, params: 20_914_757_184, headDim: 64, window: 128 }) },
  { id: 'gpt-oss-120b', displayName: 'gpt-oss 120B', aliases: ['gpt-oss:120b', 'openai/gpt-oss-120b'], defaultQuant: 'MXFP4_MOE', modelInfo: gguf('gpt-oss', { layers: 36, embd: 2880, heads: 64, kv: 8, ff: 2880, ctx: 131072, vocab: 201088, params: 116_829_156_672, headDim: 64, window: 128 }) },
  { id: 'mistral-small-24b', displayName: 'Mistral Small 3.x 24B', aliases: ['mistral-small:24b', 'mistral-small3.1:24b', 'mistral-small3.2:24b', 'mistralai/mistral-small-24b-instruct-2501'], defaultQuant: 'Q4_K_M', modelInfo: gguf('llama', { layers: 40, embd: 5120, heads: 32, kv: 8, ff: 32768, ctx: 131072, vocab: 131072, params: 23_572_403_200, headDim: 128 }) },
];

/** Finds a catalog entry by id, display name or alias (case-insensitive; a trailing `:latest` is ignored). */
export function findCatalogModel(name: string): CatalogEntry | undefined {
  const q = name.trim().toLowerCase().replace(/:latest$/, '');
  return MODEL_CATALOG.find((e) => e.id === q || e.displayName.toLowerCase() === q || e.aliases.includes(q));
}
