/** System RAM and swap through `systeminformation` (bytes). */
import si from 'systeminformation';
import type { SystemMemory } from '../../../shared/model/snapshot';
import type { SourceSample, SystemSource } from '../types';

type MemData = Pick<si.Systeminformation.MemData, 'total' | 'available' | 'swaptotal' | 'swapused'>;

/** Used = total − available (what the OS could not hand out without swapping); not "used incl. cache". */
export function toSystemMemory(mem: MemData): SystemMemory | null {
  const total = Math.round(mem.total);
  if (!(total > 0)) return null;
  const available = Number.isFinite(mem.available) ? Math.round(mem.available) : 0;
  const swapTotal = Number.isFinite(mem.swaptotal) && mem.swaptotal > 0 ? Math.round(mem.swaptotal) : 0;
  const swapUsed = Number.isFinite(mem.swapused) && mem.swapused > 0 ? Math.min(Math.round(mem.swapused), swapTotal) : 0;
  return {
    memoryTotalBytes: total,
    memoryUsedBytes: Math.min(total, Math.max(0, total - available)),
    swapTotalBytes: swapTotal,
    swapUsedBytes: swapUsed,
  };
}

export class SystemMemorySource implements SystemSource {
  readonly id = 'system';
  constructor(private readonly readMem: () => Promise<MemData> = () => si.mem()) {}

  async read(signal: AbortSignal): Promise<SourceSample<SystemMemory>> {
    try {
      const mem = await Promise.race([
        this.readMem(),
        new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true })),
      ]);
      const value = toSystemMemory(mem);
      return value ? { status: 'ok', value } : { status: 'error', message: 'System memory: the OS reported a total of 0 bytes.' };
    } catch (error) {
      return { status: 'error', message: `System memory: ${(error as Error).message}.` };
    }
  }
}
