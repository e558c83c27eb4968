import { describe, expect, it } from 'vitest';
import { architectureFromGgufMetadata } from './gguf-metadata';
import { architectureFromHfConfig } from './hf-config';

const base = {
  'general.architecture': 'llama', 'llama.block_count': 32, 'llama.embedding_length': 4096,
  'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8,
};
const without = (key: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));

describe('architectureFromGgufMetadata: bad input names the key', () => {
  it.each([
    { name: 'empty object', meta: {}, msg: /missing general\.architecture/ },
    { name: 'unknown architecture', meta: { ...base, 'general.architecture': 'frobnicator' }, msg: /unknown architecture "frobnicator"/ },
    { name: 'no block_count', meta: without('llama.block_count'), msg: /missing llama\.block_count/ },
    { name: 'zero layers', meta: { ...base, 'llama.block_count': 0 }, msg: /llama\.block_count is 0/ },
    { name: 'no head count', meta: without('llama.attention.head_count'), msg: /missing llama\.attention\.head_count/ },
    { name: 'head count 0 and no key_length', meta: { ...base, 'llama.attention.head_count': 0 }, msg: /head_count is 0/ },
    { name: 'embedding not divisible by heads', meta: { ...base, 'llama.attention.head_count': 7 }, msg: /not divisible/ },
    { name: 'string where a number belongs', meta: { ...base, 'llama.block_count': 'lots' }, msg: /llama\.block_count is "lots"/ },
    { name: 'NaN', meta: { ...base, 'llama.block_count': Number.NaN }, msg: /llama\.block_count/ },
    { name: 'negative heads', meta: { ...base, 'llama.attention.head_count_kv': -8 }, msg: /head_count_kv/ },
    { name: 'null array (Ollama without verbose)', meta: { ...base, 'llama.attention.head_count_kv': null }, msg: /verbose/ },
    { name: 'per-layer array of the wrong length', meta: { ...base, 'llama.attention.head_count_kv': [8, 8] }, msg: /2 entries for 32 layers/ },
    { name: 'no embedding and no key_length', meta: without('llama.embedding_length'), msg: /key_length/ },
    { name: 'key_length 0', meta: { ...base, 'llama.attention.key_length': 0 }, msg: /key_length is 0/ },
    { name: 'all layers without KV', meta: { ...base, 'llama.attention.head_count_kv': 0 }, msg: /no layer holds a KV cache/ },
    { name: 'gemma4 without its per-layer SWA pattern', meta: { 'general.architecture': 'gemma4', 'gemma4.block_count': 4, 'gemma4.attention.head_count': 8, 'gemma4.attention.head_count_kv': 2, 'gemma4.attention.key_length': 256, 'gemma4.attention.value_length': 256, 'gemma4.attention.sliding_window': 512 }, msg: /sliding_window_pattern/ },
    { name: 'mamba without ssm keys', meta: { 'general.architecture': 'mamba', 'mamba.block_count': 2, 'mamba.embedding_length': 256 }, msg: /mamba\.ssm\.conv_kernel/ },
  ])('$name', ({ meta, msg }) => {
    const r = architectureFromGgufMetadata(meta);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('bad-request');
      expect(r.error.message).toMatch(/^cannot predict: /);
      expect(r.error.message).toMatch(msg);
    }
  });
});

describe('architectureFromGgufMetadata: layouts', () => {
  it.each([
    { name: 'head_count_kv defaults to head_count (MHA)', meta: without('llama.attention.head_count_kv'), kv: 32, dimK: 128, prov: /default/ },
    { name: 'key_length overrides n_embd / n_head', meta: { ...base, 'llama.attention.key_length': 64, 'llama.attention.value_length': 96 }, kv: 8, dimK: 64, prov: /key_length/ },
    { name: 'uint64 values arrive as bigint', meta: { ...base, 'llama.block_count': 32n }, kv: 8, dimK: 128, prov: /head_count_kv/ },
  ])('$name', ({ meta, kv, dimK }) => {
    const r = architectureFromGgufMetadata(meta);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.layers[0]).toMatchObject({ headCountKv: kv, headDimK: dimK, kind: 'full' });
    expect(r.value.layerCount).toBe(32);
  });

  it('per-layer head_count_kv with zeros (OpenELM/Deci style)', () => {
    const r = architectureFromGgufMetadata({ ...base, 'general.architecture': 'deci', 'deci.block_count': 3, 'deci.embedding_length': 256, 'deci.attention.head_count': 8, 'deci.attention.head_count_kv': [2, 0, 4] });
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.layers.map((l) => [l.kind, l.headCountKv, l.inKvCache])).toEqual([['full', 2, true], ['none', 0, true], ['full', 4, true]]);
  });

  it('MLA GGUF (with *_mla keys) vs legacy deepseek2', () => {
    const mla = architectureFromGgufMetadata({ 'general.architecture': 'deepseek2', 'deepseek2.block_count': 2, 'deepseek2.attention.head_count': 16, 'deepseek2.attention.head_count_kv': 1, 'deepseek2.attention.key_length': 576, 'deepseek2.attention.value_length': 512, 'deepseek2.attention.key_length_mla': 192, 'deepseek2.attention.value_length_mla': 128 });
    const legacy = architectureFromGgufMetadata({ 'general.architecture': 'deepseek2', 'deepseek2.block_count': 2, 'deepseek2.attention.head_count': 16, 'deepseek2.attention.head_count_kv': 16, 'deepseek2.attention.key_length': 192, 'deepseek2.attention.value_length': 128 });
    expect(mla.ok && mla.value.attention).toBe('mla');
    expect(legacy.ok && legacy.value.attention).toBe('mla-legacy');
    expect(legacy.ok && legacy.value.notes.join(' ')).toMatch(/predates MLA/);
  });

  it.each([
    { name: 'gemma2 default window 4096, even layers SWA', meta: { 'general.architecture': 'gemma2', 'gemma2.block_count': 4, 'gemma2.embedding_length': 256, 'gemma2.attention.head_count': 4 }, kinds: ['swa', 'full', 'swa', 'full'], win: 4096 },
    { name: 'gemma3 without sliding_window has no SWA', meta: { 'general.architecture': 'gemma3', 'gemma3.block_count': 6, 'gemma3.embedding_length': 256, 'gemma3.attention.head_count': 4 }, kinds: ['full', 'full', 'full', 'full', 'full', 'full'], win: null },
    { name: 'gemma3 with an explicit pattern period 2', meta: { 'general.architecture': 'gemma3', 'gemma3.block_count': 4, 'gemma3.embedding_length': 256, 'gemma3.attention.head_count': 4, 'gemma3.attention.sliding_window': 512, 'gemma3.attention.sliding_window_pattern': 2 }, kinds: ['swa', 'full', 'swa', 'full'], win: 512 },
    { name: 'per-layer boolean pattern and shared KV (gemma4)', meta: { 'general.architecture': 'gemma4', 'gemma4.block_count': 4, 'gemma4.attention.head_count': 8, 'gemma4.attention.head_count_kv': 2, 'gemma4.attention.key_length': 512, 'gemma4.attention.value_length': 512, 'gemma4.attention.key_length_swa': 256, 'gemma4.attention.value_length_swa': 256, 'gemma4.attention.sliding_window': 512, 'gemma4.attention.sliding_window_pattern': [true, false, true, false], 'gemma4.attention.shared_kv_layers': 2 }, kinds: ['swa', 'full', 'none', 'none'], win: 512 },
  ])('$name', ({ meta, kinds, win }) => {
    const r = architectureFromGgufMetadata(meta);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.layers.map((l) => l.kind)).toEqual(kinds);
    expect(r.value.slidingWindowTokens).toBe(win);
  });
});

