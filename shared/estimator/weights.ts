/**
 * Weight memory: exact from GGUF tensor infos, else parameters × bits per weight of the quant type
 * (memory-model.md §5). Pure block types are exact; `_K_M` / `_K_S` mixes are estimates.
 */
import { err, ok, type Result } from '../contract/result';
import { GGML_TYPES, ggmlTypeById } from './ggml-types';

/** One tensor as a GGUF header lists it: shape in elements and GGML type id. */
export interface TensorInfo {
  name?: string;
  shape: readonly (number | bigint)[];
  /** GGML type id (`ggml_type`), e.g. 12 for Q4_K. */
  type: number;
}

/**
 * Exact weight bytes: Σ (elements / block elements) × block bytes over all tensors.
 * Error when a tensor has an unknown type or a row that is not a whole number of blocks.
 */
export function weightsBytesFromTensors(tensors: readonly TensorInfo[]): Result<number> {
  let total = 0;
  for (const t of tensors) {
    const info = ggmlTypeById(t.type);
    if (!info) return err('bad-request', `cannot predict: tensor ${t.name ?? '?'} has unknown GGML type id ${t.type}`);
    let elems = 1;
    for (const d of t.shape) elems *= Number(d);
    if (!Number.isSafeInteger(elems) || elems % info.blockElems !== 0) {
      return err('bad-request', `cannot predict: tensor ${t.name ?? '?'} has ${elems} elements, not a whole number of ${info.name} blocks`);
    }
    total += (elems / info.blockElems) * info.blockBytes;
  }
  return ok(total);
}

/** Bits per weight of a quantization name, and whether that figure is exact (pure block type) or typical (mix). */
export interface QuantBits {
  name: string;
  bitsPerWeight: number;
  isEstimate: boolean;
}

/** Typical bpw of llama.cpp file types (mixes from published files; §5). Keys are upper case. */
const MIX_BPW: Readonly<Record<string, number>> = {
  Q2_K: 2.96, Q2_K_S: 2.7, Q3_K_S: 3.5, Q3_K_M: 3.91, Q3_K_L: 4.27, Q4_K_S: 4.58, Q4_K_M: 4.85,
  Q5_K_S: 5.54, Q5_K_M: 5.69, IQ2_XXS: 2.06, IQ2_XS: 2.31, IQ2_S: 2.5, IQ2_M: 2.7, IQ3_XXS: 3.06,
  IQ3_XS: 3.3, IQ3_S: 3.44, IQ3_M: 3.66, IQ1_S: 1.56, IQ1_M: 1.75, MXFP4_MOE: 4.25,
  /** AWQ/GPTQ int4, group 128, with fp16 embeddings and head (vLLM). */
  AWQ: 4.16, GPTQ: 4.16,
};

/** llama_ftype (`general.file_type`) → quant name. */
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS',
  21: 'Q2_K_S', 22: 'IQ3_XS', 23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S',
  29: 'IQ2_M', 30: 'IQ4_XS', 31: 'IQ1_M', 32: 'BF16', 36: 'TQ1_0', 37: 'TQ2_0', 38: 'MXFP4_MOE',
};

/** The quant name of a GGUF `general.file_type`, e.g. 15 → `Q4_K_M`; null when unknown. */
export function quantNameFromFileType(fileType: number | null | undefined): string | null {
  if (fileType == null) return null;
  return FILE_TYPES[fileType] ?? null;
}

/**
 * Bits per weight of a quant name (`Q4_K_M`, `q8_0`, `F16`, `AWQ`). Pure GGML block types are exact
 * (`isEstimate: false`); mixes such as Q4_K_M are typical values and `isEstimate: true`.
 */
export function bitsPerWeight(quant: string): Result<QuantBits> {
  const upper = quant.trim().toUpperCase();
  const block = GGML_TYPES[upper.toLowerCase()];
  if (block) return ok({ name: upper, bitsPerWeight: (block.blockBytes * 8) / block.blockElems, isEstimate: false });
  const mix = MIX_BPW[upper];
  if (mix !== undefined) return ok({ name: upper, bitsPerWeight: mix, isEstimate: true });
  return err('bad-request', `unknown quantization "${quant}": use a GGML type (Q8_0, Q4_0, F16…) or a llama.cpp mix (Q4_K_M, Q5_K_M…)`);
}

/**
 * Weight bytes estimated as `parameters × bpw / 8`, rounded up. Always an estimate: embeddings,
 * norms and upgraded tensors make real files differ by a few percent.
 */
export function weightsBytesFromParams(parameterCount: number, quant: string): Result<{ bytes: number; bitsPerWeight: number; isEstimate: true }> {
  if (!Number.isFinite(parameterCount) || parameterCount <= 0) return err('bad-request', `cannot predict: parameter count must be positive, got ${parameterCount}`);
  const b = bitsPerWeight(quant);
  if (!b.ok) return b;
  return ok({ bytes: Math.ceil((parameterCount * b.value.bitsPerWeight) / 8), bitsPerWeight: b.value.bitsPerWeight, isEstimate: true });
}
