import { describe, expect, it } from 'vitest';
import type { GpuProcess } from '../model/snapshot';
import { GiB } from '../units/bytes';
import { alertSettingsSchema, defaultAlertSettings } from './settings';
import { backend, describeTransitions, gpuAt, model, runTimeline, type TimelineTick } from './testing';
import type { AlertBackendInput, AlertTickInput } from './types';

const START = 1_000_000;
const settings = defaultAlertSettings();
const ticksOf = (inputs: AlertTickInput[], intervalMs = 1000): TimelineTick[] => inputs.map((input, i) => ({ atMs: START + i * intervalMs, input }));
const withBackends = (backends: AlertBackendInput[], pct = 50): AlertTickInput => ({ gpus: [gpuAt(pct)], backends });

describe('spill', () => {
  const ollama = (vramGiB: number) => backend('ollama', { models: [model('qwen2.5:14b', { sizeBytes: 12 * GiB, vramBytes: vramGiB * GiB, contextLength: 32768 })] });
  it.each([
    { name: 'fully on GPU: nothing', vram: [12, 12, 12], want: [] },
    { name: 'spill for 2 samples fires', vram: [12, 9, 9], want: ['raised spill:ollama@127.0.0.1:11434:qwen2.5:14b@2000'] },
    { name: 'spill then reload on GPU clears', vram: [9, 9, 12], want: ['raised spill:ollama@127.0.0.1:11434:qwen2.5:14b@1000', 'cleared spill:ollama@127.0.0.1:11434:qwen2.5:14b@2000'] },
  ])('$name', ({ vram, want }) => {
    const r = runTimeline(ticksOf(vram.map((v) => withBackends([ollama(v)]))), settings);
    expect(describeTransitions(r.transitions, START)).toEqual(want);
  });

  it('names the cause and the Ollama remedy', () => {
    const r = runTimeline(ticksOf([withBackends([ollama(9)]), withBackends([ollama(9)])]), settings);
    const a = r.steps.at(-1)!.alerts[0]!;
    expect(a).toMatchObject({ kind: 'spill', severity: 'warning', sourceId: 'ollama@127.0.0.1:11434' });
    expect(a.message).toContain('spilled 3.0 GiB of its 12.0 GiB to system RAM (25% on the CPU)');
    expect(a.message).toContain('OLLAMA_KV_CACHE_TYPE=q8_0 with OLLAMA_FLASH_ATTENTION=1');
    expect(a.message).toContain('num_ctx (e.g. 16384)');
  });

  it('no GPU at all: CPU-only is not a spill', () => {
    const r = runTimeline(ticksOf([0, 1, 2].map(() => ({ gpus: [], backends: [ollama(0)] }))), settings);
    expect(r.transitions).toEqual([]);
  });
});

describe('another app took VRAM', () => {
  const proc = (name: string, gib: number, pid = 100, backendId: string | null = null): GpuProcess => ({ pid, name, usedBytes: Math.round(gib * GiB), backendId });
  const tick = (pct: number, processes: GpuProcess[] | undefined) => ({ gpus: [gpuAt(pct, processes ? { processes } : {})], backends: [] });
  it.each([
    {
      name: 'chrome grows 2.1 GiB on a full GPU',
      inputs: [tick(75, [proc('chrome.exe', 0.5)]), tick(85, [proc('chrome.exe', 2.6)]), tick(85, [proc('chrome.exe', 2.6)])],
      want: ['raised other-app:gpu:0:chrome.exe@2000'],
    },
    {
      name: 'a new app appearing counts from 0',
      inputs: [tick(70, []), tick(85, [proc('game.exe', 1.5)]), tick(85, [proc('game.exe', 1.5)])],
      want: ['raised other-app:gpu:0:game.exe@2000'],
    },
    {
      name: 'apps present at start are not "took"',
      inputs: [tick(85, [proc('game.exe', 5)]), tick(85, [proc('game.exe', 5)]), tick(85, [proc('game.exe', 5)])],
      want: [],
    },
    {
      name: 'a GPU with room does not care',
      inputs: [tick(30, [proc('chrome.exe', 0.5)]), tick(40, [proc('chrome.exe', 2.6)]), tick(40, [proc('chrome.exe', 2.6)])],
      want: [],
    },
    {
      name: 'LLM server processes are not other apps',
      inputs: [tick(60, [proc('ollama', 1, 5, 'ollama@127.0.0.1:11434')]), tick(85, [proc('ollama', 9, 5, 'ollama@127.0.0.1:11434')]), tick(85, [proc('ollama', 9, 5, 'ollama@127.0.0.1:11434')])],
      want: [],
    },
    {
      name: 'several processes of one app are summed',
      inputs: [tick(75, [proc('chrome.exe', 0.2, 1)]), tick(85, [proc('chrome.exe', 0.6, 1), proc('chrome.exe', 0.7, 2)]), tick(85, [proc('chrome.exe', 0.6, 1), proc('chrome.exe', 0.7, 2)])],
      want: ['raised other-app:gpu:0:chrome.exe@2000'],
    },
    {
      name: 'a missing process list holds the alert',
      inputs: [tick(75, [proc('chrome.exe', 0.5)]), tick(85, [proc('chrome.exe', 2.6)]), tick(85, [proc('chrome.exe', 2.6)]), tick(85, undefined)],
      want: ['raised other-app:gpu:0:chrome.exe@2000'],
    },
  ])('$name', ({ inputs, want }) => {
    expect(describeTransitions(runTimeline(ticksOf(inputs), settings).transitions.filter((t) => t.alert.kind === 'other-app'), START)).toEqual(want);
  });

  it('message: "chrome.exe took +2.1 GiB" with a remedy', () => {
    const r = runTimeline(ticksOf([tick(75, [proc('chrome.exe', 0.5)]), tick(85, [proc('chrome.exe', 2.6)]), tick(85, [proc('chrome.exe', 2.6)])]), settings);
    const a = r.transitions.find((t) => t.alert.kind === 'other-app')!.alert;
    expect(a.message).toContain('chrome.exe took +2.1 GiB of VRAM');
    expect(a.message).toContain('Close chrome.exe or turn off its hardware acceleration');
  });
});

