/**
 * `headroom plan [--gpu 24GiB] [--model NAME|--gguf FILE] [--quant Q4_K_M] [--ctx 32k]
 * [--kv f16,q8_0,q4_0] [--users N] [--json]`: for a GPU and a model, what fits — the KV cache and
 * total at the context, the largest context under 90% per KV type, and concurrent users at
 * 4k/8k/32k per user (llama.cpp / Ollama rules).
 */
import { GiB, formatBytes } from '../../../shared/units/bytes';
import { parseKvCacheType, type KvCacheType } from '../../../shared/estimator/ggml-types';
import { llamaCppKvCache } from '../../../shared/estimator/kv-cache';
import { predictForModel } from '../../../shared/estimator/predict';
import { quantNameFromFileType, weightsBytesFromParams } from '../../../shared/estimator/weights';
import { findCatalogModel } from '../../models/catalog';
import { ModelResolver, type ResolvedModel } from '../../models/resolver';
import type { CommandIo } from './estimate';

export interface PlanArgs {
  gpuBytes: number;
  model: string | null;
  gguf: string | null;
  quant: string | null;
  ctxTokens: number;
  kv: KvCacheType[];
  users: number | null;
  json: boolean;
}

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


/** The plan for a resolved model (shared by `headroom plan` and the dashboard's Planner). */
export function computePlan(model: ResolvedModel, args: PlanArgs) {
  const resolved = { value: model };
  const weights = weightsFor(resolved.value, args);
  if (!weights.ok) {
    return { ok: false as const, message: weights.message };
  }
  const arch = resolved.value.architecture;
  const pred = predictForModel(arch, {
    gpuTotalBytes: args.gpuBytes, weightsBytes: weights.bytes, weightsIsEstimate: weights.isEstimate, cacheTypes: args.kv,
    perUserContexts: [4096, 8192, 32768], contextPoints: [args.ctxTokens],
  });
  if (!pred.ok) {
    return { ok: false as const, message: pred.error.message };
  }
  const p = pred.value;
  const atCtx = args.kv.map((t) => {
    const curve = p.curves.find((c) => c.cacheType === t);
    const point = curve?.points[0];
    return {
      cacheType: t, error: curve?.error ?? null, kvBytes: point?.kvBytes ?? null, totalBytes: point?.totalBytes ?? null,
      fits: point ? point.totalBytes <= p.thresholdBytes : false, largestContextTokens: curve?.largestContextTokens ?? null, bytesPerToken: curve?.bytesPerToken ?? null,
    };
  });
  let users: { users: number; perUserContextTokens: number; rows: { cacheType: KvCacheType; kvBytes: number | null; fits: boolean }[] } | null = null;
  if (args.users !== null) {
    const n = args.users;
    users = {
      users: n, perUserContextTokens: args.ctxTokens,
      rows: args.kv.map((t) => {
        const kv = llamaCppKvCache(arch, { contextTokens: args.ctxTokens * n, parallel: n, cacheTypeK: t, cacheTypeV: t });
        const max = p.concurrency.length ? maxUsers(arch, args, weights.bytes, t) : 0;
        return { cacheType: t, kvBytes: kv.ok ? kv.value.bytes : null, fits: max >= n };
      }),
    };
  }
  const result = {
    model: args.model ?? args.gguf, source: resolved.value.source, architecture: arch.architecture, gpuBytes: args.gpuBytes,
    thresholdBytes: p.thresholdBytes, weightsBytes: weights.bytes, weightsIsEstimate: weights.isEstimate, quant: weights.quant,
    overheadBytes: p.overheadBytes, contextTokens: args.ctxTokens, atContext: atCtx, concurrency: p.concurrency, users,
    estimates: p.estimates, notes: p.notes, provenance: p.provenance,
  };
  return { ok: true as const, value: result, prediction: p, weights };
}

/** Result of `computePlan` (the `headroom plan --json` output). */
export type PlanResult = Extract<ReturnType<typeof computePlan>, { ok: true }>['value'];

function maxUsers(arch: ResolvedModel['architecture'], args: PlanArgs, weights: number, t: KvCacheType): number {
  const r = predictForModel(arch, { gpuTotalBytes: args.gpuBytes, weightsBytes: weights, cacheTypes: [t], perUserContexts: [args.ctxTokens], contextPoints: [] });
  return r.ok ? (r.value.concurrency[0]?.maxSequences ?? 0) : 0;
}

function weightsFor(model: ResolvedModel, args: PlanArgs): { ok: true; bytes: number; isEstimate: boolean; quant: string } | { ok: false; message: string } {
  if (model.weightsBytes !== null && args.quant === null) {
    return { ok: true, bytes: model.weightsBytes, isEstimate: false, quant: quantNameFromFileType(model.architecture.fileType) ?? 'from file' };
  }
  const quant = args.quant ?? (args.model ? findCatalogModel(args.model)?.defaultQuant : null) ?? quantNameFromFileType(model.architecture.fileType) ?? 'Q4_K_M';
  const params = model.architecture.parameterCount;
  if (params === null) return { ok: false, message: 'the model has no parameter count, so weights cannot be estimated; pass --gguf FILE' };
  const w = weightsBytesFromParams(params, quant);
  if (!w.ok) return { ok: false, message: `--quant: ${w.error.message}` };
  return { ok: true, bytes: w.value.bytes, isEstimate: true, quant };
}
