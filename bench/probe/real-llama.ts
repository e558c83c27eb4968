/**
 * Runs the probe's step loop against the real llama.cpp (node-llama-cpp, CPU) on a tiny generated
 * GGUF: contexts of increasing size, real prompts, real timing; memory per step from llama.cpp's
 * own allocation log, set beside the memory model (exact KV; the compute buffer from the GGUF's graph formula).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import type { ProbeReport } from '../../shared/contract/probe';
import { architectureFromGgufMetadata } from '../../shared/estimator/gguf-metadata';
import { llamaCppKvCache } from '../../shared/estimator/kv-cache';
import { llamaCppComputeBuffer, llamaCppEffectiveUbatch } from '../../shared/estimator/overhead';
import { GpuWatchHub } from '../../src-main/probe/gpu-watch';
import { runProbe } from '../../src-main/probe/loop';
import { writeGguf } from '../accuracy/gguf-writer';
import { buildTinyModel, plainMetadata, type TinySpec } from '../accuracy/tiny-models';
import { NodeLlamaProbeDriver, PROBE_BATCH, type NodeLlamaStepLog } from './node-llama.driver';

export interface RealProbeRow extends NodeLlamaStepLog {
  predictedKvBytes: number | null;
  /** The compute buffer the GGUF's graph formula gives (overhead.ts `llamaCppComputeBuffer`), as the probe's own prediction uses it. */
  predictedComputeBytes: number | null;
}

export interface RealProbeResult {
  report: ProbeReport;
  rows: RealProbeRow[];
}

export const TINY: TinySpec = { name: 'probe-llama', arch: 'llama', layers: 4, embd: 256, heads: 8, kvHeads: 2, contextTrain: 2048 };

export async function probeTinyModel(spec: TinySpec = TINY, options: { fromTokens?: number; budgetBytes?: number; generateTokens?: number } = {}): Promise<RealProbeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-probe-llama-'));
  const log: string[] = [];
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.debug, logger: (_l, m) => void log.push(m) });
  const hub = new GpuWatchHub();
  let ticker: NodeJS.Timeout | null = null;
  try {
    const tiny = buildTinyModel(spec);
    const file = join(dir, `${spec.name}.gguf`);
    writeFileSync(file, writeGguf(tiny.metadata, tiny.tensors));
    const metadata = plainMetadata(tiny);
    const tensors = tiny.tensors.map((t) => ({ name: t.name, shape: t.dims.map((d) => BigInt(d)), type: 0 }));
    const driver = new NodeLlamaProbeDriver({ llama, log, modelPath: file, metadata, tensors, budgetBytes: options.budgetBytes ?? 64 * 2 ** 20, hub });
    ticker = setInterval(() => hub.push([driver.reading()]), 5);
    const report = await runProbe({
      id: 'real-llama', driver, backend: { kind: 'llamacpp', url: 'node-llama-cpp' }, model: spec.name,
      settings: { fromTokens: options.fromTokens ?? 256, toTokens: null, kvTypes: ['f16'], stopAtPct: 100, minTokensPerSecond: 0, generateTokens: options.generateTokens ?? 8, gpuId: null },
      gpu: hub, signal: new AbortController().signal, settleMs: 1000,
    });
    const arch = architectureFromGgufMetadata(metadata);
    const rows = driver.steps.map((s) => {
      if (!arch.ok) return { ...s, predictedKvBytes: null, predictedComputeBytes: null };
      const kv = llamaCppKvCache(arch.value, { contextTokens: s.contextTokens, parallel: 1, kvUnified: false, cacheTypeK: 'f16', cacheTypeV: 'f16', flashAttention: true, ubatch: PROBE_BATCH });
      if (!kv.ok) return { ...s, predictedKvBytes: null, predictedComputeBytes: null };
      const compute = llamaCppComputeBuffer(arch.value, { ubatch: llamaCppEffectiveUbatch(PROBE_BATCH, s.contextTokens), cells: kv.value.cellsPerStream, swaCells: kv.value.swaCellsPerStream, flashAttention: true });
      return { ...s, predictedKvBytes: kv.value.bytes, predictedComputeBytes: compute.bytes };
    });
    return { report, rows };
  } finally {
    if (ticker) clearInterval(ticker);
    await llama.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
