/** Parses the llama.cpp log lines that say what a context allocated (memory-model.md §2.6). */

export interface KvSizeLine {
  totalMiB: number;
  cells: number;
  layers: number;
  seqMax: number;
  streams: number;
  typeK: string;
  kMiB: number;
  typeV: string | null;
  vMiB: number;
}

export interface ContextLog {
  nCtx: number | null;
  nUbatch: number | null;
  kv: KvSizeLine[];
  /** `llama_memory_recurrent: size = … MiB`, when the model has a recurrent state. */
  recurrentMiB: number | null;
  swaCells: number | null;
  flashAttentionEnabled: boolean | null;
  errors: string[];
}

// llama_kv_cache: size =    0.50 MiB (  1024 cells,   2 layers,  1/1 seqs), K (f16):    0.25 MiB, V (f16):    0.25 MiB
const SIZE_RE = /llama_kv_cache: size =\s*([\d.]+) MiB \(\s*(\d+) cells,\s*(\d+) layers,\s*(\d+)\/(\d+) seqs\), K \((\w+)\):\s*([\d.]+) MiB(?:, V \((\w+)\):\s*([\d.]+) MiB)?/;

/** Reads the lines of one context creation. */
export function parseContextLog(lines: readonly string[]): ContextLog {
  const out: ContextLog = { nCtx: null, nUbatch: null, kv: [], recurrentMiB: null, swaCells: null, flashAttentionEnabled: null, errors: [] };
  for (const line of lines) {
    let m = /llama_context: n_ctx\s+=\s*(\d+)/.exec(line);
    if (m) out.nCtx = Number(m[1]);
    m = /llama_context: n_ubatch\s+=\s*(\d+)/.exec(line);
    if (m) out.nUbatch = Number(m[1]);
    m = /llama_memory_recurrent: size =\s*([\d.]+) MiB/.exec(line);
    if (m) out.recurrentMiB = Number(m[1]);
    m = /creating\s+SWA KV cache, size = (\d+) cells/.exec(line);
    if (m) out.swaCells = Number(m[1]);
    if (/Flash Attention was auto, set to enabled/.test(line)) out.flashAttentionEnabled = true;
    if (/Flash Attention was auto, set to disabled/.test(line)) out.flashAttentionEnabled = false;
    m = SIZE_RE.exec(line);
    if (m) {
      out.kv.push({
        totalMiB: Number(m[1]), cells: Number(m[2]), layers: Number(m[3]), seqMax: Number(m[4]), streams: Number(m[5]),
        typeK: m[6] ?? '', kMiB: Number(m[7]), typeV: m[8] ?? null, vMiB: m[9] ? Number(m[9]) : 0,
      });
    }
  }
  return out;
}

/** True when `bytes` prints as `mib` with llama.cpp's `%.2f` MiB. */
export function matchesLoggedMiB(bytes: number, mib: number): boolean {
  return Math.abs(bytes / 1048576 - mib) <= 0.005 + 1e-9;
}
