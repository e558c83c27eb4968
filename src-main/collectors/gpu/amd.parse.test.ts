import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MiB } from '../../../shared/units/bytes';
import { gpuFixture } from '../../../e2e/fakes/gpu/make-fake-tool';
import { parseAmdSmiMemUsage, parseAmdSmiProductNames, parseRocmSmiMeminfo, parseRocmSmiProductNames, withProductNames } from './amd.parse';

const fixture = (rel: string) => readFileSync(gpuFixture(rel), 'utf8');

describe('parseRocmSmiMeminfo', () => {
  it.each([
    { name: 'one GPU (JSON)', text: fixture('rocm-smi/meminfo.json'), want: [{ index: 0, total: 25753026560, used: 13388791808 }] },
    {
      name: 'two GPUs (JSON)',
      text: fixture('rocm-smi/meminfo.dual.json'),
      want: [
        { index: 0, total: 25753026560, used: 13388791808 },
        { index: 1, total: 17163091968, used: 16146432 },
      ],
    },
    { name: 'text mode', text: fixture('rocm-smi/meminfo.txt'), want: [{ index: 0, total: 25753026560, used: 13388791808 }] },
    { name: 'warning line before the JSON', text: `WARNING: AMD GPU device(s) is/are in a low-power state.\n${fixture('rocm-smi/meminfo.json')}`, want: [{ index: 0, total: 25753026560, used: 13388791808 }] },
    { name: 'bracketed warning line before the JSON', text: `[WARNING] rocm-smi is deprecated {see amd-smi}\n${fixture('rocm-smi/meminfo.json')}`, want: [{ index: 0, total: 25753026560, used: 13388791808 }] },
    { name: 'extra keys and a system entry are ignored', text: '{"system": {"Driver version": "6.8"}, "card0": {"VRAM Total Memory (B)": "1073741824", "VRAM Total Used Memory (B)": "0", "GTT Total Memory (B)": "5"}}', want: [{ index: 0, total: 1073741824, used: 0 }] },
    { name: 'empty output', text: '', want: [] },
    { name: 'truncated JSON', text: fixture('rocm-smi/meminfo.json').slice(0, 40), want: [] },
    { name: 'N/A values', text: '{"card0": {"VRAM Total Memory (B)": "N/A", "VRAM Total Used Memory (B)": "N/A"}}', want: [] },
    { name: 'negative used', text: '{"card0": {"VRAM Total Memory (B)": "1073741824", "VRAM Total Used Memory (B)": "-5"}}', want: [] },
    { name: 'used far above total', text: '{"card0": {"VRAM Total Memory (B)": "1073741824", "VRAM Total Used Memory (B)": "9073741824"}}', want: [] },
    { name: 'decimal "bytes"', text: '{"card0": {"VRAM Total Memory (B)": "1.5", "VRAM Total Used Memory (B)": "0"}}', want: [] },
  ])('$name', ({ text, want }) => {
    const { readings } = parseRocmSmiMeminfo(text);
    expect(readings.map((r) => ({ index: r.index, total: r.memoryTotalBytes, used: r.memoryUsedBytes }))).toEqual(want);
    for (const r of readings) {
      expect(r).toMatchObject({ id: `gpu:${r.index}`, vendor: 'amd', sourceId: 'rocm-smi', utilizationPct: null });
      expect(r.memoryFreeBytes).toBe(r.memoryTotalBytes - r.memoryUsedBytes);
    }
  });

  it('says why a device was dropped', () => {
    expect(parseRocmSmiMeminfo('{"card3": {"VRAM Total Memory (B)": "[N/A]"}}').skipped).toEqual(['GPU 3: rocm-smi reported no usable VRAM figures']);
  });
});

