/** Allocation rules by llama.cpp build: each rule just before and at the build that introduced it. */
import { describe, expect, it } from 'vitest';
import { MiB } from '../units/bytes';
import { buildFromBuildInfo, buildFromOllamaVersion, engineBuildOf, LLAMA_CPP_RULES, llamaCppRuleSet, llamaServerDefaultSlots } from './engine-build';
import { architectureFromGgufMetadata } from './gguf-metadata';
import { llamaCppKvCache, type LlamaCppKvOptions } from './kv-cache';

const llama8b = {
  'general.architecture': 'llama', 'llama.block_count': 32, 'llama.embedding_length': 4096,
  'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8, 'llama.context_length': 131072,
};
const gemma3 = {
  'general.architecture': 'gemma3', 'gemma3.block_count': 6, 'gemma3.embedding_length': 1024, 'gemma3.attention.head_count': 4,
  'gemma3.attention.head_count_kv': 1, 'gemma3.attention.key_length': 256, 'gemma3.attention.value_length': 256,
  'gemma3.attention.sliding_window': 1100, 'gemma3.context_length': 131072,
};
const dsMla = {
  'general.architecture': 'deepseek2', 'deepseek2.attention.head_count': 16, 'deepseek2.attention.head_count_kv': 1,
  'deepseek2.attention.key_length': 576, 'deepseek2.attention.key_length_mla': 192, 'deepseek2.attention.kv_lora_rank': 512,
  'deepseek2.attention.value_length': 512, 'deepseek2.attention.value_length_mla': 128, 'deepseek2.block_count': 27,
  'deepseek2.context_length': 163840, 'deepseek2.embedding_length': 2048, 'deepseek2.rope.dimension_count': 64,
};
const hybrid = {
  'general.architecture': 'jamba', 'jamba.block_count': 4, 'jamba.embedding_length': 256, 'jamba.attention.head_count': 8,
  'jamba.attention.head_count_kv': [0, 0, 2, 0], 'jamba.ssm.conv_kernel': 4, 'jamba.ssm.inner_size': 512, 'jamba.ssm.state_size': 16,
};

