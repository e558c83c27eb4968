/**
 * `headroom plan [--gpu 24GiB] [--model NAME|--gguf FILE] [--quant Q4_K_M] [--ctx 32k]
 * [--kv f16,q8_0,q4_0] [--users N] [--json]`: for a GPU and a model, what fits — the KV cache and
 * total at the context, the largest context under 90% per KV type, and concurrent users at
 * 4k/8k/32k per user (llama.cpp / Ollama rules).
 */
import { GiB, formatBytes } from '../../../shared/units/bytes';
import { parseKvCacheType, type KvCacheType } from '../../../shared/estimator/ggml-types';
import { ModelResolver } from '../../models/resolver';
import type { CommandIo } from './estimate';
import { computePlan, type PlanArgs } from '../../models/plan';

export type { PlanArgs, PlanResult } from '../../models/plan';


type Parsed = { ok: true; value: PlanArgs } | { ok: false; message: string };

/** `24GiB`, `24G` and `24` mean GiB; `24GB` means 10^9 bytes; `512MiB` is MiB. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(gib|gb|g|mib|mb|m|tib|tb|t)?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? 'gib').toLowerCase();
  const mult: Record<string, number> = { gib: GiB, g: GiB, gb: 1e9, mib: 2 ** 20, m: 2 ** 20, mb: 1e6, tib: 2 ** 40, t: 2 ** 40, tb: 1e12 };
  const bytes = Math.round(n * (mult[unit] ?? GiB));
  return bytes > 0 ? bytes : null;
}

/** `32k` = 32768, `4096`, `1m` = 1048576. */
export function parseTokens(text: string): number | null {
  const m = /^(\d+)\s*([km])?$/i.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]) * (m[2]?.toLowerCase() === 'k' ? 1024 : m[2]?.toLowerCase() === 'm' ? 1048576 : 1);
  return n > 0 ? n : null;
}

/** Parses plan's argv. Errors name the flag. */
export function parsePlanArgs(argv: string[]): Parsed {
  const a: PlanArgs = { gpuBytes: 24 * GiB, model: null, gguf: null, quant: null, ctxTokens: 32768, kv: ['f16', 'q8_0', 'q4_0'], users: null, json: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--json') {
      a.json = true;
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) return { ok: false, message: `${flag} needs a value` };
    i++;
    switch (flag) {
      case '--gpu': {
        const b = parseSize(value);
        if (b === null) return { ok: false, message: `--gpu: "${value}" is not a size (try 24GiB)` };
        a.gpuBytes = b;
        break;
      }
      case '--model': a.model = value; break;
      case '--gguf': a.gguf = value; break;
      case '--quant': a.quant = value; break;
      case '--ctx': {
        const t = parseTokens(value);
        if (t === null) return { ok: false, message: `--ctx: "${value}" is not a token count (try 32k)` };
        a.ctxTokens = t;
        break;
      }
      case '--kv': {
        const types: KvCacheType[] = [];
        for (const t of value.split(',')) {
          const r = parseKvCacheType(t);
          if (!r.ok) return { ok: false, message: `--kv: ${r.error.message}` };
          types.push(r.value);
        }
        a.kv = types;
        break;
      }
      case '--users': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 256) return { ok: false, message: `--users: "${value}" must be an integer from 1 to 256` };
        a.users = n;
        break;
      }
      case '--engine-build': {
        const n = Number(value.replace(/^b/i, ''));
        if (!Number.isInteger(n) || n < 1 || n > 1_000_000) return { ok: false, message: `--engine-build: "${value}" is not a llama.cpp build number (try 4615)` };
        a.engineBuild = n;
        break;
      }
      default:
        return { ok: false, message: `unknown option ${flag}` };
    }
  }
  if (!a.model && !a.gguf) return { ok: false, message: '--model NAME or --gguf FILE is required' };
  if (a.model && a.gguf) return { ok: false, message: 'give --model or --gguf, not both' };
  return { ok: true, value: a };
}

/** `headroom plan`. Exit 0, 2 on bad arguments or an unknown model, 1 when a file cannot be read. */
export async function planCommand(argv: string[], io: CommandIo, resolver = new ModelResolver()): Promise<number> {
  const parsed = parsePlanArgs(argv);
  if (!parsed.ok) {
    io.stderr.write(`headroom plan: ${parsed.message}\n`);
    return 2;
  }
  const args = parsed.value;
  const resolved = args.gguf ? await resolver.fromGgufFile(args.gguf) : resolver.fromCatalog(args.model as string);
  if (!resolved.ok) {
    io.stderr.write(`headroom plan: ${resolved.error.message}\n`);
    return resolved.error.code === 'bad-request' ? 2 : 1;
  }
  const computed = computePlan(resolved.value, args);
  if (!computed.ok) {
    io.stderr.write(`headroom plan: ${computed.message}\n`);
    return 2;
  }
  const result = computed.value;
  const { prediction: p, weights } = computed;
  const arch = resolved.value.architecture;
  const atCtx = result.atContext;
  const users = result.users;
  if (args.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const lines: string[] = [];
  lines.push(`${result.model} (${arch.architecture}, ${result.source}) on a ${formatBytes(args.gpuBytes)} GPU, threshold 90% = ${formatBytes(p.thresholdBytes)}`);
  lines.push(`allocation rules: ${result.ruleSet}`);
  lines.push(`weights ${formatBytes(weights.bytes)}${weights.isEstimate ? ` (estimate, ${weights.quant})` : ' (exact, from the file)'} + overhead ${formatBytes(p.overheadBytes)} (estimate)`);
  lines.push('');
  lines.push(`KV type | KiB/token | KV at ${args.ctxTokens} | total at ${args.ctxTokens} | fits | largest context under 90%`);
  for (const r of atCtx) {
    if (r.error) {
      lines.push(`${r.cacheType.padEnd(7)} | ${r.error}`);
      continue;
    }
    lines.push(`${r.cacheType.padEnd(7)} | ${((r.bytesPerToken ?? 0) / 1024).toFixed(1).padStart(9)} | ${formatBytes(r.kvBytes).padStart(9)} | ${formatBytes(r.totalBytes).padStart(9)} | ${r.fits ? 'yes ' : 'no  '} | ${r.largestContextTokens === null ? 'nothing fits' : r.largestContextTokens === arch.contextLengthTrain ? `${r.largestContextTokens} (the model's maximum)` : r.largestContextTokens}`);
  }
  lines.push('');
  lines.push(`concurrent users (llama.cpp -np N, split KV): ${args.kv.map((t) => t.padStart(6)).join(' ')}`);
  for (const ctx of [4096, 8192, 32768]) {
    const row = args.kv.map((t) => String(p.concurrency.find((c) => c.perUserContextTokens === ctx && c.cacheType === t)?.maxSequences ?? '—').padStart(6));
    lines.push(`  at ${String(ctx).padStart(5)} tokens per user:             ${row.join(' ')}`);
  }
  if (users) {
    lines.push('');
    for (const r of users.rows) lines.push(`${users.users} users × ${users.perUserContextTokens} tokens, ${r.cacheType}: KV ${formatBytes(r.kvBytes)} — ${r.fits ? 'fits' : 'does not fit'}`);
  }
  lines.push('');
  lines.push(`KV figures are llama.cpp's exact allocation; totals include estimates (${p.estimates.length}): ${p.estimates.join('; ')}`);
  for (const n of p.notes) lines.push(`note: ${n}`);
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