describe('backend down / unauthorized', () => {
  const b = (status: AlertBackendInput['status'], message: string | null = null) => backend('vllm', { status, message });
  it.each([
    { name: 'never up: no alarm', statuses: ['down', 'down', 'down', 'down'], want: [] },
    { name: 'one failed poll is not an outage', statuses: ['up', 'down', 'up', 'down', 'down', 'up'], want: [] },
    {
      name: 'up then down for 3 polls fires, up clears',
      statuses: ['up', 'down', 'error', 'down', 'up'],
      want: ['raised backend-down:vllm@127.0.0.1:8000@3000', 'cleared backend-down:vllm@127.0.0.1:8000@4000'],
    },
    { name: 'unauthorized fires at once', statuses: ['unauthorized', 'unauthorized'], want: ['raised unauthorized:vllm@127.0.0.1:8000@0'] },
    {
      name: 'unauthorized clears when the key works',
      statuses: ['unauthorized', 'up'],
      want: ['raised unauthorized:vllm@127.0.0.1:8000@0', 'cleared unauthorized:vllm@127.0.0.1:8000@1000'],
    },
  ] as const)('$name', ({ statuses, want }) => {
    const r = runTimeline(ticksOf(statuses.map((s) => ({ gpus: [], backends: [b(s)] }))), settings);
    expect(describeTransitions(r.transitions, START)).toEqual(want);
  });

  it('requireSeenUp off: an absent backend alarms', () => {
    const s = alertSettingsSchema.parse({ backend: { requireSeenUp: false } });
    const r = runTimeline(ticksOf([0, 1, 2].map(() => ({ gpus: [], backends: [b('down')] }))), s);
    expect(r.transitions.map((t) => t.alert.kind)).toEqual(['backend-down']);
  });

  it('messages name the cause and the next step', () => {
    const r = runTimeline(ticksOf(['up', 'down', 'down', 'down'].map((s) => ({ gpus: [], backends: [b(s as 'up', 'vLLM at 127.0.0.1:8000: connection refused. Is it running?')] }))), settings);
    expect(r.transitions[0]!.alert.message).toBe(
      'vllm@127.0.0.1:8000 stopped answering (vLLM at 127.0.0.1:8000: connection refused. Is it running?). Restart `vllm serve` and check its log for an out-of-memory error.',
    );
  });
});

