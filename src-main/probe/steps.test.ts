import { describe, expect, it } from 'vitest';
import type { ProbeStep } from '../../shared/contract/probe';
import { GiB } from '../../shared/units/bytes';
import { estimateRemainingMs, largestUsableContext, latencyKnee, planContexts, predictionErrorPct, stopAfterStep, stopBeforeStep } from './steps';
import { fillerText, PromptSizer } from './filler';
import { probeToCsv } from './store';
import { classifyServerError } from './driver';
import { keepAliveFor } from './drivers/ollama.driver';

const step = (over: Partial<ProbeStep>): ProbeStep => ({
  index: 0, contextTokens: 4096, promptTokens: 3800, targetPromptTokens: 3800, peakVramBytes: 10 * GiB, baselineVramBytes: 1 * GiB, sizeBytes: null, sizeVramBytes: null,
  isSpilled: false, ttftMs: 1000, tokensPerSecond: 40, promptTokensPerSecond: null, loadMs: null, predictedBytes: null, predictionErrorPct: null, measuredBasis: null,
  durationMs: 2000, outcome: 'ok', message: null, ...over,
});
const limits = { thresholdBytes: 21.6 * GiB, gpuTotalBytes: 24 * GiB, minTokensPerSecond: 5 };

describe('planContexts', () => {
  it.each([
    { name: 'powers of two to a power of two', from: 4096, to: 32768, want: [4096, 8192, 16384, 32768] },
    { name: 'ends at an odd maximum', from: 4096, to: 40960, want: [4096, 8192, 16384, 32768, 40960] },
    { name: 'one step', from: 8192, to: 8192, want: [8192] },
    { name: 'inverted range', from: 8192, to: 4096, want: [] },
    { name: 'capped at 16 steps', from: 256, to: 2 ** 30, want: [...Array.from({ length: 15 }, (_, i) => 256 * 2 ** i), 2 ** 30] },
  ])('$name', ({ from, to, want }) => expect(planContexts(from, to)).toEqual(want));
});

describe('stopAfterStep', () => {
  it.each([
    { name: 'fine', s: step({}), want: null },
    { name: 'threshold', s: step({ peakVramBytes: 22 * GiB, contextTokens: 65536 }), want: 'VRAM reached 92% (threshold 90%) at 65,536 tokens' },
    { name: 'spill', s: step({ isSpilled: true, sizeBytes: 20 * GiB, sizeVramBytes: 15 * GiB }), want: 'the model spilled out of VRAM at 4,096 tokens (25% of the model in system RAM)' },
    { name: 'slow', s: step({ tokensPerSecond: 3.21 }), want: 'generation fell to 3.2 tokens/s (floor 5) at 4,096 tokens' },
    { name: 'oom', s: step({ outcome: 'oom', message: 'cudaMalloc failed' }), want: 'out of memory at 4,096 tokens: cudaMalloc failed' },
    { name: 'crash', s: step({ outcome: 'crash', message: 'exit status 2' }), want: 'the model runner crashed at 4,096 tokens: exit status 2' },
    { name: 'no GPU reading', s: step({ peakVramBytes: null }), want: null },
  ])('$name', ({ s, want }) => expect(stopAfterStep(s, limits)).toBe(want));
});

