/**
 * The worst-case ("reserve") graph llama.cpp builds for one ubatch of a plain Llama-style decoder
 * (src/models/llama.cpp, qwen2.cpp with its Q/K/V biases, qwen3.cpp with its Q/K head norms; all
 * through llm_graph_context::build_attn over llama_kv_cache), tensor by tensor in
 * graph order, for {@link simulateGraphAllocation}. Node order and ops follow what llama.cpp's
 * scheduler prints for such a model (GGML_SCHED_DEBUG=2): the Q, V and K projections expanded
 * first, the K/V rows written into the cache, flash attention or KQ → soft_max → KQV → cont, the
 * output projection, the last layer's rows selected by `inp_out_ids`, the unused `inp_embd` input, the SwiGLU feed-forward, the
 * final norm and the logits. Weights and the KV cache are external; only activations and inputs
 * live in the compute buffer.
 */
import { replay, simulateGraphAllocation, type Graph, type GraphTensor } from './ggml-alloc';

export interface ReserveGraphShape {
  layers: number;
  embd: number;
  ff: number;
  vocab: number;
  heads: number;
  /** n_head_kv × head_dim (K width per token). */
  kvWidthK: number;
  /** n_head_kv × head_dim_v (V width per token; the widest layer's without flash attention). */
  kvWidthV: number;
  headDimK: number;
  headDimV: number;
  /** Q/K/V biases added right after the projections, in place (Qwen2). */
  qkvBias?: boolean;
  /** RMS norms on the Q and K heads before RoPE (Qwen3, Gemma 3): RoPE then runs in place. */
  qkNorm?: boolean;
  /** Gemma 3: embeddings scaled, Q scaled after RoPE, K projected before V, norms after attention and feed-forward. */
  gemma?: boolean;
  /** Per layer: true where the layer reads the sliding-window cache (its own indices and mask). */
  swaLayers?: boolean[];
}

export interface ReserveGraphOptions {
  ubatch: number;
  /** KV cells the mask spans (n_kv = the cache's cells per stream in the reserve graph). */
  cells: number;
  flashAttention: boolean;
  /** Cells per stream of the sliding-window cache (its mask width), when `swaLayers` has any. */
  swaCells?: number | null;
}

