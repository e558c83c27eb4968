/**
 * `headroom estimate --json`: one JSON request on stdin, one JSON response on stdout. The field names
 * are a contract with outside tools (issue 3 §4). Invalid input exits 2 with a message naming the field.
 */
import { z } from 'zod';
import type { ModelArchitecture } from '../../../shared/estimator/architecture';
import { KV_CACHE_TYPES } from '../../../shared/estimator/ggml-types';
import { architectureFromGgufMetadata } from '../../../shared/estimator/gguf-metadata';
import { architectureFromHfConfig } from '../../../shared/estimator/hf-config';
import { llamaCppRuleSet } from '../../../shared/estimator/engine-build';
import { llamaCppKvCache, type LlamaCppKvOptions } from '../../../shared/estimator/kv-cache';
import { vllmKvCapacity } from '../../../shared/estimator/vllm';
import { quantNameFromFileType, weightsBytesFromParams } from '../../../shared/estimator/weights';

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const kvType = z.enum(KV_CACHE_TYPES);
const posInt = z.number().int().positive();

/** The `estimate` request (contract). */
export const estimateRequestSchema = z
  .object({
    ggufMetadata: z.record(z.string(), z.unknown()).optional(),
    hfConfig: z.record(z.string(), z.unknown()).optional(),
    engine: z.enum(['llama.cpp', 'ollama', 'vllm']).default('llama.cpp'),
    contextLength: z.number().int().nonnegative(),
    parallel: posInt.max(256).default(1),
    kvUnified: z.boolean().default(false),
    cacheTypeK: kvType.default('f16'),
    cacheTypeV: kvType.default('f16'),
    flashAttention: z.boolean().default(true),
    ubatch: posInt.default(512),
    swaFull: z.boolean().default(false),
    blockSize: posInt.optional(),
    gpuMemoryUtilization: z.number().gt(0).lte(1).optional(),
    gpuMemoryTotalBytes: z.number().positive().optional(),
    /** llama.cpp build number whose allocation rules apply (e.g. 4615); absent = the current release. */
    engineBuild: posInt.optional(),
    /** Recurrent-state snapshots per sequence (`n_rs_seq`, speculative decoding); default 0. */
    recurrentSnapshots: z.number().int().nonnegative().max(1024).optional(),
  })
  .strict()
  .refine((r) => (r.ggufMetadata === undefined) !== (r.hfConfig === undefined), { message: 'give exactly one of ggufMetadata or hfConfig', path: ['ggufMetadata'] })
  .refine((r) => r.engine !== 'vllm' || r.gpuMemoryTotalBytes !== undefined, { message: 'required for engine "vllm"', path: ['gpuMemoryTotalBytes'] });

export type EstimateRequest = z.infer<typeof estimateRequestSchema>;

/** The `estimate` response (contract). Bytes are integers. */
export interface EstimateResponse {
  kv: {
    bytes: number;
    kBytes: number;
    vBytes: number;
    cellsPerStream: number;
    streams: number;
    /** Recurrent (SSM / gated-delta-net / RWKV) state, f32; part of `bytes`; 0 for pure transformers. */
    recurrentBytes: number;
    layers: { index: number; kind: 'full' | 'swa' | 'none'; kBytes: number; vBytes: number }[];
  };
  /** The llama.cpp allocation rules used: "current llama.cpp rules" or "llama.cpp b4615 rules" (vLLM: "vLLM"). */
  ruleSet: string;
  bytesPerToken: number;
  weightsBytes: number | null;
  notes: string[];
}

