import { describe, expect, it } from 'vitest';
import { bytesPerElement, parseKvCacheType, rowBytes } from './ggml-types';
import { bitsPerWeight, quantNameFromFileType, weightsBytesFromParams, weightsBytesFromTensors } from './weights';

describe('rowBytes', () => {
  it.each([
    { type: 'f32', n: 128, want: 512 }, { type: 'f16', n: 128, want: 256 }, { type: 'bf16', n: 128, want: 256 },
    { type: 'q8_0', n: 128, want: 136 }, { type: 'q4_0', n: 128, want: 72 }, { type: 'q4_1', n: 128, want: 80 },
    { type: 'q5_0', n: 128, want: 88 }, { type: 'q5_1', n: 128, want: 96 }, { type: 'iq4_nl', n: 128, want: 72 },
    { type: 'Q4_K', n: 256, want: 144 }, { type: 'q6_k', n: 512, want: 420 }, { type: 'mxfp4', n: 64, want: 34 },
    { type: 'f16', n: 0, want: 0 },
  ])('$type × $n = $want B', ({ type, n, want }) => {
    expect(rowBytes(type, n)).toEqual({ ok: true, value: want });
  });
  it.each([
    { name: 'q8_0 of 80 elements', type: 'q8_0', n: 80 }, { name: 'unknown type', type: 'q7_0', n: 32 },
    { name: 'fractional width', type: 'f16', n: 1.5 }, { name: 'negative width', type: 'f16', n: -32 },
  ])('rejects $name', ({ type, n }) => {
    expect(rowBytes(type, n).ok).toBe(false);
  });
  it('bytes per element: q8_0 1.0625, q4_0 0.5625', () => {
    expect([bytesPerElement('q8_0'), bytesPerElement('q4_0'), bytesPerElement('nope')]).toEqual([1.0625, 0.5625, null]);
  });
});

describe('parseKvCacheType', () => {
  it.each([
    { input: 'Q8_0', want: { ok: true, value: 'q8_0' } },
    { input: ' f16 ', want: { ok: true, value: 'f16' } },
  ])('$input', ({ input, want }) => {
    expect(parseKvCacheType(input)).toEqual(want);
  });
  it.each([{ input: 'q4_k' }, { input: 'fp8' }, { input: 8 }, { input: null }])('rejects $input', ({ input }) => {
    expect(parseKvCacheType(input).ok).toBe(false);
  });
});

describe('weights', () => {
  it('exact bytes from tensor infos', () => {
    const r = weightsBytesFromTensors([
      { name: 'a', shape: [4096, 4096], type: 12 }, // Q4_K
      { name: 'b', shape: [4096n, 2n], type: 0 }, // F32, bigint dims
    ]);
    expect(r).toEqual({ ok: true, value: (4096 * 4096 / 256) * 144 + 4096 * 2 * 4 });
  });
  it.each([
    { name: 'unknown type id', t: { shape: [32], type: 99 } },
    { name: 'partial block', t: { shape: [100], type: 8 } },
  ])('rejects $name', ({ t }) => {
    expect(weightsBytesFromTensors([t]).ok).toBe(false);
  });
  it.each([
    { q: 'Q8_0', bpw: 8.5, est: false }, { q: 'q4_0', bpw: 4.5, est: false }, { q: 'F16', bpw: 16, est: false },
    { q: 'Q6_K', bpw: 6.5625, est: false }, { q: 'Q4_K_M', bpw: 4.85, est: true }, { q: 'MXFP4', bpw: 4.25, est: false },
  ])('$q = $bpw bpw', ({ q, bpw, est }) => {
    const r = bitsPerWeight(q);
    expect(r.ok && [r.value.bitsPerWeight, r.value.isEstimate]).toEqual([bpw, est]);
  });
  it('params × bpw, always an estimate; bad input rejected', () => {
    expect(weightsBytesFromParams(8e9, 'Q8_0')).toEqual({ ok: true, value: { bytes: 8.5e9, bitsPerWeight: 8.5, isEstimate: true } });
    expect(weightsBytesFromParams(0, 'Q8_0').ok).toBe(false);
    expect(weightsBytesFromParams(8e9, 'Q9_Z').ok).toBe(false);
  });
  it('file types', () => {
    expect([quantNameFromFileType(15), quantNameFromFileType(7), quantNameFromFileType(999), quantNameFromFileType(null)]).toEqual(['Q4_K_M', 'Q8_0', null, null]);
  });
});