/** The reserve graph of a Llama-style model (f32 activations; f16 mask with flash attention). */
export function llamaReserveGraph(m: ReserveGraphShape, o: ReserveGraphOptions): Graph & { layerOutputs: GraphTensor[] } {
  const layerOutputs: GraphTensor[] = [];
  const ub = o.ubatch;
  const leafs: GraphTensor[] = [];
  const nodes: GraphTensor[] = [];
  const input = (name: string, bytes: number): GraphTensor => {
    const t: GraphTensor = { name, op: 'NONE', bytes, srcs: [], input: true };
    leafs.push(t);
    return t;
  };
  const op = (name: string, o2: string, bytes: number, srcs: GraphTensor[], extra: Partial<GraphTensor> = {}): GraphTensor => {
    const t: GraphTensor = { name, op: o2, bytes, srcs, ...extra };
    nodes.push(t);
    return t;
  };
  const view = (name: string, of: GraphTensor): GraphTensor => op(name, 'VIEW', of.bytes, [of], { viewOf: of.viewOf ?? of });
  const f32 = (n: number) => n * ub * 4;
  const q = m.heads * m.headDimK;
  const qv = m.heads * m.headDimV;

  // Inputs, in the order the graph first reaches them (ggml_build_forward_expand is depth first):
  // each is created on first use, so its place among the leafs follows the graph.
  const lazy = (name: string, bytes: number): (() => GraphTensor) => {
    let t: GraphTensor | null = null;
    return () => (t ??= input(name, bytes));
  };
  const cacheInputs = (tag: string, cells: number) => ({
    kIdxs: lazy(`${tag}k_idxs`, ub * 8),
    vIdxs: lazy(`${tag}v_idxs`, o.flashAttention ? ub * 8 : ub * m.kvWidthV * 8),
    mask: lazy(`${tag}kq_mask`, cells * ub * (o.flashAttention ? 2 : 4)),
  });
  const full = cacheInputs('', o.cells);
  const swa = cacheInputs('swa_', o.swaCells ?? o.cells);
  const tokens = input('inp_tokens', ub * 4);
  // build_inp_embd puts both input paths in the graph (ggml_build_forward_select, PR #18550): the
  // embeddings input is allocated like any input and, with no consumer, never freed.
  input('inp_embd', f32(m.embd));
  const pos = lazy('inp_pos', ub * 4);
  const outIds = lazy('inp_out_ids', ub * 4);
  // RMS norm then its weight: in place on a parent with one consumer (not on a view).
  const normed = (name: string, x: GraphTensor): GraphTensor => op(name, 'MUL', x.bytes, [op(`norm(${name})`, 'RMS_NORM', x.bytes, [x])]);

  let inpL = op('embd', 'GET_ROWS', f32(m.embd), [tokens]);
  if (m.gemma) inpL = op('inp_scaled', 'SCALE', f32(m.embd), [inpL]);
  for (let il = 0; il < m.layers; il++) {
    const last = il === m.layers - 1;
    const inputs = m.swaLayers?.[il] ? swa : full;
    const attnNorm = normed(`attn_norm-${il}`, inpL);
    // Projection (+ bias in place), reshape to heads, (+ head norm), RoPE.
    const project = (name: string, width: number): GraphTensor => {
      const mm = op(`${name}-${il}`, 'MUL_MAT', f32(width), [attnNorm]);
      return m.qkvBias ? op(`${name}-${il}`, 'ADD', f32(width), [mm]) : mm;
    };
    const rope = (name: string, x: GraphTensor): GraphTensor => {
      let h = view(`${name} (reshaped)`, x);
      if (m.qkNorm) h = normed(`${name}_normed-${il}`, h);
      return op(`${name}-${il}`, 'ROPE', h.bytes, [h, pos()]);
    };
    let qrope = rope('Qcur', project('Qcur', q));
    if (m.gemma) qrope = op(`Qcur_scaled-${il}`, 'SCALE', qrope.bytes, [qrope]);
    let vr: GraphTensor;
    let krope: GraphTensor;
    if (m.gemma) {
      krope = rope('Kcur', project('Kcur', m.kvWidthK));
      vr = view('Vcur (reshaped)', project('Vcur', m.kvWidthV));
    } else {
      vr = view('Vcur (reshaped)', project('Vcur', m.kvWidthV));
      krope = rope('Kcur', project('Kcur', m.kvWidthK));
    }
    const cacheK: GraphTensor = { name: `cache_k_l${il}`, op: 'NONE', bytes: 0, srcs: [], external: true };
    const cacheV: GraphTensor = { name: `cache_v_l${il}`, op: 'NONE', bytes: 0, srcs: [], external: true };
    op(`cache_k_l${il} (view)`, 'SET_ROWS', 0, [view('Kcur (view)', krope), inputs.kIdxs()], { viewOf: cacheK });
    op(`cache_v_l${il} (view)`, 'SET_ROWS', 0, [view('Vcur (view)', vr), inputs.vIdxs()], { viewOf: cacheV });
    const qperm = view('Qcur (permuted)', qrope);
    const cells = m.swaLayers?.[il] ? (o.swaCells ?? o.cells) : o.cells;
    let attnIn: GraphTensor;
    if (o.flashAttention) {
      const fa = op(`fattn-${il}`, 'FLASH_ATTN_EXT', f32(qv), [qperm, inputs.mask()]);
      attnIn = view('kqv_out', fa);
    } else {
      const kq = op(`kq-${il}`, 'MUL_MAT', cells * ub * m.heads * 4, [qperm]);
      const sm = op(`kq_soft_max-${il}`, 'SOFT_MAX', kq.bytes, [kq, inputs.mask()]);
      const kqv = op(`kqv-${il}`, 'MUL_MAT', f32(qv), [sm]);
      attnIn = op(`kqv_out-${il}`, 'CONT', f32(qv), [view('kqv (permuted)', kqv)]);
    }
    let attnOut = op(`attn_out-${il}`, 'MUL_MAT', f32(m.embd), [attnIn]);
    let ffnInp: GraphTensor;
    if (last) {
      // The last layer keeps only the output rows (inp_out_ids), even when every row is an output.
      attnOut = op('attn_out (rows)', 'GET_ROWS', f32(m.embd), [attnOut, outIds()]);
      if (m.gemma) attnOut = normed(`attn_post_norm-${il}`, attnOut);
      const b = op('inpL (rows)', 'GET_ROWS', f32(m.embd), [inpL, outIds()]);
      ffnInp = op(`ffn_inp-${il}`, 'ADD', f32(m.embd), [attnOut, b]);
    } else {
      if (m.gemma) attnOut = normed(`attn_post_norm-${il}`, attnOut);
      ffnInp = op(`ffn_inp-${il}`, 'ADD', f32(m.embd), [attnOut, inpL]);
    }
    const ffnNorm = normed(`ffn_norm-${il}`, ffnInp);
    const gate = op(`ffn_gate-${il}`, 'MUL_MAT', f32(m.ff), [ffnNorm]);
    const up = op(`ffn_up-${il}`, 'MUL_MAT', f32(m.ff), [ffnNorm]);
    const glu = op(`ffn_glu-${il}`, 'GLU', f32(m.ff), [gate, up]);
    let down = op(`ffn_out-${il}`, 'MUL_MAT', f32(m.embd), [glu]);
    if (m.gemma) down = normed(`ffn_post_norm-${il}`, down);
    inpL = op(`l_out-${il}`, 'ADD', f32(m.embd), [down, ffnInp]);
    layerOutputs.push(inpL);
  }
  const norm = op('norm', 'RMS_NORM', f32(m.embd), [inpL]);
  const resultNorm = op('result_norm', 'MUL', f32(m.embd), [norm], { output: true });
  op('result_output', 'MUL_MAT', f32(m.vocab), [resultNorm], { output: true });
  return { leafs, nodes, layerOutputs };
}

