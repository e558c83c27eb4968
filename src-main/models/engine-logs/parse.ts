/**
 * Pure parsers of what an engine logs when it loads a model: llama.cpp (llama-server `--log-file`,
 * LM Studio's and Ollama's embedded llama.cpp, node-llama-cpp) and Ollama's own engine
 * (`msg="kv cache" device=CUDA0 size="936.0 MiB"`). Lines may carry any prefix (timestamps,
 * journald, `[ts] I`), unknown lines are skipped, and a load's figures are what the latest context
 * of that load allocated.
 */

/** One `llama_kv_cache: size = …` (or `llama_memory_recurrent: size = …`) line. */
export interface LoggedCache {
  kind: 'kv' | 'recurrent';
  bytes: number;
  cells: number | null;
  layers: number | null;
  seqs: number | null;
  streams: number | null;
  typeK: string | null;
  kBytes: number | null;
  typeV: string | null;
  vBytes: number | null;
}

/** Bytes one device holds for a load. */
export interface LoggedDevice {
  device: string;
  weightsBytes: number;
  kvBytes: number;
  computeBytes: number;
}

/** One model load found in a log. Bytes are integers; null when the log does not say. */
export interface EngineLoad {
  engine: 'llama.cpp' | 'ollama';
  /** 1-based line of the load's first line within the parsed text. */
  line: number;
  modelPath: string | null;
  modelName: string | null;
  weightsBytes: number | null;
  /** KV cache plus recurrent state of the latest context. */
  kvBytes: number | null;
  recurrentBytes: number | null;
  /** Compute buffers of the latest context, all devices. */
  computeBytes: number | null;
  /** Host output (logits) buffer of the latest context. */
  outputBytes: number | null;
  caches: LoggedCache[];
  devices: LoggedDevice[];
  /** How exact the sizes are: llama.cpp prints MiB to 0.01; Ollama rounds to 3 significant digits. */
  resolutionBytes: number;
  /** llama.cpp build from `build: 7108 (4f2a1c3)` / `system_info` lines, when logged. */
  build: number | null;
}

const MIB = 1048576;
const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: MIB, GiB: 1024 * MIB, TiB: 1024 * 1024 * MIB, KB: 1e3, MB: 1e6, GB: 1e9 };

const mib = (s: string): number => Math.round(Number(s) * MIB);
const human = (n: string, unit: string): number => Math.round(Number(n) * (UNITS[unit] ?? NaN));

const RE = {
  loadLlama: /llama_model_loader: loaded meta data with \d+ key-value pairs and \d+ tensors from (.+?) \(version/,
  loadOllama: /msg="(?:starting runner|starting llama server)" cmd="((?:[^"\\]|\\.)*)"/,
  modelArg: /--model\s+(\S+)/,
  name: /(?:print_info|llm_load_print_meta): general\.name\s*=\s*(.+?)\s*$/,
  build: /(?:^|\s)(?:main: )?build(?: info)?\s*[:=]\s*b?(\d{3,6})\b/,
  weights: /(?:load_tensors|llm_load_tensors):\s+(\S+) (?:model )?buffer size =\s*([\d.]+) MiB/,
  kvSize: /llama_kv_cache\w*: size =\s*([\d.]+) MiB \(\s*(\d+) cells,\s*(\d+) layers,\s*(\d+)\/(\d+) seqs\), K \(([\w.]+)\):\s*([\d.]+) MiB(?:, V \(([\w.]+)\):\s*([\d.]+) MiB)?/,
  kvSelf: /KV self size\s*=\s*([\d.]+) MiB, K \(([\w.]+)\):\s*([\d.]+) MiB, V \(([\w.]+)\):\s*([\d.]+) MiB/,
  kvBuffer: /(?:llama_kv_cache\w*|llama_kv_cache_init):\s+(\S+) KV buffer size =\s*([\d.]+) MiB/,
  rsSize: /llama_memory_recurrent: size =\s*([\d.]+) MiB \(\s*(\d+) cells,\s*(\d+) layers,\s*(\d+) seqs[^)]*\)/,
  rsBuffer: /llama_memory_recurrent:\s+(\S+) RS buffer size =\s*([\d.]+) MiB/,
  compute: /(?:llama_context|llama_new_context_with_model|llama_init_from_model|sched_reserve|graph_reserve):\s+(\S+) compute buffer size =\s*([\d.]+) MiB/,
  output: /(?:llama_context|llama_new_context_with_model|llama_init_from_model):\s+(\S+)\s+output buffer size =\s*([\d.]+) MiB/,
  ollamaMem: /msg="(model weights|kv cache|compute graph)" device=(\S+) size="([\d.]+) (B|KiB|MiB|GiB|TiB)"/,
};