describe('parseAmdSmiMemUsage', () => {
  const one = (mem: Record<string, unknown>, gpu: unknown = 0) => JSON.stringify([{ gpu, mem_usage: mem }]);
  it.each([
    { name: 'recorded layout (MiB labelled MB)', text: fixture('amd-smi/metric-mem-usage.json'), want: [{ index: 0, total: 24560 * MiB, used: 12768 * MiB, free: 11792 * MiB }] },
    {
      name: 'wrapped in gpu_data (other releases)',
      text: `{"gpu_data": ${fixture('amd-smi/metric-mem-usage.json')}}`,
      want: [{ index: 0, total: 24560 * MiB, used: 12768 * MiB, free: 11792 * MiB }],
    },
    { name: 'single object', text: JSON.stringify({ gpu: 2, mem_usage: { total_vram: { value: 1024, unit: 'MB' }, used_vram: { value: 24, unit: 'MB' } } }), want: [{ index: 2, total: 1024 * MiB, used: 24 * MiB, free: 1000 * MiB }] },
    { name: 'bytes unit', text: one({ total_vram: { value: 1073741824, unit: 'B' }, used_vram: { value: 0, unit: 'B' } }), want: [{ index: 0, total: 1024 * MiB, used: 0, free: 1024 * MiB }] },
    { name: 'N/A used', text: one({ total_vram: { value: 1024, unit: 'MB' }, used_vram: 'N/A' }), want: [] },
    { name: 'N/A value inside', text: one({ total_vram: { value: 'N/A', unit: 'MB' }, used_vram: { value: 1, unit: 'MB' } }), want: [] },
    { name: 'unknown unit', text: one({ total_vram: { value: 1024, unit: 'furlongs' }, used_vram: { value: 1, unit: 'MB' } }), want: [] },
    { name: 'absurd used', text: one({ total_vram: { value: 1024, unit: 'MB' }, used_vram: { value: 999999, unit: 'MB' } }), want: [] },
    { name: 'missing gpu index uses position', text: one({ total_vram: { value: 2048, unit: 'MB' }, used_vram: { value: 48, unit: 'MB' } }, 'x'), want: [{ index: 0, total: 2048 * MiB, used: 48 * MiB, free: 2000 * MiB }] },
    { name: 'empty output', text: '', want: [] },
    { name: 'empty array', text: '[]', want: [] },
    { name: 'truncated', text: fixture('amd-smi/metric-mem-usage.json').slice(0, 100), want: [] },
  ])('$name', ({ text, want }) => {
    const { readings } = parseAmdSmiMemUsage(text);
    expect(readings.map((r) => ({ index: r.index, total: r.memoryTotalBytes, used: r.memoryUsedBytes, free: r.memoryFreeBytes }))).toEqual(want);
    for (const r of readings) expect(r).toMatchObject({ vendor: 'amd', sourceId: 'amd-smi', id: `gpu:${r.index}` });
  });
});

describe('AMD product names (shown as nvidia-smi names are)', () => {
  it('rocm-smi --showproductname --json: "Card series", old and ROCm 6 key spelling', () => {
    expect([...parseRocmSmiProductNames(fixture('rocm-smi/productname.json'))]).toEqual([
      [0, 'Navi 31 [Radeon RX 7900 XT/7900 XTX/7900M]'],
      [1, 'AMD Instinct MI210'],
    ]);
  });

  it('rocm-smi text mode', () => {
    expect([...parseRocmSmiProductNames(fixture('rocm-smi/productname.txt'))]).toEqual([[0, 'Navi 31 [Radeon RX 7900 XT/7900 XTX/7900M]']]);
  });

  it('amd-smi static: asic.market_name, else board.product_name; N/A and junk dropped', () => {
    expect([...parseAmdSmiProductNames(fixture('amd-smi/static.json'))]).toEqual([[0, 'Radeon RX 7900 XTX']]);
    expect([...parseAmdSmiProductNames('{"gpu_data": [{"gpu": 1, "asic": {"market_name": "N/A"}, "board": {"product_name": "AMD Radeon PRO W7900"}}]}')]).toEqual([[1, 'AMD Radeon PRO W7900']]);
    expect([...parseAmdSmiProductNames('{"gpu": 0, "asic": {"market_name": 42}}')]).toEqual([]);
    expect([...parseAmdSmiProductNames('')]).toEqual([]);
    expect([...parseRocmSmiProductNames('{"card0": {"Card series": ""}}')]).toEqual([]);
  });

  it('applies the names to the memory readings by GPU index', () => {
    const { readings } = parseRocmSmiMeminfo(fixture('rocm-smi/meminfo.dual.json'));
    const named = withProductNames(readings, parseRocmSmiProductNames(fixture('rocm-smi/productname.json')));
    expect(named.map((r) => r.name)).toEqual(['Navi 31 [Radeon RX 7900 XT/7900 XTX/7900M]', 'AMD Instinct MI210']);
    expect(withProductNames(readings, new Map()).map((r) => r.name)).toEqual(['AMD GPU 0', 'AMD GPU 1']);
  });
});
