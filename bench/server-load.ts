/**
 * Server figures, measured from outside the `headroom serve` process (/proc CPU and RSS):
 *  - SSE fan-out: 200 event-stream clients at 1 Hz for 2 minutes (HEADROOM_BENCH_QUICK=1: 20 s);
 *    CPU of the server as % of one core (target ≤ 10 %) against the same server with no client
 *    (baseline), peak RSS (target ≤ 200 MB), and whether every client got every Snapshot in order.
 *  - `/metrics` scrape latency with 4 LLM servers (fake Ollama, vLLM, llama.cpp, LM Studio):
 *    p50 and p99 over 1,000 scrapes (target p99 ≤ 5 ms).
 *  - Capacity report per tick (4 backends, 10 minutes of Snapshots): µs per computation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIfMain } from './serve-harness';
import { computeCapacity } from '../shared/capacity/capacity';
import { renderFamilies, snapshotFamilies } from '../src-main/server/metrics';
import type { Snapshot } from '../shared/model/snapshot';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const fakeSmi = join(root, 'e2e/fakes/nvidia-smi');
const CLK_TCK = 100;

function line(name: string, value: string, target: string, pass: boolean | null): string {
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${pass === null ? '' : pass ? '  PASS' : '  FAIL'}`;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime
}
function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startServe(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--log-format', 'text', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Headroom dashboard: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`headroom serve exited ${code}`)));
  });
  return { child, url };
}
async function stop(child: ChildProcess) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

export async function benchFanOut(work: string): Promise<string[]> {
  const seconds = process.env.HEADROOM_BENCH_QUICK ? 20 : 120;
  const clients = 200;
  const state = join(work, 'smi');
  writeFileSync(state, '0, GPU-bench, NVIDIA GeForce RTX 4090, 24564, 12000, 12264, 300, 40, 50, 150.00, 595.71.05');
  const { child, url } = await startServe(['--demo', '--interval-ms', '1000', '--data-dir', join(work, 'fan'), '--max-sse-clients', '256'], { FAKE_NVIDIA_SMI_STATE: state });
  const pid = child.pid!;
  try {
    await sleep(5000); // start-up and JIT
    // Baseline: the same server, nobody listening.
    const baseSeconds = Math.min(20, seconds);
    const b0 = cpuSeconds(pid);
    await sleep(baseSeconds * 1000);
    const basePct = ((cpuSeconds(pid) - b0) / baseSeconds) * 100;

    const received: number[][] = Array.from({ length: clients }, () => []);
    const reqs: http.ClientRequest[] = [];
    let bytes = 0;
    for (let i = 0; i < clients; i++) {
      const req = http.get(`${url}/api/events`, { agent: false }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          bytes += c.length;
          buf += c;
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const m = /^event: snapshotPublished\ndata: \{"atMs":(\d+)/.exec(frame);
            if (m) received[i]!.push(Number(m[1]));
          }
        });
      });
      reqs.push(req);
    }
    await sleep(3000);
    const c0 = cpuSeconds(pid);
    const t0 = Date.now();
    let peak = rssMb(pid);
    while (Date.now() - t0 < seconds * 1000) {
      await sleep(1000);
      peak = Math.max(peak, rssMb(pid));
    }
    const pct = ((cpuSeconds(pid) - c0) / ((Date.now() - t0) / 1000)) * 100;
    for (const r of reqs) r.destroy();
    const counts = received.map((r) => r.length);
    const inOrder = received.every((r) => r.every((t, j) => j === 0 || t > r[j - 1]!));
    const same = received.every((r) => r.length === received[0]!.length && r.every((t, j) => t === received[0]![j]));
    return [
      line(`SSE fan-out: ${clients} clients at 1 Hz for ${seconds} s, server CPU`, `${pct.toFixed(1)} % core`, '≤ 10 %', pct <= 10),
      line('  (baseline: the same server, no client)', `${basePct.toFixed(1)} % core`, 'report', null),
      line('  peak RSS of headroom serve', `${peak.toFixed(0)} MB`, '≤ 200 MB', peak <= 200),
      line('  every client got every Snapshot, in order', `${Math.min(...counts)}–${Math.max(...counts)} each`, 'same, in order', inOrder && same),
      line('  bytes streamed to all clients', `${(bytes / 1024 / 1024).toFixed(1)} MB`, 'report', null),
    ];
  } finally {
    await stop(child);
  }
}

export async function benchMetrics(work: string): Promise<string[]> {
  const fakes = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/fake-backends-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const urls = await new Promise<Record<string, string>>((resolve, reject) => {
      let buf = '';
      fakes.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        const nl = buf.indexOf('\n');
        if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Record<string, string>);
      });
      fakes.once('exit', (code) => reject(new Error(`fake backends exited ${code}`)));
    });
    const state = join(work, 'smi2');
    writeFileSync(state, '0, GPU-bench, NVIDIA GeForce RTX 4090, 24564, 12000, 12264, 300, 40, 50, 150.00, 595.71.05');
    // One server of each kind (the fakes' output also lists extra servers under `many`).
    const backendArgs = (['ollama', 'vllm', 'llamacpp', 'lmstudio'] as const).flatMap((k) => ['--backend', `${k}=${urls[k]}`]);
    const { child, url } = await startServe(['--no-discover', '--nvidia-smi', fakeSmi, '--interval-ms', '1000', '--data-dir', join(work, 'metrics'), ...backendArgs], { FAKE_NVIDIA_SMI_STATE: state });
    try {
      await sleep(4000);
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const scrape = (path = '/metrics') =>
        new Promise<{ ms: number; size: number }>((resolve, reject) => {
          const t = performance.now();
          http
            .get(`${url}${path}`, { agent }, (res) => {
              let size = 0;
              res.on('data', (c: Buffer) => (size += c.length));
              res.on('end', () => resolve({ ms: performance.now() - t, size }));
            })
            .on('error', reject);
        });
      for (let i = 0; i < 100; i++) await scrape();
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < 1000; i++) {
        const r = await scrape();
        times.push(r.ms);
        size = r.size;
      }
      // Baseline: the cheapest request the same server answers, interleaved over the same time
      // (what the machine and the event loop cost, whatever the endpoint).
      const health: number[] = [];
      for (let i = 0; i < 1000; i++) health.push((await scrape('/api/health')).ms);
      agent.destroy();
      const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)]!;
      const p50 = pct(times, 0.5);
      const p99 = pct(times, 0.99);
      return [
        line('/metrics scrape with 4 LLM servers, p99 (1,000 scrapes)', `${p99.toFixed(2)} ms`, '≤ 5 ms', p99 <= 5),
        line('  p50, and the size of one scrape', `${p50.toFixed(2)} ms, ${(size / 1024).toFixed(1)} KiB`, 'report', null),
        line('  baseline: GET /api/health p50 / p99, same server', `${pct(health, 0.5).toFixed(2)} / ${pct(health, 0.99).toFixed(2)} ms`, 'report', null),
      ];
    } finally {
      await stop(child);
    }
  } finally {
    fakes.kill('SIGTERM');
  }
}

export function benchCapacity(): string[] {
  const model = (name: string, extra: Partial<Snapshot['backends'][number]['models'][number]>) => ({ name, contextLength: 32768, sizeBytes: null, vramBytes: 8e9, kvBytesPerToken: 131072, kvCacheBytes: null, ...extra });
  const snap = (atMs: number, ratio: number): Snapshot => ({
    atMs,
    demo: false,
    gpus: [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'H100', uuid: null, memoryTotalBytes: 85e9, memoryUsedBytes: 70e9, memoryFreeBytes: 15e9, utilizationPct: 90, temperatureC: null, powerWatts: null }],
    system: null,
    sources: [],
    alerts: [],
    backends: [
      { id: 'vllm@a', kind: 'vllm', url: 'http://a', status: 'up', message: null, version: null, models: [model('qwen', { kvCacheCapacityTokens: 400_000, kvCacheUsageRatio: ratio, requestsRunning: 8, requestsWaiting: 0, preemptionsPerMinute: 0 })] },
      { id: 'vllm@b', kind: 'vllm', url: 'http://b', status: 'up', message: null, version: null, models: [model('llama', { kvCacheCapacityTokens: 200_000, kvCacheUsageRatio: ratio / 2, requestsRunning: 2, requestsWaiting: 0 })] },
      { id: 'ollama@c', kind: 'ollama', url: 'http://c', status: 'up', message: null, version: null, models: [model('a', { contextLength: 8192 }), model('b', { contextLength: 4096 })] },
      { id: 'llamacpp@d', kind: 'llamacpp', url: 'http://d', status: 'up', message: null, version: null, models: [model('g', { slots: [0, 1, 2, 3].map((id) => ({ id, contextTokens: 16384, usedTokens: 100, processing: id < 2 })) })] },
    ],
  });
  const recent = Array.from({ length: 600 }, (_, i) => snap(i * 1000, 0.3 + i / 2000));
  const latest = recent[recent.length - 1]!;
  for (let i = 0; i < 200; i++) computeCapacity(latest, recent);
  const n = 2000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) computeCapacity(latest, recent);
  const us = ((performance.now() - t0) / n) * 1000;
  // /metrics text for a new Snapshot (rendered once per Snapshot, then served from memory).
  for (let i = 0; i < 200; i++) renderFamilies(snapshotFamilies(latest));
  const t1 = performance.now();
  for (let i = 0; i < n; i++) renderFamilies(snapshotFamilies(latest));
  const renderUs = ((performance.now() - t1) / n) * 1000;
  return [
    line('Capacity report per tick (4 servers, 600 recent Snapshots)', `${us.toFixed(0)} µs`, '≤ 1000 µs', us <= 1000),
    line('/metrics rendering per new Snapshot (4 servers), in process', `${renderUs.toFixed(0)} µs`, 'report', null),
  ];
}

export async function benchServerLoad(): Promise<{ lines: string[] }> {
  const work = mkdtempSync(join(tmpdir(), 'headroom-bench-server-'));
  try {
    const lines = [...benchCapacity(), ...(await benchMetrics(work)), ...(await benchFanOut(work))];
    return { lines };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, benchServerLoad);
