import { describe, expect, it } from 'vitest';
import type { ProbeReport } from '../../../shared/contract/probe';
import { GiB } from '../../../shared/units/bytes';
import { speedSeries, vramSeries } from './probe-chart-data';

const report = (over: Partial<ProbeReport> = {}): ProbeReport =>
  ({
    id: 'a', status: 'stopped', startedAtMs: Date.UTC(2026, 0, 1, 12, 4), finishedAtMs: 1, backend: { kind: 'ollama', url: 'u', version: null }, model: 'm', cacheType: 'f16',
    isContextVaried: true, settings: { fromTokens: 4096, toTokens: 16384, stopAtPct: 90, minTokensPerSecond: 5, generateTokens: 32, kvTypes: ['f16'] },
    gpu: { id: 'gpu:0', name: 'G', totalBytes: 24 * GiB }, thresholdBytes: 21.6 * GiB, baselineBytes: 1 * GiB, plannedContexts: [4096, 8192, 16384],
    steps: [
      { contextTokens: 4096, peakVramBytes: 10 * GiB, tokensPerSecond: 40, ttftMs: 1500 },
      { contextTokens: 8192, peakVramBytes: null, tokensPerSecond: null, ttftMs: 3000 },
    ] as ProbeReport['steps'],
    predicted: [{ cacheType: 'f16', points: [{ contextTokens: 4096, totalBytes: 9 * GiB }, { contextTokens: 8192, totalBytes: 10 * GiB }] }],
    stopReason: null, largestUsableContextTokens: null, kneeContextTokens: null, restore: null, restartCommand: null, notes: [], progress: null, ...over,
  }) as ProbeReport;

describe('probe chart data', () => {
  it('VRAM: measured peaks (gaps skipped), predicted lifted by the other use, the threshold across the planned range', () => {
    const s = vramSeries(report());
    expect(s.map((x) => x.label)).toEqual(['Measured GPU peak', 'Predicted, f16 KV (+ other use)', '90% threshold']);
    expect(s[0]!.points).toEqual([{ x: 12, y: 10, tokens: 4096 }]);
    expect(s[1]!.points.map((p) => p.y)).toEqual([10, 11]);
    expect(s[2]!.points.map((p) => [p.tokens, p.y])).toEqual([[4096, 21.6], [16384, 21.6]]);
  });
  it('speed: tokens/s on the left axis, TTFT in seconds on the right', () => {
    const s = speedSeries(report());
    expect(s.map((x) => [x.label, x.axis, x.points.map((p) => p.y)])).toEqual([
      ['Tokens/s', 'y', [40]],
      ['Time to first token (s)', 'y2', [1.5, 3]],
    ]);
  });
  it('a comparison names each run by KV type and time', () => {
    const s = vramSeries(report(), report({ id: 'b', cacheType: 'q8_0' }));
    expect(s.map((x) => x.role)).toEqual(['measured', 'predicted', 'compare', 'threshold']);
    expect(s[2]!.label).toMatch(/^Measured peak \(q8_0, \d\d:\d\d\)$/);
  });
});

describe('probe form', () => {
  it('defaults to the first Ollama server with a model', async () => {
    const { initialForm } = await import('./probe-form');
    const f = initialForm({ backends: [{ kind: 'vllm', url: 'http://v', models: [{ name: 'x' }] }, { kind: 'ollama', url: 'http://o', models: [{ name: 'qwen' }] }] } as never);
    expect(f).toEqual(expect.objectContaining({ url: 'http://o', kind: 'ollama', model: 'qwen', from: '4096', to: '', stopAt: '90', minTps: '5' }));
  });
  it.each([
    { name: 'valid, to = model maximum', over: {}, want: { ok: true } },
    { name: 'no model', over: { model: ' ' }, want: { model: 'enter the model name' } },
    { name: 'from too small', over: { from: '100' }, want: { from: 'enter a whole number of tokens, 256 or more' } },
    { name: 'to below from', over: { to: '2048' }, want: { to: 'must not be below the first context' } },
    { name: 'stop over 100', over: { stopAt: '120' }, want: { stopAt: 'enter a percentage from 10 to 100' } },
    { name: 'negative floor', over: { minTps: '-1' }, want: { minTps: 'enter a number of tokens per second, 0 or more' } },
  ])('$name', async ({ over, want }) => {
    const { toRequest } = await import('./probe-form');
    const r = toRequest({ url: 'http://o:1', kind: 'ollama', model: 'qwen', from: '4096', to: '', stopAt: '90', minTps: '5', kv: '', ...over });
    if ('ok' in want) expect(r.request).toEqual({ backendUrl: 'http://o:1', kind: 'ollama', model: 'qwen', fromTokens: 4096, toTokens: null, stopAtPct: 90, minTokensPerSecond: 5 });
    else expect(r.errors).toEqual(want);
  });
});
