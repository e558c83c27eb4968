/**
 * What `headroom serve` costs, measured from outside (issue 12): each configuration runs as its
 * own child process at a 1 s interval against the fakes (fake nvidia-smi on PATH, fake Ollama,
 * vLLM, llama.cpp and LM Studio servers in another process), and its CPU time is read from
 * /proc before and after a steady window. The same process with no sources is the baseline.
 * Configurations run side by side (CPU time, not wall time, is what is compared).
 * Each figure is the quietest of five slices of the window (other load only adds CPU time): what
 * the code costs per tick in its first minute and a half. serve-steady.ts measures the mean over
 * minutes 3–9, everything included, which is what a machine pays over a day.
 * The fakes are idle servers (the same answers every second, a GPU that does not move), so after
 * 10 s they are read every 5 s (monitor/idle-cadence.ts); "read every tick" is the same 1 GPU + 4 servers with that off
 * (HEADROOM_IDLE_READ_MS=0), which is what busy servers cost.
 *   HEADROOM_BENCH_QUICK=1: a 25 s window instead of 75 s.
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuBetween, fakeGpuSetup, fakeSmiLine, hasProcfs, line, readCpu, serverKinds, sleep, startFakeBackends, startServe, type FakeUrls, type ServeSpec, type ServerKind } from './serve-harness';

const WARM_UP_MS = 15_000; // probes, first /api/show, JIT, and 10 s of unchanged readings
const SLICES = 5;
const labels: Record<ServerKind, string> = { ollama: 'Ollama', vllm: 'vLLM', llamacpp: 'llama.cpp', lmstudio: 'LM Studio' };

function servers(urls: FakeUrls, n: number): ServeSpec['servers'] {
  return Array.from({ length: n }, (_, i) => {
    const kind = serverKinds[i % serverKinds.length]!;
    return { kind, url: urls.many[kind][Math.floor(i / serverKinds.length)]! };
  });
}

function specs(urls: FakeUrls): ServeSpec[] {
  const list: ServeSpec[] = [
    { name: 'baseline', gpus: 0, servers: [] },
    { name: 'gpu1', gpus: 1, servers: [] },
    ...serverKinds.map((k) => ({ name: `gpu1+${k}`, gpus: 1, servers: [{ kind: k, url: urls[k] }] })),
    { name: 'gpu1+servers4', gpus: 1, servers: servers(urls, 4) },
    { name: 'gpu1+servers4-busy', gpus: 1, servers: servers(urls, 4), env: { HEADROOM_IDLE_READ_MS: '0' } },
  ];
  for (const n of [2, 8, 16]) list.push({ name: `gpu1+servers${n}`, gpus: 1, servers: servers(urls, n) });
  for (const n of [2, 4, 8]) list.push({ name: `gpu${n}`, gpus: n, servers: [] });
  return list;
}

export async function benchServeCost(): Promise<{ lines: string[] }> {
  if (!hasProcfs()) return { lines: [line('serve CPU per tick (out of process)', 'skipped', 'needs Linux /proc')] };
  const windowMs = process.env.HEADROOM_BENCH_QUICK ? 25_000 : 75_000;
  const dir = mkdtempSync(join(tmpdir(), 'headroom-serve-cost-'));
  const fakes = await startFakeBackends(4);
  const running = specs(fakes.urls).map((s) => startServe(s, dir));
  // The same 1 GPU + 4 servers with a GPU that moves as a real one does (power, temperature and
  // utilisation every second, used memory by a few MiB): its own state file, rewritten each second.
  const movingDir = join(dir, 'moving');
  mkdirSync(movingDir);
  const movingState = fakeGpuSetup(movingDir, 1).state;
  running.push(startServe({ name: 'gpu1+servers4-moving', gpus: 1, servers: servers(fakes.urls, 4) }, movingDir));
  let step = 0;
  const mover = setInterval(() => {
    step++;
    const text = fakeSmiLine(0, { usedMiB: 12000 + Math.round(Math.sin(step / 7) * 6), utilPct: 30 + ((step * 7) % 20), tempC: 50 + (step % 3), powerW: 150 + ((step * 13) % 40) / 3 });
    // Whole or not at all: the fake nvidia-smi reads the file at each iteration.
    writeFileSync(`${movingState}.tmp`, `${text}\n`);
    renameSync(`${movingState}.tmp`, movingState);
  }, 1000);
  const cost = new Map<string, { perTickMs: number; childrenPerTickMs: number; idlePct: number; precise: boolean }>();
  try {
    await sleep(WARM_UP_MS);
    // The window in slices; each configuration's figure is its quietest slice. Other load on the
    // machine can only add CPU time (cache misses, migrations), never remove it.
    const slices: Array<Array<ReturnType<typeof cpuBetween>>> = running.map(() => []);
    let before = running.map((r) => readCpu(r.child.pid!));
    for (let i = 0; i < SLICES; i++) {
      await sleep(windowMs / SLICES);
      const after = running.map((r) => readCpu(r.child.pid!));
      running.forEach((_, j) => slices[j]!.push(cpuBetween(before[j]!, after[j]!)));
      before = after;
    }
    running.forEach((r, j) => {
      const best = slices[j]!.reduce((a, b) => (b.ownMs / b.wallMs < a.ownMs / a.wallMs ? b : a));
      const ticks = best.wallMs / 1000;
      cost.set(r.spec.name, { perTickMs: best.ownMs / ticks, childrenPerTickMs: best.childrenMs / ticks, idlePct: (best.ownMs / best.wallMs) * 100, precise: best.precise });
    });
  } finally {
    clearInterval(mover);
    const stopped = await Promise.allSettled(running.map((r) => r.stop()));
    fakes.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    const failed = stopped.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  const get = (name: string) => cost.get(name)!;
  const base = get('baseline').perTickMs;
  const above = (name: string) => get(name).perTickMs - base;
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  const gpuOnly = above('gpu1');
  const total = above('gpu1+servers4');
  const resolution = get('baseline').precise ? 'schedstat, ns' : '/proc clock ticks, 10 ms';
  const out: string[] = [
    `headroom serve, measured from outside (/proc, ${resolution}; 1 s interval; quietest of ${SLICES} × ${windowMs / SLICES / 1000} s slices; fakes)`,
    line('  serve with no sources (baseline): CPU per tick', ms(base), 'report'),
    line('  idle CPU of serve with no sources', `${get('baseline').idlePct.toFixed(3)} %`, '≤ 0.1 % of a core', get('baseline').idlePct <= 0.1),
    line('  1 GPU (nvidia-smi stream + compute apps), above baseline', ms(gpuOnly), 'report'),
    ...serverKinds.map((k) => line(`  + ${labels[k]}, above 1 GPU`, ms(above(`gpu1+${k}`) - gpuOnly), 'report')),
    line('CPU per tick above baseline, 1 GPU + 4 servers (quietest slice)', ms(total), '≤ 1 ms', total <= 1),
    line('  the same, servers read every tick (busy servers)', ms(above('gpu1+servers4-busy')), '≤ 1 ms', above('gpu1+servers4-busy') <= 1),
    line('  the same, a GPU whose readings move every second', ms(above('gpu1+servers4-moving')), 'report (real GPUs move)'),
    line('  reaped child processes (fake tools), per tick, 1 GPU + 4', ms(get('gpu1+servers4').childrenPerTickMs), 'report (0 with streams only)'),
    '  cost growth, ms per tick (per unit in brackets); servers on top of 1 GPU',
  ];
  const growth = (label: string, points: Array<[number, string]>, minus: number) => {
    const rows = points.map(([n, name]) => ({ n, total: above(name) - minus }));
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const perFirst = first.total / first.n;
    const perLast = last.total / last.n;
    // Linear or better: the cost of one more unit does not grow (0.1 ms of measurement slack).
    const linear = perLast <= perFirst * 1.25 + 0.1;
    out.push(line(`    ${label}: ${rows.map((r) => `${r.n}→${r.total.toFixed(2)} (${(r.total / r.n).toFixed(2)})`).join('  ')}`, linear ? 'linear' : 'super-linear', 'linear or better', linear));
  };
  growth('servers', [
    [1, 'gpu1+ollama'],
    [2, 'gpu1+servers2'],
    [4, 'gpu1+servers4'],
    [8, 'gpu1+servers8'],
    [16, 'gpu1+servers16'],
  ], gpuOnly);
  growth('GPUs', [
    [1, 'gpu1'],
    [2, 'gpu2'],
    [4, 'gpu4'],
    [8, 'gpu8'],
  ], 0);
  return { lines: out };
}
