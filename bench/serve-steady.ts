/**
 * What `headroom serve` costs once it has run for a while (issue 12): serve-cost.ts takes the
 * quietest 15 s slice of its first 90 s, which is what the code costs per tick but not what a
 * machine pays over a day. Here the baseline (no sources) and 1 GPU + 4 servers run side by side
 * for minutes, and the figure is the MEAN of every 30 s slice of the window: everything the
 * process does is in it (garbage collection as the hour of history in memory fills, reads of idle
 * servers, the compute-apps loop, housekeeping timers, and V8's compiles of functions that get
 * hot only after minutes at one tick a second, where they are on: see src-main/cli/v8-tiering.ts). Measured from outside, as serve-cost.ts does.
 *   HEADROOM_BENCH_STEADY_MIN=N: an N-minute window (default 6; 2 with HEADROOM_BENCH_QUICK=1).
 *   The window starts after 3 minutes (1 with HEADROOM_BENCH_QUICK=1).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuBetween, hasProcfs, line, readCpu, runIfMain, serverKinds, sleep, startFakeBackends, startServe } from './serve-harness';

const SLICE_MS = 30_000;

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export async function benchServeSteady(): Promise<{ lines: string[] }> {
  if (!hasProcfs()) return { lines: [line('serve CPU per tick, steady state (out of process)', 'skipped', 'needs Linux /proc')] };
  const quick = Boolean(process.env.HEADROOM_BENCH_QUICK);
  const asked = Number(process.env.HEADROOM_BENCH_STEADY_MIN);
  const windowMin = Number.isFinite(asked) && asked >= 1 ? Math.min(120, Math.floor(asked)) : quick ? 2 : 6;
  const warmUpMs = (quick ? 1 : 3) * 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'headroom-serve-steady-'));
  const fakes = await startFakeBackends(1);
  const all = serverKinds.map((k) => ({ kind: k, url: fakes.urls[k] }));
  const base = startServe({ name: 'baseline', gpus: 0, servers: [] }, dir);
  const full = startServe({ name: 'gpu1+servers4', gpus: 1, servers: all }, dir);
  const above: number[] = [];
  let rssStart = NaN;
  let rssEnd = NaN;
  try {
    await sleep(warmUpMs);
    rssStart = rssMb(full.child.pid!);
    let before = [readCpu(base.child.pid!), readCpu(full.child.pid!)];
    for (let i = 0; i < (windowMin * 60_000) / SLICE_MS; i++) {
      await sleep(SLICE_MS);
      const after = [readCpu(base.child.pid!), readCpu(full.child.pid!)];
      const [b, f] = [cpuBetween(before[0]!, after[0]!), cpuBetween(before[1]!, after[1]!)];
      above.push(f.ownMs / (f.wallMs / 1000) - b.ownMs / (b.wallMs / 1000));
      before = after;
    }
    rssEnd = rssMb(full.child.pid!);
  } finally {
    await Promise.allSettled([base.stop(), full.stop()]);
    fakes.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  const mean = above.reduce((a, b) => a + b, 0) / above.length;
  const sorted = [...above].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const from = warmUpMs / 60_000;
  return {
    lines: [
      `headroom serve, steady state: minutes ${from}–${from + windowMin} after start, 1 GPU + 4 servers beside the no-source baseline (/proc, mean of ${above.length} × 30 s slices; fakes)`,
      line('CPU per tick above baseline, 1 GPU + 4 servers, mean over the window', `${mean.toFixed(2)} ms`, '≤ 1 ms', mean <= 1),
      line('  (median / highest 30 s slice)', `${median.toFixed(2)} / ${sorted[sorted.length - 1]!.toFixed(2)} ms`, 'report', null),
      line('  RSS at the start / end of the window', `${rssStart.toFixed(1)} / ${rssEnd.toFixed(1)} MB`, 'report', null),
    ],
  };
}

runIfMain(import.meta.url, benchServeSteady);