function kv(meta: Record<string, unknown>, o: LlamaCppKvOptions) {
  const a = architectureFromGgufMetadata(meta);
  if (!a.ok) throw new Error(a.error.message);
  const r = llamaCppKvCache(a.value, o);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('rule table', () => {
  it('names the introducing build and pull request of every rule, in build order', () => {
    const builds = LLAMA_CPP_RULES.map((r) => r.sinceBuild);
    expect([...builds].sort((a, b) => a - b)).toEqual(builds);
    for (const r of LLAMA_CPP_RULES) expect(r.pr).toMatch(/^#\d+$/);
  });
  it('labels the rule set and lists what an old build lacks', () => {
    expect(llamaCppRuleSet().label).toBe('current llama.cpp rules');
    const old = llamaCppRuleSet(4615);
    expect(old.label).toBe('llama.cpp b4615 rules');
    expect(old.differences).toHaveLength(6);
    expect(old.differences[0]).toMatch(/^before b5380 \(#13194\)/);
  });
});

describe('cell padding (#17046, b7108)', () => {
  it.each([
    { name: 'b7107 no FA pads to 32', build: 7107, fa: false, want: 4000 },
    { name: 'b7107 FA pads to 256', build: 7107, fa: true, want: 4096 },
    { name: 'b7108 no FA pads to 256', build: 7108, fa: false, want: 4096 },
    { name: 'current no FA pads to 256', build: undefined, fa: false, want: 4096 },
  ])('$name', ({ build, fa, want }) => {
    expect(kv(llama8b, { contextTokens: 4000, flashAttention: fa, engineBuild: build }).cellsPerStream).toBe(want);
  });
  it('b7107 without FA: -c 8192 -np 3 → 3 streams of ceil_32(2731) = 2752 cells', () => {
    const r = kv(llama8b, { contextTokens: 8192, parallel: 3, flashAttention: false, engineBuild: 7107 });
    expect({ cells: r.cellsPerStream, streams: r.streams }).toEqual({ cells: 2752, streams: 3 });
  });
});

describe('streams per slot (#14363, b5920)', () => {
  it('b5919: one cache serves all 4 slots', () => {
    const r = kv(llama8b, { contextTokens: 8192, parallel: 4, engineBuild: 5919 });
    expect({ cells: r.cellsPerStream, streams: r.streams, bytes: r.bytes }).toEqual({ cells: 8192, streams: 1, bytes: 1024 * MiB });
  });
  it('b5920: 4 streams of 2048 cells', () => {
    const r = kv(llama8b, { contextTokens: 8192, parallel: 4, engineBuild: 5920 });
    expect({ cells: r.cellsPerStream, streams: r.streams }).toEqual({ cells: 2048, streams: 4 });
  });
});

describe('sliding-window cache (#13194, b5380) and its size before b7108', () => {
  it('b5379: SWA layers cache the whole context', () => {
    const r = kv(gemma3, { contextTokens: 32768, engineBuild: 5379 });
    expect(r.swaCellsPerStream).toBe(32768);
  });
  it('b7107 without FA: ceil_32(1100 + 512) = 1632 cells', () => {
    expect(kv(gemma3, { contextTokens: 32768, flashAttention: false, engineBuild: 7107 }).swaCellsPerStream).toBe(1632);
  });
  it('current: ceil_256(1100 + 512) = 1792 cells', () => {
    expect(kv(gemma3, { contextTokens: 32768, flashAttention: false }).swaCellsPerStream).toBe(1792);
  });
});

describe('quantized SWA cache (#21277 b8640, reverted by #21332 b8652)', () => {
  const q8 = { contextTokens: 32768, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0' } as const;
  it('b8645 keeps the SWA layers f16', () => {
    const r = kv(gemma3, { ...q8, engineBuild: 8645 });
    const swa = r.layers.find((l) => l.kind === 'swa')!;
    expect(swa.kBytes).toBe(256 * 2 * 1792);
  });
  it.each([8639, 8652, undefined])('build %s quantizes them', (build) => {
    const swa = kv(gemma3, { ...q8, engineBuild: build }).layers.find((l) => l.kind === 'swa')!;
    expect(swa.kBytes).toBe((256 / 32) * 34 * 1792);
  });
});

describe("MLA's V-less cache (#19067, b7860)", () => {
  it('b7859 allocates V: 1836 MiB at 32k', () => {
    expect(kv(dsMla, { contextTokens: 32768, engineBuild: 7859 }).bytes).toBe(1836 * MiB);
  });
  it('b7860 allocates K only: 972 MiB at 32k', () => {
    expect(kv(dsMla, { contextTokens: 32768, engineBuild: 7860 }).bytes).toBe(972 * MiB);
  });
});

describe('hybrid attention streams (#19559, b8080)', () => {
  it.each([
    { build: 8079, want: 4096 },
    { build: 8080, want: 2048 },
  ])('b$build: $want cells per stream at -c 4096 -np 2', ({ build, want }) => {
    expect(kv(hybrid, { contextTokens: 4096, parallel: 2, engineBuild: build }).cellsPerStream).toBe(want);
  });
});

describe('llama-server default slots (#16736, b6830)', () => {
  it.each([
    { build: 6829, want: { parallel: 1, kvUnified: false } },
    { build: 6830, want: { parallel: 4, kvUnified: true } },
    { build: undefined, want: { parallel: 4, kvUnified: true } },
  ])('b$build', ({ build, want }) => {
    expect(llamaServerDefaultSlots(build)).toEqual(want);
  });
});

describe('the build a live server runs', () => {
  it.each([
    { info: 'b7108-4f2a1c3', want: 7108 },
    { info: '7108 (4f2a1c3)', want: 7108 },
    { info: 'b10488', want: 10488 },
    { info: 'unknown', want: null },
    { info: '', want: null },
  ])('llama.cpp build_info "$info"', ({ info, want }) => {
    expect(buildFromBuildInfo(info)).toBe(want);
  });
  it.each([
    { v: '0.30.1', want: 10488 },
    { v: '0.12.11', want: 6840 },
    { v: '0.29.9', want: 6840 },
    { v: '0.12.10', want: 5900 },
    { v: '0.6.2', want: 5900 },
  ])('Ollama $v → llama.cpp b$want rules', ({ v, want }) => {
    expect(buildFromOllamaVersion(v)?.build).toBe(want);
  });
  it('unreadable versions give null', () => {
    expect(buildFromOllamaVersion('dev')).toBeNull();
    expect(engineBuildOf('lmstudio', 'v1.52.0')).toBeNull();
    expect(engineBuildOf('vllm', '0.11.0')).toBeNull();
  });
  it('LM Studio runtime naming a llama.cpp build', () => {
    expect(engineBuildOf('lmstudio', 'llama.cpp-cuda12 1.52.0 (b7200)')).toEqual({ build: 7200, source: 'LM Studio runtime llama.cpp-cuda12 1.52.0 (b7200)' });
  });
});
