/**
 * CPU per GPU sample: one persistent `nvidia-smi -lms` stream vs one nvidia-smi spawn per
 * tick, both against the same fake nvidia-smi printing the same recorded two-GPU output.
 * Child CPU is counted on Linux (`/proc/self/stat` cutime/cstime of reaped children);
 * elsewhere only Headroom's own CPU is, and the line says so. On Windows the typeperf
 * stream is compared with one `typeperf -sc 1` per tick the same way.
 */
import { readFileSync } from 'node:fs';
import { gpuFixture, makeFakeBinDir, writeFakeTool } from '../e2e/fakes/gpu/make-fake-tool';
import type { GpuSource } from '../src-main/collectors/types';
import { NvidiaSmiStream, queryNvidiaSmiOnce } from '../src-main/collectors/gpu/nvidia-smi.collector';
import { defaultLocateDeps, locateTypeperf } from '../src-main/collectors/gpu/locate';
import { runCommand } from '../src-main/collectors/gpu/run-command';
import { createWindowsCountersSource, typeperfArgs } from '../src-main/collectors/gpu/windows-counters.collector';
import { silentLogger } from '../src-main/util/logger';

const SAMPLES = 30;
const INTERVAL_MS = 100;

function line(name: string, value: string, target: string): string {
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}`;
}

/** CPU ms of this process plus its reaped children (Linux), else of this process only. */
function cpuMs(): { ms: number; withChildren: boolean } {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the `(comm)`: utime stime cutime cstime are 14–17 (1-based) of the full line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].map((i) => Number(fields[i])).reduce((a, b) => a + b, 0);
    return { ms: (ticks * 1000) / 100, withChildren: true }; // USER_HZ is 100 on Linux
  } catch {
    const u = process.cpuUsage();
    return { ms: (u.user + u.system) / 1000, withChildren: false };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU per sample while a persistent source delivers SAMPLES fresh samples. */
async function measureStream(
  source: GpuSource,
  isFresh: () => boolean,
  waitExit: () => Promise<void>,
  intervalMs = INTERVAL_MS,
): Promise<{ perSampleMs: number; withChildren: boolean }> {
  // Warm-up: the first sample includes process start, which a long-running stream pays once.
  for (let i = 0; i < 50 && !isFresh(); i += 1) {
    await source.read(AbortSignal.timeout(5_000));
    await sleep(intervalMs);
  }
  const c0 = cpuMs();
  for (let i = 0; i < SAMPLES; i += 1) {
    await sleep(intervalMs);
    await source.read(AbortSignal.timeout(5_000));
  }
  source.dispose();
  await waitExit();
  const c1 = cpuMs();
  return { perSampleMs: (c1.ms - c0.ms) / SAMPLES, withChildren: c1.withChildren };
}

async function measureSpawns(once: () => Promise<unknown>): Promise<{ perSampleMs: number; withChildren: boolean }> {
  await once();
  const c0 = cpuMs();
  for (let i = 0; i < SAMPLES; i += 1) await once();
  const c1 = cpuMs();
  return { perSampleMs: (c1.ms - c0.ms) / SAMPLES, withChildren: c1.withChildren };
}

function report(kind: string, stream: { perSampleMs: number; withChildren: boolean }, spawns: { perSampleMs: number }): string[] {
  const scope = stream.withChildren ? '+ child' : 'own CPU only';
  const ratio = stream.perSampleMs > 0 ? spawns.perSampleMs / stream.perSampleMs : Number.POSITIVE_INFINITY;
  return [
    line(`CPU per GPU sample, ${kind} stream (${scope})`, `${stream.perSampleMs.toFixed(3)} ms`, 'report'),
    line(`CPU per GPU sample, ${kind} spawn per tick (${scope})`, `${spawns.perSampleMs.toFixed(3)} ms`, 'report'),
    line(`  spawn-per-tick / stream CPU ratio`, Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : '∞', '> 1 (stream cheaper)'),
  ];
}

async function waitForPidExit(pid: number | null): Promise<void> {
  for (let i = 0; pid !== null && i < 100; i += 1) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(20);
  }
}

export async function benchGpuStream(): Promise<{ lines: string[] }> {
  const bin = await makeFakeBinDir('headroom-bench-gpu-');
  const lines: string[] = [];
  try {
    const frame = readFileSync(gpuFixture('nvidia-smi/query-gpu.dual.csv'), 'utf8').trimEnd();
    const fake = await writeFakeTool(bin.dir, 'nvidia-smi', { rules: [{ whenArgs: ['-lms'], stream: { frames: [frame] } }, { stdout: `${frame}\n` }] });
    const stream = new NvidiaSmiStream({ path: fake, intervalMs: INTERVAL_MS, logger: silentLogger });
    const pid = () => stream.pid;
    let childPid: number | null = null;
    const s = await measureStream(
      stream,
      () => {
        childPid = pid();
        return childPid !== null;
      },
      () => waitForPidExit(childPid),
    );
    const o = await measureSpawns(() => queryNvidiaSmiOnce(fake, 5_000));
    lines.push(...report('fake nvidia-smi', s, o));
    lines.push('  (the fake nvidia-smi is a Node script; a real spawn pays its own start-up and NVML init instead)');

    if (process.platform === 'win32') {
      const typeperf = await locateTypeperf(defaultLocateDeps());
      if (typeperf) {
        const counters = createWindowsCountersSource({ typeperfPath: typeperf, intervalMs: 1000, loadAdapters: async () => [] });
        const ws = await measureStream(counters, () => counters.latestUsage() !== null, async () => {
          await sleep(500);
        }, 1000);
        const wo = await measureSpawns(() => runCommand(typeperf, [...typeperfArgs(1000).slice(0, 4), '-sc', '1'], { timeoutMs: 10_000 }));
        lines.push(...report('typeperf', ws, wo));
      } else lines.push(line('Windows counter reader', 'skipped', 'typeperf.exe not found'));
    } else {
      lines.push(line('Windows counter reader (typeperf stream vs spawn)', 'skipped', 'Windows only'));
    }
  } finally {
    await bin.remove();
  }
  return { lines };
}
