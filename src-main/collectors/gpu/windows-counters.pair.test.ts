import { describe, expect, it } from 'vitest';
import { gpuSchema, type GpuReading } from '../../../shared/model/snapshot';
import { GiB, MiB } from '../../../shared/units/bytes';
import type { AdapterUsage } from './windows-counters.parse';
import { attachWindowsUsage, pairAdapters, windowsReadings, type WindowsAdapterInfo } from './windows-counters.pair';

const D1B6 = 'luid_0x00000000_0x0000d1b6_phys_0';
const C4E2 = 'luid_0x00000000_0x0000c4e2_phys_0';
const dgpu: AdapterUsage = { adapter: D1B6, dedicatedUsedBytes: 10737786880, sharedUsedBytes: 148357120, processes: [{ pid: 11872, dedicatedBytes: 10099490816, sharedBytes: null }, { pid: 9, dedicatedBytes: 0, sharedBytes: 5 }] };
const igpu: AdapterUsage = { adapter: C4E2, dedicatedUsedBytes: 0, sharedUsedBytes: 512405504, processes: [] };
const rtx: WindowsAdapterInfo = { name: 'NVIDIA GeForce RTX 4080 SUPER', vendor: 'nvidia', totalBytes: 16 * GiB };
const uhd: WindowsAdapterInfo = { name: 'Intel UHD Graphics 770', vendor: 'other', totalBytes: 128 * MiB };
const rx: WindowsAdapterInfo = { name: 'AMD Radeon RX 7900 XTX', vendor: 'amd', totalBytes: 24 * GiB };

describe('pairAdapters', () => {
  it.each([
    { name: 'dGPU + iGPU, both listed', usages: [igpu, dgpu], infos: [uhd, rtx], want: [[D1B6, rtx.name], [C4E2, uhd.name]] },
    { name: 'iGPU missing from the list: discrete only', usages: [igpu, dgpu], infos: [rtx], want: [[D1B6, rtx.name]] },
    { name: 'two discrete GPUs, no LUIDs: ambiguous → no guess', usages: [dgpu, igpu], infos: [rtx, rx], want: [] },
    { name: 'two discrete GPUs, one given its LUID: the other follows', usages: [dgpu, { ...dgpu, adapter: 'luid_0x0_0x1_phys_0' }], infos: [{ ...rtx, luid: 'luid_0x0_0x1' }, rx], want: [['luid_0x0_0x1_phys_0', rtx.name], [D1B6, rx.name]] },
    { name: 'exact LUID wins over rank', usages: [dgpu, igpu], infos: [{ ...uhd, luid: 'luid_0x00000000_0x0000D1B6' }, rtx], want: [[D1B6, uhd.name]] },
    { name: 'nothing listed', usages: [dgpu], infos: [], want: [] },
    { name: 'more discrete adapters than infos: no guess', usages: [dgpu, { ...dgpu, adapter: 'luid_0x0_0x1_phys_0' }], infos: [rtx], want: [] },
  ])('$name', ({ usages, infos, want }) => {
    const { pairs } = pairAdapters(usages, infos);
    expect(pairs.map((p) => [p.usage.adapter, p.info.name])).toEqual(want);
  });
});

describe('windowsReadings', () => {
  it('builds schema-valid readings with shared usage and VRAM-holding processes', () => {
    const { readings, skipped } = windowsReadings([igpu, dgpu], [rtx]);
    expect(skipped).toEqual([]);
    expect(readings).toHaveLength(1);
    const r = gpuSchema.parse(readings[0]);
    expect(r).toMatchObject({ id: 'gpu:0', vendor: 'nvidia', memoryTotalBytes: 16 * GiB, memoryUsedBytes: 10737786880, sharedUsedBytes: 148357120, sourceId: 'windows-counters' });
    expect(r.processes).toEqual([{ pid: 11872, name: 'pid 11872', usedBytes: 10099490816, backendId: null }]);
  });
  it('reports an adapter it cannot size', () => {
    const { readings, skipped } = windowsReadings([dgpu], []);
    expect(readings).toEqual([]);
    expect(skipped[0]).toMatch(/luid_0x00000000_0x0000d1b6_phys_0: 10240 MiB in use, total VRAM unknown/);
  });
  it('drops a used figure far above the total', () => {
    const { readings, skipped } = windowsReadings([dgpu], [{ ...rtx, totalBytes: 1 * GiB }]);
    expect(readings).toEqual([]);
    expect(skipped).toHaveLength(1);
  });
});

describe('attachWindowsUsage', () => {
  const nv = (usedBytes: number, index = 0): GpuReading => ({
    id: `gpu:${index}`, index, vendor: 'nvidia', name: 'RTX', uuid: null, memoryTotalBytes: 16 * GiB, memoryUsedBytes: usedBytes, memoryFreeBytes: 16 * GiB - usedBytes,
    utilizationPct: null, temperatureC: null, powerWatts: null, processes: [{ pid: 11872, name: 'ollama.exe', usedBytes: null, backendId: null }],
  });
  it.each([
    { name: 'close match attaches shared usage and fills [N/A] process bytes', readings: [nv(10737786880 - 50 * MiB)], want: [{ shared: 148357120, pidBytes: 10099490816 }] },
    { name: 'no adapter near the used figure', readings: [nv(2 * GiB)], want: [{ shared: undefined, pidBytes: null }] },
    { name: 'two readings claim one adapter: neither gets it', readings: [nv(10 * GiB), nv(10 * GiB, 1)], want: [{ shared: undefined, pidBytes: null }, { shared: undefined, pidBytes: null }] },
  ])('$name', ({ readings, want }) => {
    const out = attachWindowsUsage(readings, [dgpu, igpu]);
    expect(out.map((r) => ({ shared: r.sharedUsedBytes, pidBytes: r.processes?.[0]?.usedBytes ?? null }))).toEqual(want);
  });
});
