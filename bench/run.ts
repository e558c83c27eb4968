/**
 * `npm run bench`: prints each figure next to its target. Not part of `npm test`.
 *   HEADROOM_BENCH_QUICK=1 shortens the RSS run (20 s instead of 60 s).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackendCollector } from '../src-main/collectors/backends/create-backend-collector';
import { OllamaCollector } from '../src-main/collectors/backends/ollama/ollama.collector';
import { PredictionService } from '../src-main/models/predictions';
import { NvidiaSmiStream } from '../src-main/collectors/gpu/nvidia-smi.collector';
import { defaultAlertSettings } from '../shared/alerts/settings';
import { Monitor } from '../src-main/monitor/monitor';
import { silentLogger } from '../src-main/util/logger';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const fakeSmi = join(root, 'e2e/fakes/nvidia-smi');
const gpuLine = '0, GPU-bench, NVIDIA GeForce RTX 4090, 24564, 12000, 12264, 300, 40, 50, 150.00, 595.71.05';

function line(name: string, value: string, target: string, pass: boolean | null): string {
  const verdict = pass === null ? '' : pass ? '  PASS' : '  FAIL';
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${verdict}`;
}

type FakeUrls = { ollama: string; vllm: string; llamacpp: string; lmstudio: string };

async function startFakeBackends(): Promise<{ urls: FakeUrls; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/fake-backends-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
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

async function benchTick(urls: FakeUrls, state: string, all: boolean): Promise<string> {
  process.env.FAKE_NVIDIA_SMI_STATE = state;
  const stream = new NvidiaSmiStream({ path: fakeSmi, intervalMs: 1000, logger: silentLogger });
  const backends = all
    ? (['ollama', 'vllm', 'llamacpp', 'lmstudio'] as const).map((k) => createBackendCollector(k, { url: urls[k], timeoutMs: 2000, logger: silentLogger }))
    : [new OllamaCollector({ url: urls.ollama, timeoutMs: 2000, logger: silentLogger })];
  const monitor = new Monitor({ gpuSources: [stream], systemSource: null, backends, intervalMs: 1000, alertSettings: defaultAlertSettings(), demo: false, logger: silentLogger, predictions: new PredictionService(silentLogger) });
  for (let i = 0; i < 20; i++) await monitor.tick(AbortSignal.timeout(5000)); // warm-up (JIT, /api/show cache)
  const n = 300;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await monitor.tick(AbortSignal.timeout(5000));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const perTickMs = (cpu.user + cpu.system) / 1000 / n;
  monitor.dispose();
  stream.dispose();
  backends.forEach((b) => b.dispose());
  const target = all ? 3 : 2;
  return [
    line(all ? 'CPU per tick, 4 backends (Ollama, vLLM, llama.cpp, LM Studio) + GPU' : 'CPU per monitor tick (1 GPU stream + Ollama, local fakes)', `${perTickMs.toFixed(3)} ms`, `≤ ${target} ms`, perTickMs <= target),
    line('  (wall time per tick, incl. HTTP round trips)', `${(wallMs / n).toFixed(3)} ms`, 'report', null),
  ].join('\n');
}

async function benchRss(ollamaUrl: string, state: string, dir: string): Promise<string> {
  const seconds = process.env.HEADROOM_BENCH_QUICK ? 20 : 60;
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--data-dir', join(dir, 'data'), '--no-discover', '--nvidia-smi', fakeSmi, '--backend', `ollama=${ollamaUrl}`], {
    env: { ...process.env, FAKE_NVIDIA_SMI_STATE: state },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited; // it writes its last history lines on the way out
  const mb = kb / 1024;
  return line(`RSS of idle headroom serve after ${seconds} s`, `${mb.toFixed(1)} MB`, '≤ 120 MB', mb <= 120);
}

async function optional(path: string, exportName: string): Promise<string | null> {
  if (!existsSync(join(root, path))) return null;
  try {
    const mod = (await import(join(root, path))) as Record<string, () => Promise<{ lines: string[] }>>;
    const fn = mod[exportName];
    if (!fn) return null;
    return (await fn()).lines.join('\n');
  } catch (error) {
    return `${path}: failed: ${(error as Error).message}`;
  }
}

async function main() {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('run "npm run build" first');
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-'));
  const state = join(dir, 'smi');
  writeFileSync(state, gpuLine);
  const { urls, child } = await startFakeBackends();
  try {
    console.log('Headroom benchmarks\n');
    console.log(await benchTick(urls, state, false));
    console.log(await benchTick(urls, state, true));
    for (const [path, name] of [
      ['bench/gpu-stream.ts', 'benchGpuStream'],
      ['bench/forecast.ts', 'benchForecast'],
      ['bench/electron-cost.ts', 'benchElectronCost'],
      ['bench/dashboard.ts', 'benchDashboard'],
      ['bench/fleet.ts', 'benchFleet'],
    ] as const) {
      const out = await optional(path, name);
      if (out) console.log(out);
    }
    console.log(await benchRss(urls.ollama, state, dir));
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
