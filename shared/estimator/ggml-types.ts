/**
 * GGML tensor type sizes: how many elements one block holds and how many bytes it takes.
 * Source: ggml `type_traits` (mirrored by ollama/ollama `fs/ggml/ggml.go`, `TensorType.BlockSize`
 * and `TypeSize`). See ../shared/reference/memory-model.md §1.1.
 */
import { err, ok, type Result } from '../contract/result.js';

/** One GGML type: its numeric id in GGUF tensor infos, block length in elements and block size in bytes. */
export interface GgmlTypeInfo {
  name: string;
  id: number;
  blockElems: number;
  blockBytes: number;
}

/** Every GGML type Headroom knows, keyed by lower-case name. */
export const GGML_TYPES: Readonly<Record<string, GgmlTypeInfo>> = Object.freeze(
  Object.fromEntries(
    (
      [
        ['f32', 0, 1, 4],
        ['f16', 1, 1, 2],
        ['q4_0', 2, 32, 18],
        ['q4_1', 3, 32, 20],
        ['q5_0', 6, 32, 22],
        ['q5_1', 7, 32, 24],
        ['q8_0', 8, 32, 34],
        ['q8_1', 9, 32, 36],
        ['q2_k', 10, 256, 84],
        ['q3_k', 11, 256, 110],
        ['q4_k', 12, 256, 144],
        ['q5_k', 13, 256, 176],
        ['q6_k', 14, 256, 210],
        ['q8_k', 15, 256, 292],
        ['iq2_xxs', 16, 256, 66],
        ['iq2_xs', 17, 256, 74],
        ['iq3_xxs', 18, 256, 98],
        ['iq1_s', 19, 256, 50],
        ['iq4_nl', 20, 32, 18],
        ['iq3_s', 21, 256, 110],
        ['iq2_s', 22, 256, 82],
        ['iq4_xs', 23, 256, 136],
        ['i8', 24, 1, 1],
        ['i16', 25, 1, 2],
        ['i32', 26, 1, 4],
        ['i64', 27, 1, 8],
        ['f64', 28, 1, 8],
        ['iq1_m', 29, 256, 56],
        ['bf16', 30, 1, 2],
        ['tq1_0', 34, 256, 54],
        ['tq2_0', 35, 256, 66],
        ['mxfp4', 39, 32, 17],
      ] as const
    ).map(([name, id, blockElems, blockBytes]) => [name, { name, id, blockElems, blockBytes }]),
  ),
);

/** The KV cache types llama.cpp accepts for `--cache-type-k/-v` (common/arg.cpp). */
export const KV_CACHE_TYPES = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'iq4_nl'] as const;
/** A KV cache element type, lower case as llama.cpp prints it. */
export type KvCacheType = (typeof KV_CACHE_TYPES)[number];

/** Looks a GGML type up by its GGUF numeric id (tensor info `type`). */
export function ggmlTypeById(id: number): GgmlTypeInfo | undefined {
  return Object.values(GGML_TYPES).find((t) => t.id === id);
}

/**
 * Parses a KV cache type name, case-insensitively (`"Q8_0"`, `"q8_0"`).
 * Error (`bad-request`) when the name is not one llama.cpp allows as a cache type.
 */
export function parseKvCacheType(name: unknown): Result<KvCacheType> {
  if (typeof name !== 'string') return err('bad-request', `cache type must be a string, one of ${KV_CACHE_TYPES.join(', ')}`);
  const lower = name.trim().toLowerCase();
  if ((KV_CACHE_TYPES as readonly string[]).includes(lower)) return ok(lower as KvCacheType);
  return err('bad-request', `unknown KV cache type "${name}": use one of ${KV_CACHE_TYPES.join(', ')}`);
}

/** True for block-quantized types (everything except f32/f16/bf16). Quantized V needs flash attention in llama.cpp. */
export function isQuantizedType(type: KvCacheType): boolean {
  return type !== 'f32' && type !== 'f16' && type !== 'bf16';
}

/**
 * Bytes of one row of `elems` elements of `type` (ggml `ggml_row_size`).
 * Error when `elems` is not a whole number of blocks: llama.cpp refuses such a cache
 * ("K cache type … does not divide n_embd_head_k").
 */
export function rowBytes(type: string, elems: number): Result<number> {
  const info = GGML_TYPES[type.toLowerCase()];
  if (!info) return err('bad-request', `cannot predict: unknown GGML type "${type}"`);
  if (!Number.isInteger(elems) || elems < 0) return err('bad-request', `cannot predict: row width ${elems} is not a whole number of elements`);
  if (elems % info.blockElems !== 0) {
    return err(
      'bad-request',
      `cannot predict: a ${info.name} row needs a multiple of ${info.blockElems} elements, got ${elems} (head dim not divisible by the quant block)`,
    );
  }
  return ok((elems / info.blockElems) * info.blockBytes);
}

/** Bytes per element of a type (block bytes / block elements), e.g. q8_0 → 1.0625. For display and bpw math only. */
export function bytesPerElement(type: string): number | null {
  const info = GGML_TYPES[type.toLowerCase()];
  return info ? info.blockBytes / info.blockElems : null;
}