/**
 * ggml-alloc's buffer for the Llama reserve graph, without replaying every layer of a deep model.
 * The middle layers repeat with the period of their kinds (1; 6 for Gemma 3's five sliding-window
 * layers and one global): once the allocator's state after a layer (free blocks, high-water mark,
 * where the layer output sits) equals its state one period earlier, every later cycle ends in the
 * same states, so a graph with as many layers modulo the period, cut short one period after that
 * point, ends with the same layers from the same state and reserves the same bytes. Where no such
 * repeat shows in a short probe, every layer is replayed.
 */
export function llamaComputeBufferBytes(m: ReserveGraphShape, o: ReserveGraphOptions, alignment = 32): number {
  const kinds = m.swaLayers ?? new Array<boolean>(m.layers).fill(false);
  const period = kindPeriod(kinds, m.layers);
  // A probe that can show a repeat one period apart before its final period (where the inputs'
  // last consumers sit and are freed).
  const probeLayers = 3 * period + 3;
  if (period > 0 && m.layers > probeLayers + period) {
    const probe = llamaReserveGraph({ ...m, layers: probeLayers, ...(m.swaLayers ? { swaLayers: kinds.slice(0, probeLayers) } : {}) }, o);
    const r = replay(probe, alignment, probe.layerOutputs);
    for (let i = period; i <= probeLayers - 2 - period; i++) {
      if (r.states[i] !== r.states[i - period]) continue;
      // Steady from layer i: a graph of L' ≡ L (mod period) layers, at least one period past i,
      // ends with the same layers from the same state as the deep one.
      let short = i + period + 2;
      while ((m.layers - short) % period !== 0) short++;
      const swaLayers = m.swaLayers ? [...kinds.slice(0, short - 1), kinds[m.layers - 1]!] : undefined;
      return simulateGraphAllocation(llamaReserveGraph({ ...m, layers: short, ...(swaLayers ? { swaLayers } : {}) }, o), alignment);
    }
  }
  return simulateGraphAllocation(llamaReserveGraph(m, o), alignment);
}

/** The smallest period of the layer kinds over the layers before the last (1 when all alike), 0 if none short enough. */
function kindPeriod(kinds: readonly boolean[], layers: number): number {
  const middle = layers - 1;
  for (let p = 1; p <= 8 && p * 4 < middle; p++) {
    let ok = true;
    for (let il = 0; il + p < middle && ok; il++) ok = kinds[il] === kinds[il + p];
    // The last layer must take its kind from the same cycle.
    if (ok && kinds[layers - 1] === kinds[(layers - 1) % p]) return p;
  }
  return 0;
}