describe('architectureFromHfConfig', () => {
  it.each([
    { name: 'Qwen2.5-Coder-7B', cfg: { model_type: 'qwen2', num_hidden_layers: 28, hidden_size: 3584, num_attention_heads: 28, num_key_value_heads: 4, max_position_embeddings: 32768 }, kv: 4, dim: 128 },
    { name: 'Mistral-Small head_dim 128 (not 5120/32 = 160)', cfg: { model_type: 'mistral', num_hidden_layers: 40, hidden_size: 5120, num_attention_heads: 32, num_key_value_heads: 8, head_dim: 128 }, kv: 8, dim: 128 },
    { name: 'Gemma-3 text_config nesting', cfg: { model_type: 'gemma3', text_config: { model_type: 'gemma3_text', num_hidden_layers: 62, hidden_size: 5376, num_attention_heads: 32, num_key_value_heads: 16, head_dim: 128, sliding_window: 1024 } }, kv: 16, dim: 128 },
    { name: 'DeepSeek-V2-Lite MLA', cfg: { model_type: 'deepseek_v2', num_hidden_layers: 27, hidden_size: 2048, num_attention_heads: 16, num_key_value_heads: 16, kv_lora_rank: 512, qk_rope_head_dim: 64, qk_nope_head_dim: 128, v_head_dim: 128 }, kv: 1, dim: 576 },
  ])('$name', ({ cfg, kv, dim }) => {
    const r = architectureFromHfConfig(cfg);
    if (!r.ok) throw new Error(r.error.message);
    const first = r.value.layers.find((l) => l.kind !== 'none');
    expect(first).toMatchObject({ headCountKv: kv, headDimK: dim });
  });
  it.each([
    { name: 'not an object', cfg: 'x', msg: /JSON object/ },
    { name: 'no model_type', cfg: {}, msg: /model_type/ },
    { name: 'unknown model_type', cfg: { model_type: 'bert' }, msg: /unknown architecture "bert"/ },
    { name: 'no layers', cfg: { model_type: 'llama', hidden_size: 4096, num_attention_heads: 32 }, msg: /hfConfig\.num_hidden_layers/ },
  ])('rejects $name', ({ cfg, msg }) => {
    const r = architectureFromHfConfig(cfg);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(msg);
  });
});

describe('vocabulary size', () => {
  const base = { 'general.architecture': 'qwen2', 'qwen2.block_count': 2, 'qwen2.embedding_length': 256, 'qwen2.attention.head_count': 4 };
  it('from vocab_size, else the token list, else the highest special-token id (Ollama without verbose)', () => {
    const v = (m: Record<string, unknown>) => {
      const r = architectureFromGgufMetadata({ ...base, ...m });
      return r.ok ? [r.value.vocabSize, r.value.provenance.vocabSize] : null;
    };
    expect(v({ 'qwen2.vocab_size': 152064 })).toEqual([152064, 'qwen2.vocab_size']);
    expect(v({ 'tokenizer.ggml.tokens': ['a', 'b', 'c'] })).toEqual([3, 'tokenizer.ggml.tokens']);
    expect(v({ 'tokenizer.ggml.tokens': null, 'tokenizer.ggml.eos_token_id': 151645, 'tokenizer.ggml.bos_token_id': 151643 })?.[0]).toBe(151646);
    expect(v({})).toEqual([null, undefined]);
  });
});
