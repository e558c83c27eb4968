/**
 * Processes spawned per minute at a 1 s interval, per platform (issue 11 §2): the real core runs
 * with `process.platform` set to win32, linux and darwin in turn and a counter around
 * node:child_process (Headroom's own spawns and systeminformation's). Start-up spawns (probes and
 * the long-running streams) are listed apart from the steady window, which must have none per
 * tick: only the once-a-minute swap / page-file read is allowed there.
 *   HEADROOM_BENCH_QUICK=1: a 20 s window instead of 60 s.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fakeGpuSetup, line, root, startFakeBackends } from './serve-harness';

interface Result {
  platform: string;
  startup: { fn: string; file: string; isStream: boolean }[];
  steady: { atMs: number; fn: string; file: string; isStream: boolean }[];
  ticks: number;
}

function runChild(platform: string, windowMs: number, urls: string, fakeSmi: string, env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/spawn-count-child.ts'), platform, String(windowMs), urls, fakeSmi], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.on('exit', (code) => {
      const json = out.split('\n').find((l) => l.startsWith('{'));
      if (json) resolve(JSON.parse(json) as Result);
      else reject(new Error(`spawn counter for ${platform} exited ${code}: ${err.trim().split('\n').pop() ?? ''}`));
    });
  });
}

function summarize(spawns: { file: string; isStream: boolean }[]): string {
  const counts = new Map<string, number>();
  for (const s of spawns) {
    const key = `${s.file}${s.isStream ? ' (long-running stream)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(', ') || 'none';
}

export async function benchSpawnCount(): Promise<{ lines: string[] }> {
  const windowMs = process.env.HEADROOM_BENCH_QUICK ? 20_000 : 60_000;
  const dir = mkdtempSync(join(tmpdir(), 'headroom-spawns-'));
  const { binDir, state } = fakeGpuSetup(dir, 1);
  // One folder per setup with the fake tools that machine would have (recorded outputs).
  const toolDir = (name: string, tools: string[]) => {
    const d = join(dir, name);
    mkdirSync(d);
    for (const t of tools) symlinkSync(join(root, 'e2e/fakes/gpu/bin', t), join(d, t));
    return d;
  };
  const systemPath = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('fakes')).join(':');
  const pathFor: Record<string, string> = {
    win32: `${binDir}:${systemPath}`,
    linux: `${binDir}:${systemPath}`,
    'linux-amd': `${toolDir('amd', ['amd-smi'])}:${systemPath}`,
    darwin: `${toolDir('mac', ['sysctl'])}:${systemPath}`,
  };
  const fakes = await startFakeBackends(1);
  const out: string[] = [`processes spawned at a 1 s interval (real core, process.platform simulated, ${windowMs / 1000} s window; 1 GPU + 4 servers)`];
  try {
    const results = await Promise.all(
      Object.keys(pathFor).map((p) => runChild(p, windowMs, JSON.stringify(fakes.urls), join(binDir, 'nvidia-smi'), { ...process.env, PATH: pathFor[p], FAKE_NVIDIA_SMI_STATE: state })),
    );
    for (const r of results) {
      const perMinute = (r.steady.length * 60) / r.ticks;
      // Issue 11.2 / 12: no process per tick, ≤ 12 a minute in the steady state (what the 5 s
      // compute-apps query used to cost): the once-a-minute swap read, AMD's tools every 5 s
      // (no loop mode), macOS memory every 20 s.
      const pass = perMinute <= 12;
      out.push(line(`  ${r.platform}: per minute, steady (0 per tick)`, `${perMinute.toFixed(1)}/min`, '0 per tick; ≤ 12/min', pass));
      out.push(`      steady: ${summarize(r.steady)}`);
      out.push(`      start-up (probes + long-running streams): ${summarize(r.startup)}`);
    }
  } finally {
    fakes.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
  return { lines: out };
}