describe('vLLM pressure', () => {
  const v = (m: Partial<Parameters<typeof model>[1]>) => backend('vllm', { models: [model('Qwen/Qwen2.5-7B', m)] });
  it.each([
    { name: 'preemptions rising fire at once', models: [{ preemptionsTotal: 4 }, { preemptionsTotal: 4 }, { preemptionsTotal: 7 }], want: ['raised preemptions:vllm@127.0.0.1:8000:Qwen/Qwen2.5-7B@2000'] },
    { name: 'a constant counter is quiet', models: [{ preemptionsTotal: 4 }, { preemptionsTotal: 4 }, { preemptionsTotal: 4 }], want: [] },
    { name: 'a counter reset is not a preemption', models: [{ preemptionsTotal: 40 }, { preemptionsTotal: 0 }, { preemptionsTotal: 0 }], want: [] },
    {
      name: 'requests waiting for 10 samples',
      models: Array.from({ length: 11 }, () => ({ requestsWaiting: 3 })),
      want: ['raised requests-waiting:vllm@127.0.0.1:8000:Qwen/Qwen2.5-7B@9000'],
    },
    { name: 'requests waiting briefly is quiet', models: [3, 3, 0, 3, 3, 0].map((n) => ({ requestsWaiting: n })), want: [] },
    { name: 'KV cache nearly full for 3 samples', models: [0.95, 0.95, 0.95].map((r) => ({ kvCacheUsageRatio: r })), want: ['raised kv-full:vllm@127.0.0.1:8000:Qwen/Qwen2.5-7B@2000'] },
  ])('$name', ({ models, want }) => {
    const r = runTimeline(ticksOf(models.map((m) => ({ gpus: [gpuAt(92)], backends: [v(m)] }))), settings);
    expect(describeTransitions(r.transitions, START)).toEqual(want);
  });

  it('a GPU held at 92% by vLLM raises no VRAM alarm', () => {
    const proc = { pid: 7, name: 'python3', usedBytes: 22 * GiB, backendId: 'vllm@127.0.0.1:8000' };
    const ticks = ticksOf(Array.from({ length: 30 }, () => ({ gpus: [gpuAt(92, { processes: [proc] })], backends: [v({ kvCacheUsageRatio: 0.1 })] })));
    expect(runTimeline(ticks, settings).transitions).toEqual([]);
  });

  it('vLLM messages carry the vLLM remedy', () => {
    const r = runTimeline(ticksOf([{ preemptionsTotal: 1 }, { preemptionsTotal: 3 }].map((m) => ({ gpus: [], backends: [v(m)] }))), settings);
    expect(r.transitions[0]!.alert.message).toBe(
      'vllm@127.0.0.1:8000: 2 requests preempted in the last 5 min: the KV cache is full, so vLLM evicts and recomputes them. Lower `--max-num-seqs` or `--max-model-len`, or raise `--gpu-memory-utilization` if the GPU has room.',
    );
  });
});

describe('slot context', () => {
  const llama = (used: number | null, ctx = 8192) =>
    backend('llamacpp', { models: [model('qwen2.5-7b', { contextLength: ctx, slots: [{ id: 0, contextTokens: ctx, usedTokens: used, processing: true }] })] });
  it('a growing conversation forecasts the limit, then reports it nearly full', () => {
    // 50 tokens/s from 4000 tokens at 1 s ticks
    const inputs = Array.from({ length: 90 }, (_, i) => ({ gpus: [], backends: [llama(4000 + 50 * i)] }));
    const r = runTimeline(ticksOf(inputs), settings);
    expect(r.transitions.filter((t) => t.type === 'raised').map((t) => t.alert.kind)).toEqual(['forecast', 'context-full']);
    const fc = r.transitions[0]!.alert;
    expect(fc.message).toMatch(/slot 0 \(qwen2\.5-7b\): this conversation reaches the context limit in ~[\d,]+ tokens \/ ~\d+ s at the current rate/);
    expect(fc.message).toContain('--cache-type-k q8_0 --cache-type-v q8_0 -fa on');
    // only the context-full alert is shown once both are active
    expect(r.steps.at(-1)!.alerts.map((a) => a.kind)).toEqual(['context-full']);
  });

  it.each([
    { name: 'idle slot below the forecast ratio', used: [100, 200, 300, 400, 500], want: [] },
    { name: 'unknown usage (null) stays quiet', used: [null, null, null], want: [] },
    {
      name: 'a new conversation clears context-full',
      used: [7600, 7600, 10],
      want: ['raised context-full:llamacpp@127.0.0.1:8080:qwen2.5-7b#0@0', 'cleared context-full:llamacpp@127.0.0.1:8080:qwen2.5-7b#0@2000'],
    },
  ])('$name', ({ used, want }) => {
    const r = runTimeline(ticksOf(used.map((u) => ({ gpus: [], backends: [llama(u)] }))), settings);
    expect(describeTransitions(r.transitions, START)).toEqual(want);
  });

  it('a model that unloads clears its slot alerts', () => {
    const r = runTimeline(ticksOf([{ gpus: [], backends: [llama(8000)] }, { gpus: [], backends: [backend('llamacpp')] }]), settings);
    expect(r.transitions.map((t) => `${t.type} ${t.alert.kind} ${t.value}`)).toEqual(['raised context-full 0.9765625', 'cleared context-full null']);
  });
});
