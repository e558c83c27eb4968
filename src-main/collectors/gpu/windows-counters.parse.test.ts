import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GiB, MiB } from '../../../shared/units/bytes';
import { gpuFixture } from '../../../e2e/fakes/gpu/make-fake-tool';
import {
  parseCounterPath,
  parseGetCounterJson,
  parseTypeperfCsv,
  parseTypeperfHeader,
  parseTypeperfRow,
  spilledBytes,
  summarizeCounters,
} from './windows-counters.parse';

const fixture = (rel: string) => readFileSync(gpuFixture(rel), 'utf8');
const D1B6 = 'luid_0x00000000_0x0000d1b6_phys_0';
const C4E2 = 'luid_0x00000000_0x0000c4e2_phys_0';

describe('parseCounterPath', () => {
  it.each([
    { path: '\\\\DESKTOP-7Q2K1\\GPU Adapter Memory(luid_0x00000000_0x0000D1B6_phys_0)\\Dedicated Usage', want: { set: 'adapter', kind: 'dedicated', adapter: D1B6, pid: null } },
    { path: '\\\\desktop-7q2k1\\gpu process memory(pid_11872_luid_0x00000000_0x0000d1b6_phys_0)\\shared usage', want: { set: 'process', kind: 'shared', adapter: D1B6, pid: 11872 } },
    { path: '\\\\H\\GPU Engine(pid_1_luid_0x0_0x1_phys_0_eng_0_engtype_3D)\\Utilization Percentage', want: null },
    { path: '\\\\H\\GPU Adapter Memory(pid_1_luid_0x0_0x1_phys_0)\\Dedicated Usage', want: null },
    { path: '\\\\H\\GPU Adapter Memory(_Total)\\Dedicated Usage', want: null },
    { path: '', want: null },
  ])('$path', ({ path, want }) => {
    expect(parseCounterPath(path)).toEqual(want);
  });
});

describe('typeperf CSV', () => {
  it('adapter memory fixture: dedicated and shared per adapter', () => {
    const usages = summarizeCounters(parseTypeperfCsv(fixture('windows/typeperf.gpu-adapter-memory.csv')));
    expect(usages).toEqual([
      { adapter: C4E2, dedicatedUsedBytes: 0, sharedUsedBytes: 512405504, processes: [] },
      { adapter: D1B6, dedicatedUsedBytes: 10737786880, sharedUsedBytes: 148357120, processes: [] },
    ]);
  });

  it('process memory fixture: per-process dedicated bytes', () => {
    const usages = summarizeCounters(parseTypeperfCsv(fixture('windows/typeperf.gpu-process-memory.csv')));
    expect(usages.find((u) => u.adapter === D1B6)?.processes).toEqual([
      { pid: 4140, dedicatedBytes: 402653184, sharedBytes: null },
      { pid: 11872, dedicatedBytes: 10099490816, sharedBytes: null },
      { pid: 23988, dedicatedBytes: 117440512, sharedBytes: null },
    ]);
  });

  const lines = fixture('windows/typeperf.gpu-adapter-memory.csv').split(/\r?\n/);
  const header = parseTypeperfHeader(lines[1] ?? '');
  it('recognises the header and ignores non-headers', () => {
    expect(header).toHaveLength(4);
    expect(parseTypeperfHeader(lines[2] ?? '')).toBeNull();
    expect(parseTypeperfHeader('')).toBeNull();
  });

  it.each([
    { name: 'recorded row', line: lines[2] ?? '', want: [10737786880, 0, 148357120, 512405504] },
    { name: 'decimal commas (de-DE)', line: '"21.08.2026 14:32:05.118","10737786880,000000","0,000000","148357120,000000","512405504,000000"', want: [10737786880, 0, 148357120, 512405504] },
    { name: 'blank cells (no value yet)', line: '"08/21/2026 14:32:05.118"," "," ","1.0","2.0"', want: [null, null, 1, 2] },
    { name: 'negative and absurd values → null', line: '"t","-5.0","1e30","[N/A]","x"', want: [null, null, null, null] },
    { name: 'truncated line', line: '"08/21/2026 14:32:05.118","10737786880.000000","0.0', want: null },
    { name: 'missing column', line: '"t","1","2","3"', want: null },
    { name: 'extra column', line: '"t","1","2","3","4","5"', want: null },
    { name: 'trailer text', line: 'Exiting, please wait...', want: null },
    { name: 'empty line', line: '', want: null },
  ])('row: $name', ({ line, want }) => {
    const row = parseTypeperfRow(line, header ?? []);
    expect(row === null ? null : row.map((s) => s.bytes)).toEqual(want);
  });

  it('empty output gives no samples', () => {
    expect(parseTypeperfCsv('')).toEqual([]);
  });
});

describe('Get-Counter JSON', () => {
  it('process memory fixture', () => {
    const usages = summarizeCounters(parseGetCounterJson(fixture('windows/get-counter.gpu-process-memory.json')));
    expect(usages).toEqual([{ adapter: D1B6, dedicatedUsedBytes: null, sharedUsedBytes: null, processes: [{ pid: 4140, dedicatedBytes: 402653184, sharedBytes: null }, { pid: 11872, dedicatedBytes: 10099490816, sharedBytes: null }] }]);
  });
  it.each([
    { name: 'single object (ConvertTo-Json unwraps one item)', text: JSON.stringify({ Path: `\\\\h\\gpu adapter memory(${D1B6})\\dedicated usage`, CookedValue: 1024 }), want: [1024] },
    { name: 'empty', text: '', want: [] },
    { name: 'garbage', text: '{oops', want: [] },
    { name: 'unknown counters skipped', text: JSON.stringify([{ Path: '\\\\h\\processor(_total)\\% processor time', CookedValue: 3 }]), want: [] },
  ])('$name', ({ text, want }) => {
    expect(parseGetCounterJson(text).map((s) => s.bytes)).toEqual(want);
  });
});

describe('spilledBytes', () => {
  it.each([
    { name: 'model loaded, 3 GiB shared', shared: 3 * GiB, loaded: true, unified: false, want: 3 * GiB - 512 * MiB },
    { name: 'below the floor', shared: 148357120, loaded: true, unified: false, want: 0 },
    { name: 'no model loaded', shared: 3 * GiB, loaded: false, unified: false, want: 0 },
    { name: 'unified memory never spills', shared: 3 * GiB, loaded: true, unified: true, want: 0 },
    { name: 'unknown shared', shared: null, loaded: true, unified: false, want: 0 },
  ])('$name', ({ shared, loaded, unified, want }) => {
    expect(spilledBytes({ sharedUsedBytes: shared, isModelLoaded: loaded, isUnifiedMemory: unified })).toBe(want);
  });
});
