/**
 * Shared by the out-of-process benchmarks: fake LLM servers in their own process, a fake
 * `nvidia-smi` on PATH scripted by a state file, `headroom serve` as a child process, and its
 * CPU time read from `/proc` (never from inside the process being measured).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendKind } from '../shared/model/snapshot';

export const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
export const fakeSmi = join(root, 'e2e/fakes/nvidia-smi');
export const serverKinds = ['ollama', 'vllm', 'llamacpp', 'lmstudio'] as const satisfies readonly BackendKind[];
export type ServerKind = (typeof serverKinds)[number];
export type FakeUrls = Record<ServerKind, string> & { many: Record<ServerKind, string[]> };

export function line(name: string, value: string, target: string, pass: boolean | null = null): string {
  const verdict = pass === null ? '' : pass ? '  PASS' : '  FAIL';
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${verdict}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fake Ollama, vLLM, llama.cpp and LM Studio servers (`perKind` of each) in a child process. */
export async function startFakeBackends(perKind = 1): Promise<{ urls: FakeUrls; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/fake-backends-server.ts'), '--per-kind', String(perKind)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls = await new Promise<FakeUrls>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as FakeUrls);
    });
    child.on('exit', (code) => reject(new Error(`fake backends exited ${code}`)));
  });
  return { urls, child };
}

/** One `--query-gpu` line of the fake (an RTX 4090 of 24564 MiB, 300 MiB reserved), as the real tool prints it. */
export function fakeSmiLine(index: number, o: { usedMiB?: number; utilPct?: number; tempC?: number; powerW?: number } = {}): string {
  const used = o.usedMiB ?? 12000;
  return `${index}, GPU-bench-${index}, NVIDIA GeForce RTX 4090, 24564, ${used}, ${24564 - used - 300}, 300, ${o.utilPct ?? 40}, ${o.tempC ?? 50}, ${(o.powerW ?? 150).toFixed(2)}, 595.71.05`;
}

/**
 * A folder with `nvidia-smi` (the scripted fake) for PATH, and a state file with `gpus` GPU
 * lines plus `<state>.apps` listing two LLM processes on GPU 0 (compute-apps format).
 */
export function fakeGpuSetup(dir: string, gpus: number): { binDir: string; state: string } {
  const binDir = join(dir, 'bin');
  if (!existsSync(binDir)) {
    mkdirSync(binDir, { recursive: true });
    symlinkSync(fakeSmi, join(binDir, 'nvidia-smi'));
  }
  const state = join(dir, `smi-${gpus}`);
  const lines = Array.from({ length: gpus }, (_, i) => fakeSmiLine(i));
  writeFileSync(state, `${lines.join('\n')}\n`);
  writeFileSync(`${state}.apps`, '48211, /usr/local/bin/ollama, 10010, GPU-bench-0\n48377, /usr/bin/python3, 1966, GPU-bench-0\n');
  return { binDir, state };
}

export interface ServeSpec {
  name: string;
  /** 0: no GPU tool on PATH. */
  gpus: number;
  servers: { kind: ServerKind; url: string }[];
  /** Extra environment for this configuration (e.g. HEADROOM_IDLE_READ_MS=0: idle servers read every tick). */
  env?: NodeJS.ProcessEnv;
}

export interface RunningServe {
  spec: ServeSpec;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `headroom serve` (the built dist/cli.js) with only the given sources, 1 s interval, on a run-time port. */
export function startServe(spec: ServeSpec, dir: string, extraEnv: NodeJS.ProcessEnv = {}): RunningServe {
  const data = join(dir, `data-${spec.name.replace(/[^a-z0-9]+/gi, '-')}`);
  mkdirSync(data, { recursive: true });
  const gpu = spec.gpus > 0 ? fakeGpuSetup(dir, spec.gpus) : null;
  // HEADROOM_BENCH_CLI: another build to measure the same way (e.g. a copy of an older dist/cli.js in dist/).
  const args = [spec.env?.HEADROOM_BENCH_CLI ?? process.env.HEADROOM_BENCH_CLI ?? join(root, 'dist/cli.js'), 'serve', '--port', '0', '--interval-ms', '1000', '--data-dir', data, '--no-discover'];
  for (const s of spec.servers) args.push('--backend', `${s.kind}=${s.url}`);
  // The baseline must not find any nvidia-smi: PATH keeps only the system folders then.
  const basePath = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('fakes')).join(':');
  // HEADROOM_BENCH_NODE_FLAGS: node/V8 flags for the measured process (experiments).
  const nodeFlags = (spec.env?.HEADROOM_BENCH_NODE_FLAGS ?? process.env.HEADROOM_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, ...args], {
    env: { ...process.env, ...spec.env, ...extraEnv, PATH: gpu ? `${gpu.binDir}:${basePath}` : basePath, FAKE_NVIDIA_SMI_STATE: gpu?.state ?? join(dir, 'none') },
    // SERVE_STDOUT=1: the measured process's own output on this terminal (V8 traces in experiments).
    stdio: ['ignore', process.env.SERVE_STDOUT ? 'inherit' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    spec,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`${spec.name}: headroom serve did not exit within 5 s of SIGTERM. ${stderr.slice(-400)}`);
      }
    },
  };
}

export interface CpuReading {
  /** utime + stime of the process (all threads), 10 ms resolution. */
  statMs: number;
  /** Sum of every live thread's on-CPU time (/proc/<pid>/task/<tid>/schedstat), ns precision; null where missing. */
  schedMs: number | null;
  /** CPU of reaped children (cutime + cstime), 10 ms resolution. */
  childrenMs: number;
  atMs: number;
}

/** CPU time of a running process, read from /proc (Linux). */
export function readCpu(pid: number): CpuReading {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const tick = (i: number) => (Number(f[i]) * 1000) / 100; // USER_HZ = 100
  let schedMs: number | null = null;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    schedMs = Number.isFinite(ns) && ns > 0 ? ns / 1e6 : null;
  } catch {
    schedMs = null;
  }
  return { statMs: tick(11) + tick(12), schedMs, childrenMs: tick(13) + tick(14), atMs: Date.now() };
}

/** Own CPU between two readings: schedstat where both have it (threads are long-lived in Node), else clock ticks. */
export function cpuBetween(a: CpuReading, b: CpuReading): { ownMs: number; childrenMs: number; wallMs: number; precise: boolean } {
  const precise = a.schedMs !== null && b.schedMs !== null && b.schedMs >= a.schedMs;
  return {
    ownMs: precise ? b.schedMs! - a.schedMs! : b.statMs - a.statMs,
    childrenMs: b.childrenMs - a.childrenMs,
    wallMs: b.atMs - a.atMs,
    precise,
  };
}

export function hasProcfs(): boolean {
  return process.platform === 'linux' && existsSync('/proc/self/stat');
}

/** Runs a bench module when it is the script node was started with (`node --import tsx bench/x.ts`); prints its lines. */
export function runIfMain(moduleUrl: string, bench: () => Promise<{ lines: string[] }>): void {
  if (!process.argv[1] || fileURLToPath(moduleUrl) !== process.argv[1]) return;
  bench().then(
    (r) => {
      console.log(r.lines.join('\n'));
      process.exit(0);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
