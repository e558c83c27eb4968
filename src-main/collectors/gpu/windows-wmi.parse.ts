/**
 * Pure parsing of the Windows GPU memory reader's output (windows-wmi.collector.ts).
 *
 * Performance counter *names* are localised ("\GPU-Adaptertreiberspeicher(*)\…" on German
 * Windows), so typeperf with English paths fails there. The WMI raw performance classes are not:
 * `Win32_PerfRawData_GPUPerformanceCounters_GPUAdapterMemory` and `…_GPUProcessMemory` have the
 * same class and property names (`Name`, `DedicatedUsage`, `SharedUsage`) in every language
 * (Microsoft docs, "Performance Counter Classes" / "WMI Performance Counter Types"; these are
 * PERF_COUNTER_LARGE_RAWCOUNT, so the raw value is the byte count). Instance names are the
 * same LUID strings typeperf shows (`luid_0x…_phys_0`, `pid_1234_luid_0x…_phys_0`).
 *
 * The reader prints one tab-separated record per line (CRLF on Windows):
 *   H <tab> headroom-wmi 1              once at start
 *   A <tab> <Name> <tab> <DedicatedUsage> <tab> <SharedUsage>    one per adapter
 *   P <tab> <Name> <tab> <DedicatedUsage> <tab> <SharedUsage>    one per process instance
 *   E <tab> <epoch ms>                  end of one round: the records above are one frame
 *   X <tab> <message>                   this round failed (the message is in the OS language)
 * Numbers are printed with the invariant culture; a decimal comma is accepted anyway.
 */
import { INSTANCE_RE, summarizeCounters, type AdapterUsage, type CounterSample } from './windows-counters.parse';
import { ABSURD_BYTES, parseLooseNumber } from './values';

export type WmiRecord =
  | { type: 'hello'; version: string }
  | { type: 'sample'; samples: CounterSample[] }
  | { type: 'end'; atMs: number | null }
  | { type: 'error'; message: string };

function bytes(cell: string | undefined): number | null {
  const n = parseLooseNumber(cell?.trim() ?? null);
  return n !== null && n >= 0 && n <= ABSURD_BYTES ? Math.round(n) : null;
}

/** One line of reader output → a record, or null for anything else (banners, blank lines). */
export function parseWmiLine(line: string): WmiRecord | null {
  const cells = line.replace(/\r$/, '').split('\t');
  switch (cells[0]) {
    case 'H':
      return { type: 'hello', version: (cells[1] ?? '').trim() };
    case 'E': {
      const n = parseLooseNumber(cells[1]?.trim() ?? null);
      return { type: 'end', atMs: n !== null && n > 0 ? n : null };
    }
    case 'X':
      return { type: 'error', message: cells.slice(1).join(' ').replace(/\s+/g, ' ').trim().slice(0, 300) || 'unknown error' };
    case 'A':
    case 'P': {
      if (cells.length < 4) return null;
      const inst = INSTANCE_RE.exec((cells[1] ?? '').trim());
      if (!inst?.[2]) return null;
      const pid = inst[1] !== undefined ? Number(inst[1]) : null;
      const set = cells[0] === 'A' ? 'adapter' : 'process';
      if ((set === 'process') !== (pid !== null)) return null;
      const adapter = inst[2].toLowerCase();
      return {
        type: 'sample',
        samples: [
          { set, kind: 'dedicated', adapter, pid, bytes: bytes(cells[2]) },
          { set, kind: 'shared', adapter, pid, bytes: bytes(cells[3]) },
        ],
      };
    }
    default:
      return null;
  }
}

/**
 * Collects records into frames: `onFrame` gets the adapters of each complete round (A/P lines
 * up to E), `onError` each failed round. A frame cut short by an error or a restart is dropped.
 */
export function createWmiFrameReader(handlers: { onFrame(usages: AdapterUsage[]): void; onError(message: string): void; onHello?(version: string): void }): {
  push(line: string): void;
  reset(): void;
} {
  let pending: CounterSample[] = [];
  return {
    push(line) {
      const r = parseWmiLine(line);
      if (!r) return;
      if (r.type === 'hello') {
        pending = [];
        handlers.onHello?.(r.version);
      } else if (r.type === 'sample') pending.push(...r.samples);
      else if (r.type === 'end') {
        handlers.onFrame(summarizeCounters(pending));
        pending = [];
      } else {
        pending = [];
        handlers.onError(r.message);
      }
    },
    reset() {
      pending = [];
    },
  };
}

/** Parses a whole captured output; the last complete frame and every error, for tests and tools. */
export function parseWmiOutput(text: string): { frames: AdapterUsage[][]; errors: string[] } {
  const frames: AdapterUsage[][] = [];
  const errors: string[] = [];
  const reader = createWmiFrameReader({ onFrame: (u) => frames.push(u), onError: (m) => errors.push(m) });
  for (const line of text.split('\n')) reader.push(line);
  return { frames, errors };
}
