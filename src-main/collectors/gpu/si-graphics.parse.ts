/**
 * Pure mapping of `systeminformation.graphics().controllers` to readings (backends.md §7).
 * Units are MiB (documented as "MB"). systeminformation copies nvidia-smi values with
 * `if (value)`, so a real 0 arrives as a missing field: used = total − free recovers it.
 * Controllers that report a total but no usage (AMD/Intel on Linux, non-NVIDIA on Windows)
 * cannot give headroom and are skipped with a reason.
 */
import type { GpuReading } from '../../../shared/model/snapshot';
import { mibToBytes } from '../../../shared/units/bytes';
import { memoryFigures, vendorFromText } from './values';

/** The fields Headroom reads from `si.graphics().controllers[i]` (all optional on purpose). */
export interface SiGraphicsController {
  vendor?: string | null;
  model?: string | null;
  name?: string | null;
  vram?: number | null;
  memoryTotal?: number | null;
  memoryUsed?: number | null;
  memoryFree?: number | null;
  utilizationGpu?: number | null;
  temperatureGpu?: number | null;
  powerDraw?: number | null;
}

export const SI_GRAPHICS_SOURCE_ID = 'systeminformation';

function finiteOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function mib(v: number | null | undefined): number | null {
  const n = finiteOrNull(v);
  return n === null || n < 0 ? null : mibToBytes(n);
}

/** Maps controllers to readings; the index is the position among controllers that gave usage. */
export function parseSiGraphics(controllers: readonly SiGraphicsController[]): { readings: GpuReading[]; skipped: string[] } {
  const readings: GpuReading[] = [];
  const skipped: string[] = [];
  controllers.forEach((c, position) => {
    const name = (c.name ?? c.model ?? '').trim() || `GPU ${position}`;
    const totalBytes = mib(c.memoryTotal) ?? mib(c.vram);
    const freeBytes = mib(c.memoryFree);
    let usedBytes = mib(c.memoryUsed);
    if (usedBytes === null && totalBytes !== null && freeBytes !== null) usedBytes = Math.max(0, totalBytes - freeBytes);
    const figures = memoryFigures(totalBytes, usedBytes, freeBytes);
    if (!figures) {
      skipped.push(totalBytes === null ? `${name}: no memory size reported` : `${name}: total known, usage not reported`);
      return;
    }
    const index = readings.length;
    const util = finiteOrNull(c.utilizationGpu);
    const temp = finiteOrNull(c.temperatureGpu);
    const power = finiteOrNull(c.powerDraw);
    readings.push({
      id: `gpu:${index}`,
      index,
      vendor: vendorFromText(`${c.vendor ?? ''} ${name}`),
      name,
      uuid: null,
      ...figures,
      utilizationPct: util !== null && util >= 0 && util <= 100 ? util : null,
      temperatureC: temp !== null && temp > -50 && temp < 200 ? temp : null,
      powerWatts: power !== null && power >= 0 && power < 5000 ? power : null,
      sourceId: SI_GRAPHICS_SOURCE_ID,
    });
  });
  return { readings, skipped };
}
