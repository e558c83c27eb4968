/**
 * Windows GPU counters (issue 11 items 6 and 7), measured from outside Headroom's process:
 * - processes started by the WMI reader source while it delivers samples at a fast interval,
 *   counted from the fake powershell.exe's own start log (target: 1 for the whole run, 0 per tick);
 * - CPU of this process and its reaped children per sample (Linux /proc; the fake stands in for
 *   PowerShell, so the figure is Headroom's side of the pipe, not WMI's);
 * - nvidia-smi runs while the driver is missing at login: how many probes the backoff makes
 *   before it gives up (target ≤ 12 in 30 minutes, none after).
 */
import { readFileSync } from 'node:fs';
import { gpuFixture, makeFakeBinDir, readInvocations, writeFakeTool } from '../e2e/fakes/gpu/make-fake-tool';
import { NVIDIA_REPROBE_BACKOFF_MS } from '../src-main/collectors/gpu/nvidia-reprobe';
import { createWmiCountersSource } from '../src-main/collectors/gpu/windows-wmi.collector';

function line(name: string, value: string, target: string, pass: boolean | null): string {
  const verdict = pass === null ? '' : pass ? '  PASS' : '  FAIL';
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${verdict}`;
}

function cpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ([11, 12, 13, 14].map((i) => Number(fields[i])).reduce((a, b) => a + b, 0) * 1000) / 100;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
}

/** Probes the backoff makes before giving up after `giveUpMs`. */
function probesBeforeGiveUp(giveUpMs: number): number {
  let t = 0;
  let n = 0;
  for (;;) {
    const delay = NVIDIA_REPROBE_BACKOFF_MS[Math.min(n, NVIDIA_REPROBE_BACKOFF_MS.length - 1)]!;
    if (t + delay > giveUpMs) return n;
    t += delay;
    n += 1;
  }
}

export async function benchWindowsCounters(): Promise<{ lines: string[] }> {
  const bin = await makeFakeBinDir('headroom-bench-wmi-');
  try {
    const captured = readFileSync(gpuFixture('windows/wmi-reader.de-DE.txt'), 'utf8');
    const rounds = captured.split(/(?<=\r\nE\t\d+\r\n)/).slice(0, 2);
    const log = `${bin.dir}/calls.log`;
    const ps = await writeFakeTool(bin.dir, 'powershell.exe', { logFile: log, rules: [{ crlf: true, stream: { frames: rounds, intervalMs: 100 } }] });
    const src = createWmiCountersSource({ powershellPath: ps, intervalMs: 250, loadAdapters: async () => [] });
    const seconds = 6;
    const cpu0 = cpuMs();
    let ticks = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      src.latestUsage();
      await src.read(AbortSignal.timeout(1000));
      ticks += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu = cpuMs() - cpu0;
    src.dispose();
    const starts = (await readInvocations(log)).length;
    const probes = probesBeforeGiveUp(30 * 60_000);
    return {
      lines: [
        line(`Windows WMI reader: processes for ${ticks} ticks (${seconds} s)`, String(starts), '1 (0 per tick)', starts === 1),
        line('  (CPU per tick, Headroom + fake reader, Linux /proc)', `${(cpu / ticks).toFixed(3)} ms`, 'report', null),
        line('NVIDIA missing at login: nvidia-smi probes in 30 min', String(probes), '≤ 12, then stop', probes <= 12),
      ],
    };
  } finally {
    await bin.remove();
  }
}
