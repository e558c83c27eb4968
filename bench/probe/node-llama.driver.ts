/**
 * A probe driver over the real llama.cpp (node-llama-cpp, CPU): each step creates a context of
 * the step's size on a loaded GGUF, sends a real prompt that fills it and generates tokens, timed
 * by the wall clock. Memory per step is what llama.cpp logged it allocated (KV cache + compute
 * buffer) plus the model's weights, and it is published as the "GPU" stream so the probe loop
 * measures and stops exactly as it does against a server.
 */
import type { Llama, LlamaContext, LlamaModel } from 'node-llama-cpp';
import { err, ok, type Result } from '../../shared/contract/result';
import { architectureFromGgufMetadata } from '../../shared/estimator/gguf-metadata';
import { weightsBytesFromTensors } from '../../shared/estimator/weights';
import type { GpuReading } from '../../shared/model/snapshot';
import { MiB } from '../../shared/units/bytes';
import { emptyMeasure, type DriverInfo, type ProbeDriver, type StepMeasure, type StepPlan } from '../../src-main/probe/driver';
import { PromptSizer } from '../../src-main/probe/filler';
import type { GpuWatchHub } from '../../src-main/probe/gpu-watch';
import { parseContextLog } from '../accuracy/llama-log';

/** Batch (= n_ubatch) of every probe context, so the prediction's graph matches the engine's. */
export const PROBE_BATCH = 512;

export interface NodeLlamaStepLog {
  contextTokens: number;
  /** What llama.cpp logged: KV cache (sum of caches) and compute buffer, bytes (from MiB with 2 decimals). */
  kvBytes: number;
  computeBytes: number;
  weightsBytes: number;
}

export interface NodeLlamaDriverOptions {
  llama: Llama;
  /** llama.cpp's log lines (the caller's logger appends to it). */
  log: string[];
  modelPath: string;
  metadata: Record<string, unknown>;
  tensors: { name: string; shape: readonly bigint[]; type: number }[];
  /** The device budget the readings report as "total" (the threshold is a share of it). */
  budgetBytes: number;
  hub: GpuWatchHub;
}

export class NodeLlamaProbeDriver implements ProbeDriver {
  readonly steps: NodeLlamaStepLog[] = [];
  private model: LlamaModel | null = null;
  private context: LlamaContext | null = null;
  private weightsBytes = 0;
  private usedBytes = 0;
  private readonly sizer = new PromptSizer();

  constructor(private readonly o: NodeLlamaDriverOptions) {}

  /** The current memory as a GPU reading (the caller pushes it on its own clock). */
  reading(): GpuReading {
    return { id: 'gpu:0', index: 0, vendor: 'other', name: 'llama.cpp CPU (node-llama-cpp)', uuid: null, memoryTotalBytes: this.o.budgetBytes, memoryUsedBytes: this.usedBytes, memoryFreeBytes: Math.max(0, this.o.budgetBytes - this.usedBytes), utilizationPct: null, temperatureC: null, powerWatts: null };
  }

  async prepare(): Promise<Result<DriverInfo>> {
    const arch = architectureFromGgufMetadata(this.o.metadata);
    if (!arch.ok) return err('bad-request', arch.error.message);
    const w = weightsBytesFromTensors(this.o.tensors);
    this.weightsBytes = w.ok ? w.value : 0;
    this.o.hub.push([this.reading()]);
    this.model = await this.o.llama.loadModel({ modelPath: this.o.modelPath, gpuLayers: 0 });
    return ok({
      kind: 'llamacpp', version: 'node-llama-cpp', isContextVaried: true, maxContextTokens: arch.value.contextLengthTrain, architecture: arch.value,
      weightsBytes: this.weightsBytes, weightsBasis: 'exact, from the GGUF tensor sizes', loadedVramBytes: null, hasGpuRuntime: false,
      graph: { ubatch: PROBE_BATCH, flashAttention: true },
      notes: ['Real llama.cpp on the CPU (node-llama-cpp): memory is what llama.cpp logged it allocated, plus the weights.'],
    });
  }

  async runStep(step: StepPlan): Promise<StepMeasure> {
    const model = this.model!;
    await this.context?.dispose();
    this.context = null;
    this.o.log.length = 0;
    const t0 = performance.now();
    try {
      this.context = await model.createContext({ contextSize: step.contextTokens, flashAttention: true, batchSize: PROBE_BATCH, threads: 1 } as never);
    } catch (e) {
      return emptyMeasure('oom', (e as Error).message.split('\n')[0] ?? 'context creation failed');
    }
    const loadMs = performance.now() - t0;
    // node-llama-cpp forwards llama.cpp's log asynchronously: wait for the allocation lines.
    const logged = () => parseContextLog(this.o.log).kv.length > 0 && this.o.log.some((l) => /compute buffer size =/.test(l));
    for (let i = 0; i < 200 && !logged(); i++) await new Promise((r) => setTimeout(r, 10));
    const parsed = parseContextLog(this.o.log);
    const kvBytes = Math.round(parsed.kv.reduce((a, c) => a + c.totalMiB, 0) * MiB);
    const compute = [...this.o.log].reverse().map((l) => /compute buffer size =\s*([\d.]+) MiB/.exec(l)).find(Boolean);
    const computeBytes = compute ? Math.round(Number(compute[1]) * MiB) : 0;
    this.usedBytes = this.weightsBytes + kvBytes + computeBytes;
    this.steps.push({ contextTokens: step.contextTokens, kvBytes, computeBytes, weightsBytes: this.weightsBytes });
    // A real prompt sized with the model's own tokenizer (calibrated like a server's count).
    let prompt = this.sizer.build(step.targetPromptTokens, step.nonce);
    let tokens = model.tokenize(prompt);
    this.sizer.learn(prompt.length, tokens.length);
    if (Math.abs(tokens.length - step.targetPromptTokens) > step.targetPromptTokens * 0.03) {
      prompt = this.sizer.build(step.targetPromptTokens, step.nonce);
      tokens = model.tokenize(prompt);
    }
    tokens = tokens.slice(0, step.contextTokens - step.generateTokens - 1);
    const seq = this.context.getSequence();
    const t1 = performance.now();
    const gen = seq.evaluate(tokens);
    await gen.next();
    const ttftMs = performance.now() - t1;
    const t2 = performance.now();
    let n = 1;
    for (; n < step.generateTokens; n++) if ((await gen.next()).done) break;
    await gen.return(undefined as never);
    const genS = (performance.now() - t2) / 1000;
    return {
      promptTokens: tokens.length, sizeBytes: this.usedBytes, sizeVramBytes: this.usedBytes, ttftMs, tokensPerSecond: n > 1 && genS > 0 ? (n - 1) / genS : null,
      promptTokensPerSecond: tokens.length / (ttftMs / 1000), loadMs, outcome: 'ok', message: null,
    };
  }

  async restore(): Promise<{ ok: boolean; message: string }> {
    await this.context?.dispose();
    await this.model?.dispose();
    this.context = null;
    this.model = null;
    this.usedBytes = 0;
    return { ok: true, message: 'node-llama-cpp: context and model disposed.' };
  }

  restartCommand(): string | null {
    return null;
  }
}
