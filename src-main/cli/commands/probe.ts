/**
 * `headroom probe --backend [KIND=]URL --model NAME [--from 4k] [--to model-max] [--kv f16,q8_0]
 * [--stop-at 90%] [--min-tokens-per-s 5] [--json] [--yes]`: measures the largest context that
 * really fits (issue 16). Asks before it starts (it loads the GPU and may evict other models),
 * prints progress, stops before harm, restores the server, saves the report in `<data>/probes/`.
 * Exit 0 when the run finished or stopped at a limit, 1 when it failed, 2 on bad usage, 130 on Ctrl+C.
 */
import { createInterface } from 'node:readline/promises';
import { probeRequestSchema, type ProbeReport } from '../../../shared/contract/probe';
import { describeZodError } from '../../../shared/contract/schemas';
import { parseKvCacheType, type KvCacheType } from '../../../shared/estimator/ggml-types';
import { backendKindSchema, type BackendKind } from '../../../shared/model/snapshot';
import { formatBytes } from '../../../shared/units/bytes';
import { identifyBackend } from '../../collectors/backends/discovery';
import { ollamaKvAssumptions } from '../../collectors/backends/ollama/ollama.collector';
import { createGpuSources } from '../../collectors/gpu/gpu-sources';
import { createDriver } from '../../probe/create-driver';
import { pollGpuSources, type GpuWatch } from '../../probe/gpu-watch';
import { runProbe } from '../../probe/loop';
import { newProbeId } from '../../probe/service';
import { ProbeStore } from '../../probe/store';
import { defaultDataDir } from '../../util/data-dir';
import { silentLogger } from '../../util/logger';
import { normalizeUrl } from '../args';
import type { CommandIo } from './estimate';
import { parseTokens } from './plan';

export interface ProbeArgs {
  kind: BackendKind | null;
  url: string;
  model: string;
  fromTokens: number;
  /** null = the model's maximum (or the served context). */
  toTokens: number | null;
  kvTypes: KvCacheType[];
  stopAtPct: number;
  minTokensPerSecond: number;
  generateTokens: number;
  json: boolean;
  yes: boolean;
  apiKey: string | null;
  nvidiaSmiPath: string | null;
  dataDir: string | null;
  gpuId: string | null;
}

type Parsed = { ok: true; value: ProbeArgs } | { ok: false; message: string };

const BOOLEAN_FLAGS = new Set(['--json', '--yes', '-y']);

/** Parses probe's argv (pure). Errors name the flag. */
export function parseProbeArgs(argv: string[]): Parsed {
  const a: ProbeArgs = { kind: null, url: '', model: '', fromTokens: 4096, toTokens: null, kvTypes: [], stopAtPct: 90, minTokensPerSecond: 5, generateTokens: 32, json: false, yes: false, apiKey: null, nvidiaSmiPath: null, dataDir: null, gpuId: null };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (BOOLEAN_FLAGS.has(flag)) {
      if (flag === '--json') a.json = true;
      else a.yes = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) return { ok: false, message: `${flag} needs a value` };
    i++;
    switch (flag) {
      case '--backend': {
        const m = /^([a-z]+)=(.+)$/i.exec(value);
        let raw = value;
        if (m && !/^https?$/i.test(m[1]!)) {
          const k = backendKindSchema.safeParse(m[1]!.toLowerCase());
          if (!k.success) return { ok: false, message: `--backend kind must be one of ${backendKindSchema.options.join(', ')}, got "${m[1]}"` };
          a.kind = k.data;
          raw = m[2]!;
        }
        const url = normalizeUrl(raw);
        if (!url) return { ok: false, message: `--backend needs a URL like ollama=http://127.0.0.1:11434, got "${value}"` };
        a.url = url;
        break;
      }
      case '--model': a.model = value; break;
      case '--from': {
        const t = parseTokens(value);
        if (t === null) return { ok: false, message: `--from: "${value}" is not a token count (try 4k)` };
        a.fromTokens = t;
        break;
      }
      case '--to': {
        if (value === 'model-max' || value === 'max') {
          a.toTokens = null;
          break;
        }
        const t = parseTokens(value);
        if (t === null) return { ok: false, message: `--to: "${value}" is not a token count (try 64k or model-max)` };
        a.toTokens = t;
        break;
      }
      case '--kv': {
        for (const t of value.split(',')) {
          const r = parseKvCacheType(t.trim());
          if (!r.ok) return { ok: false, message: `--kv: ${r.error.message}` };
          a.kvTypes.push(r.value);
        }
        break;
      }
      case '--stop-at': {
        const m = /^(\d+(?:\.\d+)?)%?$/.exec(value.trim());
        const n = m ? Number(m[1]) : NaN;
        if (!(n >= 10 && n <= 100)) return { ok: false, message: `--stop-at: "${value}" must be a percentage from 10 to 100 (e.g. 90%)` };
        a.stopAtPct = n;
        break;
      }
      case '--min-tokens-per-s': {
        const n = Number(value);
        if (!Number.isFinite(n) || n < 0) return { ok: false, message: `--min-tokens-per-s: "${value}" must be a number, 0 or more` };
        a.minTokensPerSecond = n;
        break;
      }
      case '--generate': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 512) return { ok: false, message: `--generate: "${value}" must be a whole number from 1 to 512` };
        a.generateTokens = n;
        break;
      }
      case '--api-key': a.apiKey = value; break;
      case '--nvidia-smi': a.nvidiaSmiPath = value; break;
      case '--data-dir': a.dataDir = value; break;
      case '--gpu': a.gpuId = value; break;
      default:
        return { ok: false, message: `unknown option ${flag}` };
    }
  }
  if (!a.url) return { ok: false, message: '--backend URL is required (e.g. --backend ollama=http://127.0.0.1:11434)' };
  if (!a.model) return { ok: false, message: '--model NAME is required' };
  // The contract's own checks (ranges, from ≤ to), so the CLI and the dashboard refuse the same input.
  const check = probeRequestSchema.safeParse({ backendUrl: a.url, model: a.model, fromTokens: a.fromTokens, toTokens: a.toTokens, stopAtPct: a.stopAtPct, ...(a.gpuId ? { gpuId: a.gpuId } : {}) });
  if (!check.success) return { ok: false, message: describeZodError(check.error).replace(/^(\w+)/, (f) => `--${{ fromTokens: 'from', toTokens: 'to', stopAtPct: 'stop-at', gpuId: 'gpu' }[f] ?? f}`) };
  return { ok: true, value: a };
}

