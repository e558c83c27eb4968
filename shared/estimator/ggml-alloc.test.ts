/**
 * The ggml-alloc replay on small hand-made graphs whose buffer follows from ggml-alloc.c's rules,
 * and on the Llama reserve graph against buffers llama.cpp logged (node-llama-cpp 3.21.1, CPU).
 */
import { describe, expect, it } from 'vitest';
import { simulateGraphAllocation, type GraphTensor } from './ggml-alloc';
import { llamaComputeBufferBytes, llamaReserveGraph } from './reserve-graph';

const K = 1024;
const t = (name: string, op: string, bytes: number, srcs: GraphTensor[] = [], extra: Partial<GraphTensor> = {}): GraphTensor => ({ name, op, bytes, srcs, ...extra });

describe('simulateGraphAllocation', () => {
  it('frees a tensor after its last consumer and reuses the block', () => {
    const a = t('a', 'MUL_MAT', 4 * K);
    const b = t('b', 'MUL_MAT', 4 * K, [a]);
    const c = t('c', 'MUL_MAT', 4 * K, [b]);
    // a + b live together (8K); c takes a's freed block.
    expect(simulateGraphAllocation({ leafs: [], nodes: [a, b, c] })).toBe(8 * K);
  });
  it('runs in place where the op allows it and the parent has one consumer', () => {
    const a = t('a', 'MUL_MAT', 4 * K);
    const b = t('b', 'ADD', 4 * K, [a]);
    const c = t('c', 'RMS_NORM', 4 * K, [b]);
    expect(simulateGraphAllocation({ leafs: [], nodes: [a, b, c] })).toBe(4 * K);
    // MUL_MAT is never in place.
    const d = t('d', 'MUL_MAT', 4 * K, [a]);
    expect(simulateGraphAllocation({ leafs: [], nodes: [a, d] })).toBe(8 * K);
  });
  it('never takes over a view, an output or a parent with two consumers', () => {
    const a = t('a', 'MUL_MAT', 4 * K);
    const v = t('v', 'VIEW', 4 * K, [a], { viewOf: a });
    const r = t('r', 'ROPE', 4 * K, [v]);
    expect(simulateGraphAllocation({ leafs: [], nodes: [a, v, r] })).toBe(8 * K);
    const o = t('o', 'MUL_MAT', 4 * K, [], { output: true });
    const m = t('m', 'MUL', 4 * K, [o]);
    expect(simulateGraphAllocation({ leafs: [], nodes: [o, m] })).toBe(8 * K);
    const x = t('x', 'MUL_MAT', 4 * K);
    const y = t('y', 'ADD', 4 * K, [x]);
    const z = t('z', 'ADD', 4 * K, [y, x]);
    expect(simulateGraphAllocation({ leafs: [], nodes: [x, y, z] })).toBe(8 * K);
  });
  it('best-fits a block into a freed hole, and puts one too large for every hole at the end', () => {
    const input = t('in', 'NONE', 1 * K, [], { input: true });
    const a = t('a', 'MUL_MAT', 2 * K, [input]);
    // in [0,1K), a [1K,3K); in is freed after a, so b (1K) best-fits the 1K hole at 0 ...
    const b = t('b', 'MUL_MAT', 1 * K, [a]);
    // ... and a's block then joins the open end: c (8K) starts at 1K.
    const c = t('c', 'MUL_MAT', 8 * K, [b]);
    expect(simulateGraphAllocation({ leafs: [input], nodes: [a, b, c] })).toBe(9 * K);
    // With a 1K block kept alive at the end, the 2K hole left by a cannot take c: c goes after it.
    const keep = t('keep', 'MUL_MAT', 1 * K, [a]);
    const c2 = t('c2', 'MUL_MAT', 8 * K, [b, keep]);
    expect(simulateGraphAllocation({ leafs: [input], nodes: [a, b, keep, c2] })).toBe(4 * K + 8 * K);
  });
  it('rounds every block up to the buffer alignment', () => {
    const a = t('a', 'MUL_MAT', 10);
    const b = t('b', 'MUL_MAT', 10, [a]);
    expect(simulateGraphAllocation({ leafs: [], nodes: [a, b] }, 32)).toBe(64);
  });
});

describe('Llama reserve graph', () => {
  const shape = (layers: number, embd: number, ff: number, vocab: number, heads: number, kvHeads: number, headDim: number) => ({
    layers, embd, ff, vocab, heads, kvWidthK: kvHeads * headDim, kvWidthV: kvHeads * headDim, headDimK: headDim, headDimV: headDim,
  });
  const MiB = 1048576;
  it.each([
    // llama-vocab8k (2 × 256, ff 512, 8192 tokens): where the phase formula missed by 5–10%.
    { s: shape(2, 256, 512, 8192, 4, 2, 64), ub: 1024, cells: 1024, fa: true, mib: 39.03 },
    { s: shape(2, 256, 512, 8192, 4, 2, 64), ub: 512, cells: 1024, fa: false, mib: 17.5 },
    // the real-llama probe model (4 × 256, 8 heads, 264 tokens) at 512 and 256 tokens.
    { s: shape(4, 256, 512, 264, 8, 2, 32), ub: 512, cells: 512, fa: true, mib: 5.01 },
    { s: shape(4, 256, 512, 264, 8, 2, 32), ub: 256, cells: 256, fa: true, mib: 2.38 },
  ])('$s.layers layers, n_ubatch $ub, $cells cells, FA $fa: $mib MiB as llama.cpp logged', ({ s, ub, cells, fa, mib }) => {
    const bytes = simulateGraphAllocation(llamaReserveGraph(s, { ubatch: ub, cells, flashAttention: fa }));
    expect(Math.abs(bytes / MiB - mib)).toBeLessThanOrEqual(0.005);
  });
});

describe('steady-state shortcut for deep models', () => {
  it.each([
    { layers: 32, embd: 4096, ff: 14336, vocab: 128256, heads: 32, kvHeads: 8, ub: 512, cells: 8192, fa: true },
    { layers: 80, embd: 8192, ff: 28672, vocab: 128256, heads: 64, kvHeads: 8, ub: 2048, cells: 32768, fa: false },
    { layers: 16, embd: 2048, ff: 8192, vocab: 32000, heads: 32, kvHeads: 4, ub: 128, cells: 1024, fa: true },
  ])('$layers layers, n_ubatch $ub, $cells cells, FA $fa: the same bytes as replaying every layer', ({ layers, embd, ff, vocab, heads, kvHeads, ub, cells, fa }) => {
    const hd = embd / heads;
    const m = { layers, embd, ff, vocab, heads, kvWidthK: kvHeads * hd, kvWidthV: kvHeads * hd, headDimK: hd, headDimV: hd };
    const o = { ubatch: ub, cells, flashAttention: fa };
    expect(llamaComputeBufferBytes(m, o)).toBe(simulateGraphAllocation(llamaReserveGraph(m, o)));
  });
});
