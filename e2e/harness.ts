/**
 * Starts the real `headroom serve` (built dist/cli.js) on 127.0.0.1 and a run-time port, with a
 * fake nvidia-smi whose output the test scripts through a state file. Everything started is
 * stopped by `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const fakeNvidiaSmi = join(repoRoot, 'e2e/fakes/nvidia-smi');
export const cliPath = join(repoRoot, 'dist/cli.js');

export interface Headroom {
  url: string;
  dir: string;
  /** Rewrites what the fake nvidia-smi prints on its next iteration. */
  setGpuLines(lines: string[]): void;
  /** What `nvidia-smi --query-compute-apps` prints: `pid, name, usedMiB, gpuUuid` lines. */
  setComputeApps(lines: string[]): void;
  output(): string;
  stop(): Promise<void>;
}

/** One query-gpu line (noheader, nounits) for a 24 GiB card (24564 MiB). */
export function gpuLine(index: number, usedMiB: number, totalMiB = 24564, name = 'NVIDIA GeForce RTX 4090'): string {
  const reserved = 300;
  return `${index}, GPU-e2e-${index}, ${name}, ${totalMiB}, ${usedMiB}, ${Math.max(0, totalMiB - usedMiB - reserved)}, ${reserved}, 37, 55, 180.25, 595.71.05`;
}

/**
 * `dataDir`: use this folder for settings and history instead of a fresh one inside the
 * instance's temp folder, so a second instance can start from what the first one saved
 * (restart tests). The caller owns it: `stop()` does not delete it.
 */
export async function startHeadroom(args: string[], opts: { gpuLines?: string[]; computeApps?: string[]; env?: Record<string, string>; dataDir?: string } = {}): Promise<Headroom> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-e2e-'));
  const state = join(dir, 'nvidia-smi.state');
  writeFileSync(state, (opts.gpuLines ?? [gpuLine(0, 1000)]).join('\n'));
  // Listed from the first iteration of the compute-apps loop (it runs every 5 s).
  if (opts.computeApps) writeFileSync(`${state}.apps`, opts.computeApps.join('\n'));
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'serve', '--port', '0', '--data-dir', opts.dataDir ?? join(dir, 'data'), ...args], {
    env: { ...process.env, FAKE_NVIDIA_SMI_STATE: state, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`headroom serve did not start:\n${out}`)), 15_000);
    const check = () => {
      const m = /Headroom dashboard: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`headroom serve exited ${code}:\n${out}`));
    });
  });
  return {
    url,
    dir,
    setGpuLines: (lines) => writeFileSync(state, lines.join('\n')),
    setComputeApps: (lines) => writeFileSync(`${state}.apps`, lines.join('\n')),
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