const fmt = (n: number | null | undefined, digits = 0) => (n == null ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const secs = (ms: number | null) => (ms == null ? '' : ms < 90_000 ? `about ${Math.max(1, Math.round(ms / 1000))} s left` : `about ${Math.round(ms / 60_000)} min left`);

/** The report as text: a table, the verdicts and the notes. */
export function formatProbeReport(r: ProbeReport): string {
  const lines: string[] = [];
  const x = r.isContextVaried ? 'context' : 'prompt';
  lines.push(`${r.model} on ${r.backend.kind} (${r.backend.url}), KV ${r.cacheType}${r.gpu ? `, ${r.gpu.name} ${formatBytes(r.gpu.totalBytes)}` : ''}`);
  lines.push('');
  lines.push(`${x.padStart(9)} | prompt tok | peak VRAM     | in VRAM    | predicted  | error  | TTFT ms  | tok/s  | outcome`);
  for (const s of r.steps) {
    const gpuPct = s.peakVramBytes !== null && r.gpu ? ` ${Math.round((s.peakVramBytes / r.gpu.totalBytes) * 100)}%` : '';
    lines.push(
      [
        fmt(s.contextTokens).padStart(9),
        fmt(s.promptTokens).padStart(10),
        `${formatBytes(s.peakVramBytes)}${gpuPct}`.padEnd(13),
        `${formatBytes(s.sizeVramBytes)}${s.isSpilled ? ' SPILL' : ''}`.padEnd(10),
        formatBytes(s.predictedBytes).padEnd(10),
        (s.predictionErrorPct === null ? '—' : `${s.predictionErrorPct > 0 ? '+' : ''}${s.predictionErrorPct.toFixed(1)}%`).padStart(6),
        fmt(s.ttftMs).padStart(8),
        fmt(s.tokensPerSecond, 1).padStart(6),
        s.outcome === 'ok' ? 'ok' : `${s.outcome}: ${s.message ?? ''}`,
      ].join(' | '),
    );
  }
  lines.push('');
  lines.push(`Largest ${x} under ${r.settings.stopAtPct}% at ≥ ${r.settings.minTokensPerSecond} tokens/s: ${r.largestUsableContextTokens === null ? 'none of the steps' : `${fmt(r.largestUsableContextTokens)} tokens`}`);
  lines.push(`Latency knee: ${r.kneeContextTokens === null ? 'none within the steps run' : `${fmt(r.kneeContextTokens)} tokens (time to first token per prompt token grew past 1.5×, or generation halved)`}`);
  lines.push(`Result: ${r.status}${r.stopReason ? ` — ${r.stopReason}` : ''}`);
  if (r.restore) lines.push(`Server: ${r.restore.message}`);
  if (r.restartCommand) lines.push(`To try a larger context, restart the server: ${r.restartCommand}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

async function confirm(io: CommandIo, text: string): Promise<boolean> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    const answer = await rl.question(text);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export interface ProbeCommandDeps {
  /** A GPU watch to use instead of starting the GPU sources (tests). */
  gpu?: GpuWatch | null;
  isTty?: boolean;
  /** Where Ctrl+C is heard; default the process. */
  onInterrupt?: (handler: () => void) => () => void;
}

/** `headroom probe`. */
export async function probeCommand(argv: string[], io: CommandIo, deps: ProbeCommandDeps = {}): Promise<number> {
  const parsed = parseProbeArgs(argv);
  if (!parsed.ok) {
    io.stderr.write(`headroom probe: ${parsed.message}\n`);
    return 2;
  }
  const a = parsed.value;
  const kind = a.kind ?? (await identifyBackend(a.url, { timeoutMs: 3000, apiKey: a.apiKey }));
  if (!kind) {
    io.stderr.write(`headroom probe: no known LLM server answers at ${a.url}. Is it running, and is the port right? (Or name it: --backend ollama=${a.url})\n`);
    return 1;
  }
  const kvTypes = a.kvTypes.length ? a.kvTypes : [kind === 'ollama' ? ollamaKvAssumptions().kvCacheType : 'f16'];
  const what = kind === 'ollama'
    ? `load ${a.model} on Ollama at ${a.url} at contexts from ${fmt(a.fromTokens)} to ${a.toTokens === null ? "the model's maximum" : fmt(a.toTokens)} tokens (this uses the GPU and may evict other models), then put it back as it was`
    : `send prompts of growing size to ${a.model} at ${a.url} up to its served context`;
  if (!a.yes) {
    const tty = deps.isTty ?? Boolean((io.stdin as NodeJS.ReadStream).isTTY);
    if (!tty) {
      io.stderr.write(`headroom probe: this will ${what}. Pass --yes to confirm (there is no terminal to ask).\n`);
      return 2;
    }
    if (!(await confirm(io, `This will ${what}.\nStops at ${a.stopAtPct}% VRAM, the first spill or out-of-memory, or below ${a.minTokensPerSecond} tokens/s. Start? [y/N] `))) {
      io.stderr.write('headroom probe: not started.\n');
      return 0;
    }
  }

  let gpu = deps.gpu ?? null;
  let stopGpu = () => {};
  if (deps.gpu === undefined) {
    const found = await createGpuSources({ intervalMs: 250, logger: silentLogger, ...(a.nvidiaSmiPath ? { paths: { 'nvidia-smi': a.nvidiaSmiPath } } : {}) });
    const polled = pollGpuSources(found.sources, 250);
    gpu = polled.watch;
    stopGpu = () => {
      polled.dispose();
      found.sources.forEach((s) => s.dispose());
    };
    // The first reading (the stream needs a moment to start).
    if (found.sources.length) await polled.watch.nextReading(a.gpuId ?? 'gpu:0', 5000);
  }

  const abort = new AbortController();
  let interrupts = 0;
  const onInterrupt = deps.onInterrupt ?? ((h: () => void) => {
    process.on('SIGINT', h);
    return () => process.off('SIGINT', h);
  });
  const off = onInterrupt(() => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    io.stderr.write('\nCancelling: finishing the current request, then restoring the server (Ctrl+C again to quit at once)…\n');
    abort.abort();
  });
  const progressOut = a.json ? io.stderr : io.stdout;
  let lastLine = '';
  let lastSteps = 0;
  let report: ProbeReport;
  try {
    report = await runProbe({
      id: newProbeId(Date.now()),
      driver: createDriver(kind, a.url, a.model, a.apiKey),
      backend: { kind, url: a.url },
      model: a.model,
      settings: { fromTokens: a.fromTokens, toTokens: a.toTokens, kvTypes, stopAtPct: a.stopAtPct, minTokensPerSecond: a.minTokensPerSecond, generateTokens: a.generateTokens, gpuId: a.gpuId },
      gpu,
      signal: abort.signal,
      onUpdate: (r) => {
        if (r.steps.length > lastSteps) {
          const s = r.steps[r.steps.length - 1]!;
          lastSteps = r.steps.length;
          progressOut.write(`  ${fmt(s.contextTokens)} tokens: ${s.outcome}${s.peakVramBytes !== null ? `, peak ${formatBytes(s.peakVramBytes)}` : ''}${s.ttftMs !== null ? `, TTFT ${fmt(s.ttftMs)} ms` : ''}${s.tokensPerSecond !== null ? `, ${fmt(s.tokensPerSecond, 1)} tokens/s` : ''}${s.isSpilled ? ', SPILLED' : ''}\n`);
        }
        const p = r.progress;
        if (!p) return;
        const line = p.stepCount ? `step ${p.stepIndex}/${p.stepCount}: ${p.phase}${p.etaMs ? ` (${secs(p.etaMs)})` : ''}` : p.phase;
        if (line !== lastLine) progressOut.write(`${line}\n`);
        lastLine = line;
      },
    });
  } finally {
    off();
    stopGpu();
  }
  const dataDir = a.dataDir ?? defaultDataDir();
  let savedAt: string | null = null;
  try {
    savedAt = await new ProbeStore(dataDir, silentLogger).save(report);
  } catch (error) {
    io.stderr.write(`headroom probe: could not save the report in ${dataDir}: ${(error as Error).message}\n`);
  }
  if (a.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    io.stdout.write(`\n${formatProbeReport(report)}`);
    if (savedAt) io.stdout.write(`Saved: ${savedAt}\n`);
  }
  return report.status === 'failed' ? 1 : report.status === 'cancelled' ? 130 : 0;
}
