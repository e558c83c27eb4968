/**
 * A replay of ggml's graph allocator (ggml/src/ggml-alloc.c, `ggml_gallocr_alloc_graph_impl` over a
 * `ggml_dyn_tallocr`), the code that sizes llama.cpp's compute buffer: inputs first, then every node
 * in graph order, in place onto a parent where the op allows it, each tensor freed once its last
 * consumer has run; a new tensor takes the best-fitting free block, else the end of the buffer. The
 * buffer is the highest offset ever reached. Written from the C source's rules, not its code.
 */

/** One tensor of a graph. Sizes in bytes; `viewOf` makes it a view (no memory of its own). */
export interface GraphTensor {
  name: string;
  /** ggml op, as ggml names it ('MUL_MAT', 'ADD', 'VIEW', …); 'NONE' for leafs. */
  op: string;
  bytes: number;
  srcs: GraphTensor[];
  /** The tensor this one views (own or external); views never allocate. */
  viewOf?: GraphTensor;
  /** Lives in another buffer (weights, the KV cache): never allocated or freed here. */
  external?: boolean;
  /** A graph input (GGML_TENSOR_FLAG_INPUT): allocated before any node. */
  input?: boolean;
  /** A graph output (GGML_TENSOR_FLAG_OUTPUT): never freed, never taken over in place. */
  output?: boolean;
}

/** A graph in ggml's order: `leafs` (tensors without an op) and `nodes` (ops, views included). */
export interface Graph {
  leafs: GraphTensor[];
  nodes: GraphTensor[];
}

/** ggml_op_can_inplace: ops whose result may take over their first fitting parent's memory. */
const INPLACE = new Set([
  'FILL', 'SCALE', 'DIAG_MASK_ZERO', 'DIAG_MASK_INF', 'ADD', 'ADD_ID', 'ADD1', 'SUB', 'MUL', 'DIV', 'SQR', 'SQRT', 'LOG', 'UNARY',
  'ROPE', 'ROPE_BACK', 'SILU_BACK', 'RMS_NORM', 'RMS_NORM_BACK', 'CLAMP', 'SOFT_MAX', 'SOFT_MAX_BACK',
]);

interface FreeBlock {
  offset: number;
  size: number;
}

/** ggml_dyn_tallocr with one chunk (a CPU or CUDA buffer type has no practical size cap). */
class DynAllocator {
  /** Sorted by offset; the last block is the open end of the buffer. */
  private readonly blocks: FreeBlock[] = [{ offset: 0, size: Number.MAX_SAFE_INTEGER }];
  maxSize = 0;

  constructor(private readonly alignment: number) {}

  private align(n: number): number {
    return Math.ceil(n / this.alignment) * this.alignment;
  }

  /** The free blocks and the high-water mark, as text: equal snapshots, equal futures. */
  snapshot(): string {
    return `${this.maxSize}|${this.blocks.map((b) => `${b.offset}+${b.size}`).join(',')}`;
  }

  alloc(bytes: number): number {
    const size = this.align(bytes);
    // Best fit among the blocks before the last (ties: the later one), else the last block.
    let best = -1;
    let bestSize = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.blocks.length - 1; i++) {
      const b = this.blocks[i]!;
      if (b.size >= size && b.size <= bestSize) {
        best = i;
        bestSize = b.size;
      }
    }
    if (best === -1) best = this.blocks.length - 1;
    const block = this.blocks[best]!;
    const offset = block.offset;
    block.offset += size;
    block.size -= size;
    if (block.size === 0) this.blocks.splice(best, 1);
    this.maxSize = Math.max(this.maxSize, offset + size);
    return offset;
  }

  free(offset: number, bytes: number): void {
    const size = this.align(bytes);
    for (let i = 0; i < this.blocks.length; i++) {
      const b = this.blocks[i]!;
      if (b.offset + b.size === offset) {
        b.size += size;
        const next = this.blocks[i + 1];
        if (next && b.offset + b.size === next.offset) {
          b.size += next.size;
          this.blocks.splice(i + 1, 1);
        }
        return;
      }
      if (offset + size === b.offset) {
        b.offset = offset;
        b.size += size;
        const prev = this.blocks[i - 1];
        if (prev && prev.offset + prev.size === b.offset) {
          prev.size += b.size;
          this.blocks.splice(i, 1);
        }
        return;
      }
    }
    let at = 0;
    while (at < this.blocks.length && this.blocks[at]!.offset < offset) at++;
    this.blocks.splice(at, 0, { offset, size });
  }
}

interface State {
  allocated: boolean;
  offset: number;
  children: number;
  views: number;
}

/**
 * The compute buffer ggml-alloc reserves for `graph`, bytes (the allocator's high-water mark).
 * `alignment`: the buffer type's (32 on the CPU, 128–256 on GPUs).
 */
export function simulateGraphAllocation(graph: Graph, alignment = 32): number {
  return replay(graph, alignment, []).peak;
}

/**
 * As {@link simulateGraphAllocation}, plus the allocator's state right after each tensor of
 * `marks` has run (its free blocks, high-water mark and the offset of the mark itself).
 */
export function replay(graph: Graph, alignment: number, marks: readonly GraphTensor[]): { peak: number; states: string[] } {
  const states: string[] = [];
  const markSet = new Set(marks);
  const alloc = new DynAllocator(alignment);
  const st = new Map<GraphTensor, State>();
  const s = (t: GraphTensor): State => {
    let v = st.get(t);
    if (!v) {
      v = { allocated: false, offset: 0, children: 0, views: 0 };
      st.set(t, v);
    }
    return v;
  };
  const allocate = (t: GraphTensor): void => {
    const h = s(t);
    if (t.external || t.viewOf || h.allocated) return;
    h.allocated = true;
    if (INPLACE.has(t.op)) {
      for (const p of t.srcs) {
        const ph = s(p);
        // Only an own, non-view parent (a view is never "own"), not an output, of the same layout.
        if (p.external || p.viewOf || !ph.allocated || p.output || p.bytes !== t.bytes) continue;
        if (ph.children === 1 && ph.views === 0) {
          h.offset = ph.offset;
          ph.allocated = false;
          return;
        }
      }
    }
    h.offset = alloc.alloc(t.bytes);
  };
  const release = (t: GraphTensor): void => {
    if (t.output) return;
    const h = s(t);
    alloc.free(h.offset, t.bytes);
    h.allocated = false;
  };

  for (const leaf of graph.leafs) allocate(leaf);
  for (const node of graph.nodes) {
    if (node.viewOf && node.op !== 'NONE') s(node.viewOf).views++;
    if (node.input) allocate(node);
    for (const src of node.srcs) {
      s(src).children++;
      if (src.input) allocate(src);
    }
  }
  for (const node of graph.nodes) {
    for (const src of node.srcs) allocate(src);
    allocate(node);
    for (const p of node.srcs) {
      const ph = s(p);
      ph.children--;
      if (ph.children !== 0 || ph.views !== 0) continue;
      if (p.viewOf) {
        const vs = s(p.viewOf);
        vs.views--;
        if (vs.views === 0 && vs.children === 0 && vs.allocated && !p.viewOf.external) release(p.viewOf);
      } else if (ph.allocated) {
        release(p);
      }
    }
    if (markSet.has(node)) states.push(`${s(node).offset}|${alloc.snapshot()}`);
  }
  return { peak: alloc.maxSize, states };
}