/** Computes the response for a validated request. Error message is a sentence for stderr. */
export function estimate(req: EstimateRequest): { ok: true; value: EstimateResponse } | { ok: false; message: string } {
  const archR = req.ggufMetadata ? architectureFromGgufMetadata(req.ggufMetadata) : architectureFromHfConfig(req.hfConfig);
  if (!archR.ok) return { ok: false, message: archR.error.message };
  const arch = archR.value;
  const notes = [...arch.notes];
  const weights = weightsOf(arch, notes);
  if (req.engine === 'vllm') {
    const cap = vllmKvCapacity(arch, {
      gpuMemoryTotalBytes: req.gpuMemoryTotalBytes ?? 0, gpuMemoryUtilization: req.gpuMemoryUtilization, blockSize: req.blockSize,
      nonKvBytes: weights ?? 0, kvDtypeBytes: req.cacheTypeK === 'f32' ? 4 : req.cacheTypeK === 'f16' || req.cacheTypeK === 'bf16' ? 2 : 1,
      maxModelLenTokens: req.contextLength || undefined,
    });
    if (!cap.ok) return { ok: false, message: cap.error.message };
    const pool = cap.value.numBlocks * cap.value.blockBytes;
    const perLayer = arch.layers.map((l) => {
      const share = l.kind === 'none' ? 0 : (arch.attention === 'mla' ? l.headDimK : Math.max(1, l.headCountKv) * (l.headDimK + l.headDimV)) * cap.value.numBlocks * (req.blockSize ?? 16) * (cap.value.bytesPerToken / perTokenElems(arch));
      return { index: l.index, kind: l.kind, kBytes: Math.round(share), vBytes: 0 };
    });
    notes.push(...cap.value.notes, `vLLM pool: ${cap.value.numBlocks} blocks, ${cap.value.kvTokens} tokens${cap.value.maxConcurrency !== null ? `, max concurrency ${cap.value.maxConcurrency.toFixed(2)}x at ${req.contextLength} tokens` : ''}`);
    if (weights === null) notes.push('weights unknown: the pool assumes no weights, so it is an upper bound');
    else notes.push('non-KV memory counted as weights only; vLLM also subtracts activations and non-torch memory');
    return { ok: true, value: { kv: { bytes: pool, kBytes: pool, vBytes: 0, cellsPerStream: cap.value.kvTokens, streams: 1, recurrentBytes: 0, layers: perLayer }, ruleSet: 'vLLM', bytesPerToken: cap.value.bytesPerToken, weightsBytes: weights, notes } };
  }
  const opts: LlamaCppKvOptions = {
    contextTokens: req.engine === 'ollama' ? req.contextLength * req.parallel : req.contextLength,
    parallel: req.parallel,
    kvUnified: req.engine === 'ollama' ? false : req.kvUnified,
    cacheTypeK: req.cacheTypeK, cacheTypeV: req.cacheTypeV, flashAttention: req.flashAttention, ubatch: req.ubatch, swaFull: req.swaFull,
    engineBuild: req.engineBuild ?? null, recurrentSnapshots: req.recurrentSnapshots,
  };
  if (req.engine === 'ollama') notes.push(`Ollama runs llama-server with -c ${opts.contextTokens} (num_ctx × parallel) -np ${req.parallel}, not unified`);
  const kv = llamaCppKvCache(arch, opts);
  if (!kv.ok) return { ok: false, message: kv.error.message };
  const v = kv.value;
  return {
    ok: true,
    value: {
      kv: { bytes: v.bytes, kBytes: v.kBytes, vBytes: v.vBytes, cellsPerStream: v.cellsPerStream, streams: v.streams, recurrentBytes: v.recurrentBytes, layers: v.layers },
      ruleSet: v.ruleSet,
      bytesPerToken: v.bytesPerToken,
      weightsBytes: weights,
      notes: [
        ...notes, ...v.notes,
        ...(v.recurrentBytes > 0 ? [`includes ${v.recurrentBytes} B of recurrent state (f32)`] : []),
        ...llamaCppRuleSet(req.engineBuild ?? null).differences,
      ],
    },
  };
}

function perTokenElems(arch: ModelArchitecture): number {
  return arch.layers.reduce((a, l) => a + (l.kind === 'none' ? 0 : arch.attention === 'mla' ? l.headDimK : Math.max(1, l.headCountKv) * (l.headDimK + l.headDimV)), 0);
}

function weightsOf(arch: ModelArchitecture, notes: string[]): number | null {
  const quant = quantNameFromFileType(arch.fileType);
  if (arch.parameterCount === null || quant === null) return null;
  const w = weightsBytesFromParams(arch.parameterCount, quant);
  if (!w.ok) return null;
  notes.push(`weightsBytes is an estimate: general.parameter_count × ${w.value.bitsPerWeight} bpw (${quant})`);
  return w.value.bytes;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** `headroom estimate --json`. Exit 0 on success, 2 on invalid input or an impossible prediction. */
export async function estimateCommand(argv: string[], io: CommandIo): Promise<number> {
  const unknown = argv.filter((a) => a !== '--json');
  if (unknown.length > 0 || !argv.includes('--json')) {
    io.stderr.write(`headroom estimate: usage: headroom estimate --json < request.json${unknown.length ? ` (unknown argument ${unknown[0]})` : ''}\n`);
    return 2;
  }
  const text = await readAll(io.stdin);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    io.stderr.write(`headroom estimate: stdin is not JSON (${(e as Error).message})\n`);
    return 2;
  }
  const parsed = estimateRequestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '(request)';
    io.stderr.write(`headroom estimate: invalid field "${field}": ${issue?.message ?? 'invalid'}\n`);
    return 2;
  }
  const r = estimate(parsed.data);
  if (!r.ok) {
    io.stderr.write(`headroom estimate: ${r.message}\n`);
    return 2;
  }
  io.stdout.write(`${JSON.stringify(r.value)}\n`);
  return 0;
}