describe('verdicts', () => {
  const steps = [
    step({ contextTokens: 4096, promptTokens: 3800, ttftMs: 1600, peakVramBytes: 10 * GiB }),
    step({ contextTokens: 8192, promptTokens: 7600, ttftMs: 3400, peakVramBytes: 11 * GiB }),
    step({ contextTokens: 16384, promptTokens: 15200, ttftMs: 9800, peakVramBytes: 13 * GiB }),
    step({ contextTokens: 32768, promptTokens: 30400, ttftMs: 30000, peakVramBytes: 22 * GiB }),
  ];
  it('largest usable context skips the step over the threshold', () => expect(largestUsableContext(steps, limits)).toBe(16384));
  it('the knee is where TTFT per prompt token passes 1.5× the first step’s', () => expect(latencyKnee(steps)).toBe(16384));
  it('no knee when prefill stays linear', () => expect(latencyKnee(steps.slice(0, 2))).toBeNull());
  it('stops before a step the measured growth puts past the GPU total', () => {
    expect(stopBeforeStep(steps.slice(0, 3), 65536, limits)).toMatch(/^the next step \(65,536 tokens\) would need about 1\d\d% of the GPU/);
    expect(stopBeforeStep(steps.slice(0, 3), 32768, limits)).toBeNull();
    expect(stopBeforeStep(steps.slice(0, 1), 1 << 20, limits)).toBeNull();
  });
  it.each([
    { m: 11 * GiB, p: 10 * GiB, want: 10 },
    { m: 9 * GiB, p: 10 * GiB, want: -10 },
    { m: null, p: 10 * GiB, want: null },
    { m: 1, p: 0, want: null },
  ])('prediction error $m vs $p', ({ m, p, want }) => expect(predictionErrorPct(m, p)).toBe(want));
  it('remaining time scales the last step by context', () => {
    expect(estimateRemainingMs([step({ contextTokens: 4096, durationMs: 1000 })], [8192, 16384])).toBe(6000);
    expect(estimateRemainingMs([], [8192])).toBeNull();
  });
});

describe('filler', () => {
  it('is deterministic, sized in characters and prose-like', () => {
    expect(fillerText(500, 7)).toBe(fillerText(500, 7));
    expect(fillerText(500, 7)).not.toBe(fillerText(500, 8));
    expect(fillerText(1234).length).toBe(1234);
    expect(fillerText(300)).toMatch(/^[A-Z][a-z]+ [a-z]+/);
  });
  it('learns the tokenizer ratio and hits the target next time', () => {
    const s = new PromptSizer();
    const first = s.build(1000, 'a');
    s.learn(first.length, Math.round(first.length / 3.1));
    expect(s.ratio).toBeCloseTo(3.1, 1);
    expect(s.build(2000, 'b').length / 3.1).toBeCloseTo(2000, -1);
    s.learn(100, 0);
    expect(s.ratio).toBeCloseTo(3.1, 1);
  });
});

describe('CSV', () => {
  it('one row per step, messages quoted, formula-like text neutralised', () => {
    const csv = probeToCsv({ steps: [step({ message: 'a, "b"' }), step({ index: 1, message: '=cmd()' })] } as never);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^step,context_tokens,prompt_tokens,outcome,peak_vram_bytes/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^1,4096,3800,ok,10737418240,/);
    expect(lines[1]).toMatch(/,"a, ""b"""$/);
    expect(lines[2]).toMatch(/,"=cmd\(\)"$/);
  });
});

describe('classifyServerError', () => {
  it.each([
    { text: 'llama runner process has terminated: cudaMalloc failed: out of memory', want: 'oom' },
    { text: 'model requires more system memory (34.1 GiB) than is available (30.2 GiB)', want: 'oom' },
    { text: 'the request exceeds the available context size, try increasing it', want: 'context-too-long' },
    { text: "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens", want: 'context-too-long' },
    { text: 'llama runner process has terminated: exit status 2', want: 'crash' },
    { text: 'POST predict: Post "http://127.0.0.1:41234/completion": EOF', want: 'crash' },
    { text: 'invalid option: num_ctx must be positive', want: 'error' },
    { text: 'something else', want: 'error' },
  ])('$want: $text', ({ text, want }) => expect(classifyServerError(text)).toBe(want));
});

describe('keepAliveFor (restoring a model’s residency)', () => {
  const now = Date.UTC(2026, 10, 30, 12);
  it.each([
    { name: 'unknown', expires: null, want: undefined },
    { name: 'forever (negative keep_alive)', expires: Date.UTC(2318, 0, 1), want: -1 },
    { name: 'four minutes left', expires: now + 240_000, want: '240s' },
    { name: 'already due', expires: now - 5000, want: '60s' },
  ])('$name', ({ expires, want }) => expect(keepAliveFor(expires, now)).toBe(want));
});
