/** What the probe loop needs from a server: one driver per server family (Ollama; OpenAI-compatible servers). */
import type { ProbeOutcome } from '../../shared/contract/probe';
import type { Result } from '../../shared/contract/result';
import type { ModelArchitecture } from '../../shared/estimator/architecture';

export interface DriverInfo {
  kind: string;
  version: string | null;
  /** True when each step loads the model at a new context (Ollama); false when only the prompt grows. */
  isContextVaried: boolean;
  /** The model's trained maximum (Ollama) or the served context (fixed servers), tokens. */
  maxContextTokens: number | null;
  architecture: ModelArchitecture | null;
  /** Weight bytes for the prediction, when known, and how they were found. */
  weightsBytes: number | null;
  weightsBasis: string | null;
  /** VRAM the probed model held before the probe (loaded already), so the GPU level without it is known. */
  loadedVramBytes: number | null;
  /** False where the model runs without a GPU runtime (CPU): the prediction then leaves out the GPU overhead. Default true. */
  hasGpuRuntime?: boolean;
  /** Sequences the KV cache is sized for (Ollama: OLLAMA_NUM_PARALLEL). Default 1. */
  parallel?: number;
  /**
   * Where the driver knows the engine's graph settings (a local GGUF run with a known `n_ubatch` and
   * flash attention), the prediction's compute buffer follows them and is labelled as the GGUF's
   * compute formula; absent: llama.cpp's defaults (512, on) and the compute buffer is an estimate.
   */
  graph?: { ubatch: number; flashAttention: boolean };
  notes: string[];
}

export interface StepPlan {
  index: number;
  contextTokens: number;
  targetPromptTokens: number;
  generateTokens: number;
  /** Unique per step, so no prompt cache is reused. */
  nonce: string;
}

/** What the server said about one step. Timings are milliseconds; null where not reported. */
export interface StepMeasure {
  promptTokens: number | null;
  sizeBytes: number | null;
  sizeVramBytes: number | null;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  promptTokensPerSecond: number | null;
  loadMs: number | null;
  outcome: ProbeOutcome;
  message: string | null;
}

export interface ProbeDriver {
  /** Reads the server's state before anything changes (remembered for `restore`). */
  prepare(signal: AbortSignal): Promise<Result<DriverInfo>>;
  runStep(step: StepPlan, signal: AbortSignal): Promise<StepMeasure>;
  /** Puts the server back as `prepare` found it. Never throws. */
  restore(): Promise<{ ok: boolean; message: string }>;
  /** Fixed-context servers: the command that would serve `contextTokens`. */
  restartCommand(contextTokens: number): string | null;
}

export const emptyMeasure = (outcome: ProbeOutcome, message: string | null): StepMeasure => ({
  promptTokens: null, sizeBytes: null, sizeVramBytes: null, ttftMs: null, tokensPerSecond: null, promptTokensPerSecond: null, loadMs: null, outcome, message,
});

/** Sorts a server's error text into an outcome (Ollama and llama.cpp wording). */
export function classifyServerError(text: string): ProbeOutcome {
  if (/out of memory|cudaMalloc|failed to allocate|insufficient memory|requires more system memory|OOM|ErrorOutOfDeviceMemory/i.test(text)) return 'oom';
  if (/exceeds? (the )?(maximum |available )?context|context (length|size)|too long|context_length_exceeded|exceed_context_size|n_ctx/i.test(text)) return 'context-too-long';
  if (/runner process (has )?(terminated|exited)|unexpectedly|signal: |exit status|segmentation|crash|EOF/i.test(text)) return 'crash';
  return 'error';
}
