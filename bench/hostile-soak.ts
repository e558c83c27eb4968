/**
 * Issue 17.7 soak: a running `headroom serve` child polls hostile fake servers of every kind
 * (bench/hostile-backends-server.ts, its own process) for several minutes — about 20,000
 * hostile responses — while this process reads the Snapshot every 500 ms from outside. Prints
 * responses, crashes, max Snapshot age, API latency, Snapshot size and RSS at start and end.
 *   HEADROOM_SOAK_S=<seconds> (default 300; HEADROOM_BENCH_QUICK=1 → 60), HEADROOM_SOAK_SERVERS=<per kind> (default 6).
 * Run alone: `npm run build && node --import tsx bench/hostile-soak.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIfMain } from './serve-harness';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const fakeSmi = join(root, 'e2e/fakes/nvidia-smi');
const gpuLine = '0, GPU-soak, NVIDIA GeForce RTX 4090, 24564, 12000, 12264, 300, 40, 50, 150.00, 595.71.05';
const INTERVAL_MS = 250;

function line(name: string, value: string, target: string, pass: boolean | null): string {
  const verdict = pass === null ? '' : pass ? '  PASS' : '  FAIL';
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${verdict}`;
}

function rssMb(pid: number | undefined): number | null {
  if (pid === undefined || process.platform !== 'linux') return null;
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** Resolves with the first stdout line that `pick` accepts; keeps feeding later lines to `onLine`. */
function firstLine<T>(child: ChildProcess, pick: (line: string) => T | null, onLine?: (line: string) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let buf = '';
    let done = false;
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!done) {
          const v = pick(l);
          if (v !== null) {
            done = true;
            resolve(v);
          }
        } else onLine?.(l);
      }
    });
    child.once('exit', (code) => !done && reject(new Error(`child exited (${code}) before it was ready`)));
  });
}

interface Serve {
  child: ChildProcess;
  url: string;
}

async function startServe(backends: Array<{ kind: string; url: string }>, dir: string, smiState: string): Promise<Serve> {
  const args = [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--data-dir', join(dir, 'data'), '--no-discover', '--interval-ms', String(INTERVAL_MS), '--nvidia-smi', fakeSmi];
  for (const b of backends) args.push('--backend', `${b.kind}=${b.url}`);
  const child = spawn(process.execPath, args, { env: { ...process.env, FAKE_NVIDIA_SMI_STATE: smiState }, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await firstLine(child, (l) => /Headroom dashboard: (http:\/\/\S+)/.exec(l)?.[1] ?? null);
  return { child, url };
}

async function readSnapshot(url: string): Promise<{ atMs: number; bytes: number; latencyMs: number } | null> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}/api/getSnapshot`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: '{}', signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    const latencyMs = performance.now() - t0;
    const body = JSON.parse(text) as { ok: boolean; value?: { atMs: number } };
    if (!body.ok || !body.value) return null;
    return { atMs: body.value.atMs, bytes: text.length, latencyMs };
  } catch {
    return null;
  }
}

export async function benchHostileSoak(): Promise<{ lines: string[] }> {
  if (!existsSync(join(root, 'dist/cli.js'))) throw new Error('run "npm run build" first');
  const seconds = Number(process.env.HEADROOM_SOAK_S ?? (process.env.HEADROOM_BENCH_QUICK ? 60 : 300));
  const perKind = Number(process.env.HEADROOM_SOAK_SERVERS ?? 6);
  const dir = mkdtempSync(join(tmpdir(), 'headroom-soak-'));
  const smiState = join(dir, 'smi');
  writeFileSync(smiState, gpuLine);
  const fakes = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/hostile-backends-server.ts'), '20261130', String(perKind)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let responses = 0;
  let hostile = 0;
  let serve: Serve | null = null;
  try {
    const { servers } = await firstLine(
      fakes,
      (l) => (l.startsWith('{"servers"') ? (JSON.parse(l) as { servers: Array<{ kind: string; url: string }> }) : null),
      (l) => {
        const c = JSON.parse(l) as { responses: number; hostile: number };
        responses = c.responses;
        hostile = c.hostile;
      },
    );
    serve = await startServe(servers, dir, smiState);
    let crashes = 0;
    let stopping = false;
    const watch = (s: Serve) =>
      s.child.once('exit', (code, signal) => {
        if (stopping) return;
        crashes++;
        console.error(`headroom serve exited during the soak (${code ?? signal}); restarting`);
        void startServe(servers, dir, smiState).then((next) => {
          serve = next;
          watch(next);
        });
      });
    watch(serve);

    // Let it settle (first probes, JIT) before the start figure.
    await new Promise((r) => setTimeout(r, 3000));
    const rssStart = rssMb(serve.child.pid);
    const responsesStart = responses;
    let maxAgeMs = 0;
    let maxLatencyMs = 0;
    let maxBytes = 0;
    let failedReads = 0;
    let rssPeak = rssStart ?? 0;
    // RSS rises to a plateau within the first minute (transient bodies, allocator high-water)
    // and must stay there: growth is judged over the second half only.
    let rssMid: number | null = null;
    const mid = Date.now() + (seconds * 1000) / 2;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      if (rssMid === null && Date.now() >= mid) rssMid = rssMb(serve.child.pid);
      await new Promise((r) => setTimeout(r, 500));
      const current = serve;
      const snap = await readSnapshot(current.url);
      if (!snap) {
        failedReads++;
        continue;
      }
      maxAgeMs = Math.max(maxAgeMs, Date.now() - snap.atMs);
      maxLatencyMs = Math.max(maxLatencyMs, snap.latencyMs);
      maxBytes = Math.max(maxBytes, snap.bytes);
      rssPeak = Math.max(rssPeak, rssMb(current.child.pid) ?? 0);
    }
    const rssEnd = rssMb(serve.child.pid);
    stopping = true;
    const soaked = responses - responsesStart;
    const rss = (mb: number | null) => (mb === null ? 'n/a' : `${mb.toFixed(0)} MB`);
    return {
      lines: [
        line(`Hostile soak: responses in ${seconds} s (${perKind} servers per kind)`, String(soaked), 'report (≈20,000 in 300 s)', null),
        line('  of which hostile', String(Math.round((soaked * hostile) / Math.max(1, responses))), 'report', null),
        line('  headroom serve crashes', String(crashes), '0', crashes === 0),
        line('  Snapshot reads that failed', String(failedReads), '0', failedReads === 0),
        line('  max Snapshot age', `${maxAgeMs.toFixed(0)} ms`, '≤ 3000 ms', maxAgeMs <= 3000),
        line('  max getSnapshot latency', `${maxLatencyMs.toFixed(0)} ms`, '≤ 1000 ms', maxLatencyMs <= 1000),
        line('  largest Snapshot', `${(maxBytes / 1024).toFixed(1)} KB`, '≤ 512 KB', maxBytes <= 512 * 1024),
        line('  RSS start → middle → end', `${rss(rssStart)} → ${rss(rssMid)} → ${rss(rssEnd)}`, 'report', null),
        line('  RSS peak', rss(rssPeak), '≤ 400 MB', rssPeak <= 400),
        line('  RSS growth over the second half', rssMid === null || rssEnd === null ? 'n/a' : `${(rssEnd - rssMid).toFixed(0)} MB`, '≤ 40 MB', rssMid === null || rssEnd === null ? null : rssEnd - rssMid <= 40),
      ],
    };
  } finally {
    const s = serve as Serve | null;
    if (s && s.child.exitCode === null) {
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (s.child.exitCode === null) s.child.kill('SIGKILL');
    }
    fakes.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, benchHostileSoak);