/** Lines that carry a figure: one of them before any load line means the tail starts mid-load. */
const FIGURES = [RE.weights, RE.kvSize, RE.kvSelf, RE.kvBuffer, RE.rsSize, RE.compute, RE.ollamaMem];
/** ANSI colour codes (llama-server's coloured console log), with or without the ESC byte. */
const ANSI = /\x1b?\[\d+(?:;\d+)*m/g;

interface Ctx {
  caches: LoggedCache[];
  kvBuf: Map<string, number>;
  rsBuf: Map<string, number>;
  compute: Map<string, number>;
  output: number | null;
  ollamaKv: Map<string, number>;
  ollamaCompute: Map<string, number>;
  hasCompute: boolean;
}

interface Building {
  engine: 'llama.cpp' | 'ollama';
  line: number;
  modelPath: string | null;
  modelName: string | null;
  weights: Map<string, number>;
  ollamaWeights: Map<string, number>;
  ctx: Ctx;
  build: number | null;
}

const newCtx = (): Ctx => ({ caches: [], kvBuf: new Map(), rsBuf: new Map(), compute: new Map(), output: null, ollamaKv: new Map(), ollamaCompute: new Map(), hasCompute: false });
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** Un-escapes a Go-quoted string (`C:\\models\\x` → `C:\models\x`). */
function unquote(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

/** Parses every model load in `text`, oldest first. Never throws; unknown lines are ignored. */
export function parseEngineLog(text: string): EngineLoad[] {
  const loads: EngineLoad[] = [];
  let cur: Building | null = null;
  let pendingBuild: number | null = null;
  const lines = text.split(/\r?\n/);
  const start = (engine: 'llama.cpp' | 'ollama', line: number, modelPath: string | null) => {
    if (cur) loads.push(finish(cur));
    cur = { engine, line, modelPath, modelName: null, weights: new Map(), ollamaWeights: new Map(), ctx: newCtx(), build: pendingBuild };
  };
  // A context's KV lines after the previous context's compute lines start a new context.
  const kvLine = (b: Building) => {
    if (b.ctx.hasCompute) b.ctx = newCtx();
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (raw.length > 4096) continue;
    const line = raw.includes('[') ? raw.replace(ANSI, '') : raw;
    let m = RE.build.exec(line);
    if (m && !line.includes('llama_model_loader')) {
      pendingBuild = Number(m[1]);
      if (cur) (cur as Building).build = pendingBuild;
    }
    m = RE.loadOllama.exec(line);
    if (m) {
      const cmd = unquote(m[1]!);
      const model = RE.modelArg.exec(cmd);
      start('ollama', i + 1, model ? unquote(model[1]!) : null);
      continue;
    }
    m = RE.loadLlama.exec(line);
    if (m) {
      const b = cur as Building | null;
      // Ollama's runner logs the llama.cpp loader right after "starting runner": same load.
      if (b && b.engine === 'ollama' && b.weights.size === 0 && b.ctx.caches.length === 0 && b.ollamaWeights.size === 0) {
        b.modelPath = b.modelPath ?? m[1]!.trim();
      } else {
        start('llama.cpp', i + 1, m[1]!.trim());
      }
      continue;
    }
    if (!cur) {
      // Figures before any load line (a tail cut mid-load): start an anonymous load.
      if (FIGURES.some((re) => re.test(line))) start(RE.ollamaMem.test(line) ? 'ollama' : 'llama.cpp', i + 1, null);
      else continue;
    }
    const b = cur as unknown as Building;
    if ((m = RE.name.exec(line))) {
      b.modelName = m[1]!;
    } else if ((m = RE.weights.exec(line))) {
      add(b.weights, m[1]!, mib(m[2]!));
    } else if ((m = RE.kvSize.exec(line))) {
      kvLine(b);
      b.ctx.caches.push({
        kind: 'kv', bytes: mib(m[1]!), cells: Number(m[2]), layers: Number(m[3]), seqs: Number(m[4]), streams: Number(m[5]),
        typeK: m[6]!, kBytes: mib(m[7]!), typeV: m[8] ?? null, vBytes: m[9] ? mib(m[9]) : 0,
      });
    } else if ((m = RE.kvSelf.exec(line))) {
      kvLine(b);
      b.ctx.caches.push({ kind: 'kv', bytes: mib(m[1]!), cells: null, layers: null, seqs: null, streams: null, typeK: m[2]!, kBytes: mib(m[3]!), typeV: m[4]!, vBytes: mib(m[5]!) });
    } else if ((m = RE.kvBuffer.exec(line))) {
      kvLine(b);
      add(b.ctx.kvBuf, m[1]!, mib(m[2]!));
    } else if ((m = RE.rsSize.exec(line))) {
      kvLine(b);
      b.ctx.caches.push({ kind: 'recurrent', bytes: mib(m[1]!), cells: Number(m[2]), layers: Number(m[3]), seqs: Number(m[4]), streams: null, typeK: null, kBytes: null, typeV: null, vBytes: null });
    } else if ((m = RE.rsBuffer.exec(line))) {
      kvLine(b);
      add(b.ctx.rsBuf, m[1]!, mib(m[2]!));
    } else if ((m = RE.compute.exec(line))) {
      b.ctx.hasCompute = true;
      add(b.ctx.compute, m[1]!, mib(m[2]!));
    } else if ((m = RE.output.exec(line))) {
      b.ctx.output = (b.ctx.output ?? 0) + mib(m[2]!);
    } else if ((m = RE.ollamaMem.exec(line))) {
      const bytes = human(m[3]!, m[4]!);
      if (!Number.isFinite(bytes)) continue;
      if (m[1] === 'model weights') add(b.ollamaWeights, m[2]!, bytes);
      else if (m[1] === 'kv cache') {
        if (b.ctx.hasCompute) b.ctx = newCtx();
        add(b.ctx.ollamaKv, m[2]!, bytes);
      } else {
        b.ctx.hasCompute = true;
        add(b.ctx.ollamaCompute, m[2]!, bytes);
      }
    }
  }
  if (cur) loads.push(finish(cur));
  return loads.filter((l) => l.weightsBytes !== null || l.kvBytes !== null || l.computeBytes !== null);
}

function finish(b: Building): EngineLoad {
  const c = b.ctx;
  const llamaKv = c.caches.filter((x) => x.kind === 'kv').reduce((a, x) => a + x.bytes, 0);
  const rec = c.caches.filter((x) => x.kind === 'recurrent').reduce((a, x) => a + x.bytes, 0);
  const hasLlama = b.weights.size > 0 || c.caches.length > 0 || c.kvBuf.size > 0 || c.compute.size > 0;
  const useOllama = !hasLlama && (b.ollamaWeights.size > 0 || c.ollamaKv.size > 0 || c.ollamaCompute.size > 0);
  const weights = useOllama ? b.ollamaWeights : b.weights;
  const kvDev = useOllama ? c.ollamaKv : mergeMaps(c.kvBuf, c.rsBuf);
  const compDev = useOllama ? c.ollamaCompute : c.compute;
  let kvBytes: number | null = null;
  if (c.caches.length > 0) kvBytes = llamaKv + rec;
  else if (kvDev.size > 0) kvBytes = sum(kvDev);
  const names = new Set([...weights.keys(), ...kvDev.keys(), ...compDev.keys()]);
  const devices: LoggedDevice[] = [...names].map((device) => ({
    device, weightsBytes: weights.get(device) ?? 0, kvBytes: kvDev.get(device) ?? 0, computeBytes: compDev.get(device) ?? 0,
  }));
  return {
    engine: useOllama ? 'ollama' : b.engine === 'ollama' && hasLlama ? 'ollama' : b.engine,
    line: b.line,
    modelPath: b.modelPath,
    modelName: b.modelName,
    weightsBytes: weights.size ? sum(weights) : null,
    kvBytes,
    recurrentBytes: c.caches.some((x) => x.kind === 'recurrent') ? rec : c.rsBuf.size ? sum(c.rsBuf) : null,
    computeBytes: compDev.size ? sum(compDev) : null,
    outputBytes: c.output,
    caches: c.caches,
    devices,
    resolutionBytes: useOllama ? 0.05 * 1024 * MIB : 0.005 * MIB,
    build: b.build,
  };
}

function mergeMaps(a: Map<string, number>, b: Map<string, number>): Map<string, number> {
  const out = new Map(a);
  for (const [k, v] of b) add(out, k, v);
  return out;
}

/** Path comparison that ignores case and separators (Windows paths in logs, POSIX elsewhere). */
function samePath(a: string, b: string): boolean {
  const n = (s: string) => s.replace(/\\/g, '/').replace(/\/+/g, '/').toLowerCase();
  return n(a) === n(b);
}
const baseName = (p: string) => p.replace(/\\/g, '/').split('/').pop() ?? p;

/**
 * The latest load of a model: by its file path when known, else by name (general.name or the
 * file name containing the served name), else — for a single-model server — the latest load.
 */
export function latestLoadFor(loads: readonly EngineLoad[], model: { path?: string | null; name?: string | null; singleModel?: boolean }): EngineLoad | null {
  const rev = [...loads].reverse();
  if (model.path) {
    const hit = rev.find((l) => l.modelPath && (samePath(l.modelPath, model.path!) || baseName(l.modelPath) === baseName(model.path!)));
    if (hit) return hit;
  }
  if (model.name) {
    const want = model.name.toLowerCase().replace(/:latest$/, '');
    const hit = rev.find((l) => (l.modelName && l.modelName.toLowerCase() === want) || (l.modelPath && baseName(l.modelPath).toLowerCase().includes(want)));
    if (hit) return hit;
  }
  return model.singleModel ? (rev[0] ?? null) : null;
}
