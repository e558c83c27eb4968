/**
 * The probe's step loop against the real llama.cpp (node-llama-cpp 3.21.1, CPU) on a tiny generated
 * model: four contexts, real prompts, real timing (a few seconds). The measured memory per step is
 * llama.cpp's own allocation; the KV part must equal the memory model exactly.
 */
import { describe, expect, it } from 'vitest';
import { probeTinyModel } from '../../bench/probe/real-llama';

describe('probe against real llama.cpp (node-llama-cpp)', () => {
  it('steps 256 → 2048 tokens; KV per step equals the memory model; memory and prefill grow with the context', async () => {
    const { report, rows } = await probeTinyModel();
    expect(report.status).toBe('done');
    expect(report.steps.map((s) => s.contextTokens)).toEqual([256, 512, 1024, 2048]);
    expect(rows.map((r) => r.contextTokens)).toEqual([256, 512, 1024, 2048]);
    for (const r of rows) {
      // llama.cpp logs MiB with two decimals.
      expect(Math.abs(r.kvBytes - r.predictedKvBytes!)).toBeLessThanOrEqual(0.005 * 2 ** 20);
      expect(r.computeBytes).toBeGreaterThan(0);
    }
    for (const s of report.steps) {
      expect(s.outcome).toBe('ok');
      // The prompt is calibrated with the model's own tokenizer: it fills ~95% of the context.
      expect(s.promptTokens! / s.targetPromptTokens).toBeGreaterThan(0.95);
      expect(s.ttftMs).toBeGreaterThan(0);
      expect(s.peakVramBytes).toBe(s.sizeBytes);
      expect(s.predictedBytes).not.toBeNull();
    }
    const peaks = report.steps.map((s) => s.peakVramBytes!);
    expect([...peaks].sort((a, b) => a - b)).toEqual(peaks);
    expect(report.steps.at(-1)!.ttftMs!).toBeGreaterThan(report.steps[0]!.ttftMs!);
    // Weights exact, KV exact: what is left is the compute-buffer estimate.
    for (const s of report.steps) expect(Math.abs(s.predictionErrorPct!)).toBeLessThan(30);
  }, 60_000);
});
