/**
 * Reads a model architecture from a Hugging Face `config.json` (what vLLM loads) by translating it
 * to the GGUF keys llama.cpp's converter would write, then applying the GGUF rules.
 */
import { err, type Result } from '../contract/result';
import type { ModelArchitecture } from './architecture';
import { architectureFromGgufMetadata } from './gguf-metadata';

/** HF `model_type` → GGUF `general.architecture`. */
const MODEL_TYPES: Readonly<Record<string, string>> = {
  llama: 'llama', mistral: 'llama', mixtral: 'llama', qwen2: 'qwen2', qwen2_moe: 'qwen2moe', qwen3: 'qwen3', qwen3_moe: 'qwen3moe',
  gemma: 'gemma', gemma2: 'gemma2', gemma3: 'gemma3', gemma3_text: 'gemma3', starcoder2: 'starcoder2', phi3: 'phi3',
  deepseek_v2: 'deepseek2', deepseek_v3: 'deepseek2', gpt_oss: 'gpt-oss', cohere2: 'cohere2', granite: 'granite',
  olmo2: 'olmo2', olmo3: 'olmo2', exaone: 'exaone', exaone4: 'exaone4', internlm2: 'internlm2', mistral3: 'llama', ministral: 'llama',
  qwen3_next: 'qwen3next', qwen3_5: 'qwen35', qwen3_5_moe: 'qwen35moe', gemma3n: 'gemma3n', gemma3n_text: 'gemma3n',
};

type Json = Record<string, unknown>;

/**
 * Builds a {@link ModelArchitecture} from an HF config. Multimodal configs are read from their
 * `text_config`. Errors (`cannot predict: …`, naming the field) on an unknown `model_type` or missing keys.
 */
export function architectureFromHfConfig(config: unknown): Result<ModelArchitecture> {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return err('bad-request', 'cannot predict: hfConfig must be a JSON object');
  const outer = config as Json;
  const text = typeof outer.text_config === 'object' && outer.text_config !== null ? { ...outer, ...(outer.text_config as Json) } : outer;
  const modelType = typeof text.model_type === 'string' ? text.model_type : undefined;
  if (!modelType) return err('bad-request', 'cannot predict: missing model_type in hfConfig');
  const arch = MODEL_TYPES[modelType];
  if (!arch) return err('bad-request', `cannot predict: unknown architecture "${modelType}" (hfConfig.model_type)`);
  const md: Record<string, unknown> = { 'general.architecture': arch };
  const put = (key: string, v: unknown) => {
    if (v !== undefined && v !== null) md[`${arch}.${key}`] = v;
  };
  put('block_count', text.num_hidden_layers);
  put('embedding_length', text.hidden_size);
  put('attention.head_count', text.num_attention_heads);
  put('attention.head_count_kv', text.num_key_value_heads ?? text.num_attention_heads);
  put('context_length', text.max_position_embeddings);
  put('feed_forward_length', text.intermediate_size);
  put('vocab_size', text.vocab_size);
  put('attention.key_length', text.head_dim);
  put('attention.value_length', text.head_dim);
  if (arch === 'deepseek2' && typeof text.kv_lora_rank === 'number' && typeof text.qk_rope_head_dim === 'number') {
    // vLLM always runs DeepSeek-V2/V3 with MLA: one latent+rope row per layer (MLAAttentionSpec).
    put('attention.head_count_kv', 1);
    put('attention.key_length', text.kv_lora_rank + text.qk_rope_head_dim);
    put('attention.value_length', text.kv_lora_rank);
    put('attention.key_length_mla', Number(text.qk_nope_head_dim ?? 0) + text.qk_rope_head_dim);
    put('attention.value_length_mla', text.v_head_dim);
    put('attention.kv_lora_rank', text.kv_lora_rank);
    put('rope.dimension_count', text.qk_rope_head_dim);
  }
  if (Array.isArray(text.layer_types) && text.layer_types.some((t) => t === 'sliding_attention' || t === 'chunked_attention')) {
    put('attention.sliding_window_pattern', text.layer_types.map((t) => t === 'sliding_attention' || t === 'chunked_attention'));
  } else if (typeof text.sliding_window_pattern === 'number') {
    put('attention.sliding_window_pattern', text.sliding_window_pattern);
  }
  if (typeof text.linear_num_value_heads === 'number' && typeof text.linear_value_head_dim === 'number') {
    // Gated delta net (Qwen3-Next, Qwen3.5/3.6): the converter's ssm.* keys.
    put('ssm.conv_kernel', text.linear_conv_kernel_dim);
    put('ssm.state_size', text.linear_key_head_dim);
    put('ssm.group_count', text.linear_num_key_heads);
    put('ssm.inner_size', text.linear_num_value_heads * text.linear_value_head_dim);
    put('ssm.time_step_rank', text.linear_num_value_heads);
    put('full_attention_interval', text.full_attention_interval);
    if (Array.isArray(text.layer_types)) put('attention.recurrent_layers', text.layer_types.map((t) => t === 'linear_attention'));
  }
  put('attention.shared_kv_layers', text.num_kv_shared_layers);
  const swaArchs = new Set(['gemma2', 'gemma3', 'gemma3n', 'gpt-oss', 'cohere2', 'olmo2', 'exaone4']);
  if (swaArchs.has(arch)) put('attention.sliding_window', text.sliding_window);
  const r = architectureFromGgufMetadata(md);
  if (!r.ok) {
    // Name HF fields rather than the GGUF keys they were mapped to.
    const msg = r.error.message
      .replace(`${arch}.block_count`, 'hfConfig.num_hidden_layers')
      .replace(`${arch}.attention.head_count_kv`, 'hfConfig.num_key_value_heads')
      .replace(`${arch}.attention.head_count`, 'hfConfig.num_attention_heads')
      .replace(`${arch}.embedding_length`, 'hfConfig.hidden_size');
    return err('bad-request', msg);
  }
  const provenance = Object.fromEntries(Object.entries(r.value.provenance).map(([k, v]) => [k, `hfConfig (as ${v})`]));
  return { ok: true, value: { ...r.value, provenance } };
}
