/**
 * A minimal GGUF v3 writer for tiny test models (all tensors F32 zeros). Format: ggml/docs/gguf.md —
 * header (magic, version, tensor count, kv count), key/values, tensor infos, padding to
 * `general.alignment` (32), tensor data.
 */

/** A metadata value: numbers are written as u32 unless wrapped, strings as strings, arrays by element kind. */
export type GgufValue =
  | { t: 'u32'; v: number }
  | { t: 'i32'; v: number }
  | { t: 'f32'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'str'; v: string }
  | { t: 'arr-u32'; v: number[] }
  | { t: 'arr-u64'; v: number[] }
  | { t: 'arr-i32'; v: number[] }
  | { t: 'arr-f32'; v: number[] }
  | { t: 'arr-bool'; v: boolean[] }
  | { t: 'arr-str'; v: string[] };

export interface GgufTensorSpec {
  name: string;
  /** ne[0], ne[1], … (ggml order: the first is the row length). */
  dims: number[];
}

const T = { u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10 } as const;
const ALIGN = 32;

class Buf {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function writeValue(out: Buf, value: GgufValue): void {
  switch (value.t) {
    case 'u32': out.u32(T.u32); out.u32(value.v); break;
    case 'i32': out.u32(T.i32); out.i32(value.v); break;
    case 'f32': out.u32(T.f32); out.f32(value.v); break;
    case 'bool': out.u32(T.bool); out.push(Buffer.from([value.v ? 1 : 0])); break;
    case 'str': out.u32(T.str); out.str(value.v); break;
    case 'arr-u32': out.u32(T.arr); out.u32(T.u32); out.u64(value.v.length); value.v.forEach((x) => out.u32(x)); break;
    case 'arr-u64': out.u32(T.arr); out.u32(T.u64); out.u64(value.v.length); value.v.forEach((x) => out.u64(x)); break;
    case 'arr-i32': out.u32(T.arr); out.u32(T.i32); out.u64(value.v.length); value.v.forEach((x) => out.i32(x)); break;
    case 'arr-f32': out.u32(T.arr); out.u32(T.f32); out.u64(value.v.length); value.v.forEach((x) => out.f32(x)); break;
    case 'arr-bool': out.u32(T.arr); out.u32(T.bool); out.u64(value.v.length); out.push(Buffer.from(value.v.map((x) => (x ? 1 : 0)))); break;
    case 'arr-str': out.u32(T.arr); out.u32(T.str); out.u64(value.v.length); value.v.forEach((x) => out.str(x)); break;
  }
}

const pad = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** Serialises a GGUF file with the given metadata and F32 zero tensors. */
export function writeGguf(metadata: Record<string, GgufValue>, tensors: GgufTensorSpec[]): Buffer {
  const out = new Buf();
  out.push(Buffer.from('GGUF', 'ascii'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(Object.keys(metadata).length);
  for (const [key, value] of Object.entries(metadata)) {
    out.str(key);
    writeValue(out, value);
  }
  let offset = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    out.str(t.name);
    out.u32(t.dims.length);
    t.dims.forEach((d) => out.u64(d));
    out.u32(0); // GGML_TYPE_F32
    out.u64(offset);
    const bytes = t.dims.reduce((a, b) => a * b, 1) * 4;
    sizes.push(bytes);
    offset += pad(bytes);
  }
  const headerLen = out.length;
  out.push(Buffer.alloc(pad(headerLen) - headerLen));
  out.push(Buffer.alloc(offset));
  return out.concat();
}
