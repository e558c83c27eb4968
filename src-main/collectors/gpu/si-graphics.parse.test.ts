import { describe, expect, it } from 'vitest';
import { MiB } from '../../../shared/units/bytes';
import { parseSiGraphics, type SiGraphicsController } from './si-graphics.parse';

// Controller shapes as systeminformation 5.x builds them (backends.md §7): MiB numbers, and a
// 0 from nvidia-smi is dropped (`if (value)`), so idle fields are missing rather than 0.
describe('parseSiGraphics', () => {
  it.each<{ name: string; controllers: SiGraphicsController[]; want: { name: string; vendor: string; total: number; used: number; free: number; util: number | null }[]; skipped?: number }>([
    {
      name: 'NVIDIA with all memory fields',
      controllers: [{ vendor: 'NVIDIA', model: 'NVIDIA GeForce RTX 4080 SUPER', name: 'NVIDIA GeForce RTX 4080 SUPER', vram: 16376, memoryTotal: 16376, memoryUsed: 596, memoryFree: 15348, utilizationGpu: 3, temperatureGpu: 43, powerDraw: 26.2 }],
      want: [{ name: 'NVIDIA GeForce RTX 4080 SUPER', vendor: 'nvidia', total: 16376 * MiB, used: 596 * MiB, free: 15348 * MiB, util: 3 }],
    },
    {
      name: 'used 0 dropped by systeminformation → derived from free',
      controllers: [{ vendor: 'NVIDIA', model: 'RTX 3060', vram: 12288, memoryTotal: 12288, memoryFree: 12288 }],
      want: [{ name: 'RTX 3060', vendor: 'nvidia', total: 12288 * MiB, used: 0, free: 12288 * MiB, util: null }],
    },
    {
      name: 'AMD on Linux: total only → skipped',
      controllers: [{ vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]', model: 'Navi 31', vram: 24560 }],
      want: [],
      skipped: 1,
    },
    {
      name: 'no memory at all → skipped',
      controllers: [{ vendor: 'Intel Corporation', model: 'UHD Graphics 630', vram: null }],
      want: [],
      skipped: 1,
    },
    {
      name: 'iGPU skipped, dGPU kept and indexed from 0',
      controllers: [
        { vendor: 'Intel Corporation', model: 'UHD Graphics 630', vram: 128 },
        { vendor: 'NVIDIA', model: 'RTX 3090', memoryTotal: 24576, memoryUsed: 18712, memoryFree: 5457, utilizationGpu: 150 },
      ],
      want: [{ name: 'RTX 3090', vendor: 'nvidia', total: 24576 * MiB, used: 18712 * MiB, free: 5457 * MiB, util: null }],
      skipped: 1,
    },
    {
      name: 'negative and NaN values',
      controllers: [{ vendor: 'NVIDIA', model: 'X', memoryTotal: -1, memoryUsed: Number.NaN }],
      want: [],
      skipped: 1,
    },
    { name: 'no controllers', controllers: [], want: [] },
  ])('$name', ({ controllers, want, skipped }) => {
    const r = parseSiGraphics(controllers);
    expect(r.readings.map((g) => ({ name: g.name, vendor: g.vendor, total: g.memoryTotalBytes, used: g.memoryUsedBytes, free: g.memoryFreeBytes, util: g.utilizationPct }))).toEqual(want);
    r.readings.forEach((g, i) => expect(g).toMatchObject({ id: `gpu:${i}`, index: i, sourceId: 'systeminformation' }));
    expect(r.skipped).toHaveLength(skipped ?? 0);
  });
});
