/**
 * One view over several machines (issue 15), measured from outside: real `headroom serve`
 * processes on loopback (fake nvidia-smi with two GPUs, a fake Ollama with a loaded model), the
 * watched ones protected by tokens and watched with a viewer token (`headroom token create`).
 *   - main-process CPU per tick of a watcher with 5 watched hosts, against a watcher watching
 *     none, both measured over the same window (target ≤ 1.5×), from /proc/<pid>/stat (the
 *     verdict); the same window also read from /proc/<pid>/task/<tid>/schedstat, the kernel's
 *     nanosecond run time of every thread (stat counts 10 ms clock ticks, so a few ms per tick
 *     over 40 ticks moves by ±0.25 ms from sampling alone);
 *   - bytes per second one watched host sends on its event stream (what a watcher receives);
 *   - how long a remote's Snapshot takes to reach the watcher's fleetPublished (target ≤ 2 ticks).
 * Linux only (/proc); elsewhere it says so. HEADROOM_BENCH_QUICK=1 shortens the windows.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SseParser } from '../src-main/fleet/sse-parser';
import type { FleetSnapshot } from '../shared/contract/fleet';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const fakeSmi = join(root, 'e2e/fakes/nvidia-smi');
const INTERVAL_MS = 1000;
const WATCHED = 5;
const quick = Boolean(process.env.HEADROOM_BENCH_QUICK);
const WINDOW_MS = quick ? 15_000 : 40_000;
const WARMUP_MS = 6_000;

function line(name: string, value: string, target: string, pass: boolean | null): string {
  const verdict = pass === null ? '' : pass ? '  PASS' : '  FAIL';
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${verdict}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ms (user + system) of process `pid` so far. */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // USER_HZ = 100
}

/** CPU ms of every thread of `pid` so far, from the scheduler's nanosecond run time; null where not kept. */
function preciseCpuMsOf(pid: number): number | null {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // A thread that ended between the listing and the read.
      }
    }
  } catch {
    return null;
  }
  return Number.isFinite(ns) ? ns / 1e6 : null;
}

/** Context switches (voluntary + not) of `pid`: each is a wake-up of its event loop. */
function switchesOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return [...status.matchAll(/ctxt_switches:\s+(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

interface Serve {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function serve(dir: string, name: string, args: string[], env: Record<string, string>): Promise<Serve> {
  const child = spawn(process.execPath, [join(root, 'dist/cli.js'), 'serve', '--port', '0', '--data-dir', join(dir, name), '--no-discover', '--nvidia-smi', fakeSmi, '--interval-ms', String(INTERVAL_MS), '--name', name, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Headroom dashboard: (http:\/\/[^/\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${name} exited ${code}`)));
  });
  return {
    child,
    url,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Reads an event stream for `ms`, counting bytes and handing each event to `onEvent`. */
function readStream(url: string, token: string | null, ms: number, onEvent: (name: string, data: string) => void = () => {}): Promise<number> {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    const parser = new SseParser(16 * 1024 * 1024);
    const req = http.get(`${url}/api/events`, { headers: token ? { authorization: `Bearer ${token}` } : {}, agent: false }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        bytes += Buffer.byteLength(text);
        for (const e of parser.push(text)) if (e.type === 'event') onEvent(e.event.event, e.event.data);
      });
    });
    req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
    setTimeout(() => {
      req.destroy();
      resolve(bytes);
    }, ms);
  });
}

/**
 * CPU per tick of several processes over the same window, so that load from elsewhere on the
 * machine (shared CI runners) weighs on the baseline and the fleet watcher alike.
 */
async function cpuPerTick(watchers: Serve[]): Promise<{ cpuMs: number; preciseMs: number | null; wakeups: number }[]> {
  await sleep(WARMUP_MS);
  const c0 = watchers.map((w) => cpuMsOf(w.child.pid!));
  const p0 = watchers.map((w) => preciseCpuMsOf(w.child.pid!));
  const s0 = watchers.map((w) => switchesOf(w.child.pid!));
  await sleep(WINDOW_MS);
  const ticks = WINDOW_MS / INTERVAL_MS;
  return watchers.map((w, i) => {
    const p1 = preciseCpuMsOf(w.child.pid!);
    const before = p0[i];
    return {
      cpuMs: (cpuMsOf(w.child.pid!) - c0[i]!) / ticks,
      preciseMs: p1 !== null && before !== null && before !== undefined ? (p1 - before) / ticks : null,
      wakeups: (switchesOf(w.child.pid!) - s0[i]!) / ticks,
    };
  });
}

export async function benchFleet(): Promise<{ lines: string[] }> {
  if (!existsSync('/proc/self/stat')) return { lines: [line('Fleet: watcher CPU per tick', 'skipped', 'Linux only (/proc)', null)] };
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-fleet-'));
  const state = join(dir, 'smi');
  writeFileSync(state, ['0, GPU-b0, NVIDIA H100 80GB HBM3, 81559, 40000, 41259, 300, 40, 50, 350.00, 595.71.05', '1, GPU-b1, NVIDIA H100 80GB HBM3, 81559, 60000, 21259, 300, 60, 55, 390.00, 595.71.05'].join('\n'));
  const env = { FAKE_NVIDIA_SMI_STATE: state };
  const fakes = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/fake-backends-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started: Serve[] = [];
  try {
    const urls = await new Promise<{ ollama: string }>((resolve) => {
      let buf = '';
      fakes.stdout!.on('data', (c: Buffer) => {
        buf += c.toString();
        if (buf.includes('\n')) resolve(JSON.parse(buf.slice(0, buf.indexOf('\n'))) as { ollama: string });
      });
    });
    const backend = ['--backend', `ollama=${urls.ollama}`];
    // The watched servers' tokens, as their admin makes them; the watcher holds a viewer token.
    const config = join(dir, 'team-config.json');
    const made = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'token', 'create', '--role', 'viewer', '--config', config], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`headroom token create failed: ${made.stderr}`);
    const viewer = made.stdout.trim();
    const remotes: Serve[] = [];
    for (let i = 0; i < WATCHED; i++) {
      const r = await serve(dir, `gpu-server-${i + 1}`, ['--config', config, ...backend], env);
      remotes.push(r);
      started.push(r);
    }

    const alone = await serve(dir, 'watcher-alone', backend, env);
    started.push(alone);
    const watchArgs = remotes.flatMap((r) => ['--watch', r.url, '--watch-token', `${r.url}=${viewer}`]);
    const watcher = await serve(dir, 'watcher', [...backend, ...watchArgs], env);
    started.push(watcher);
    type Tick = { cpuMs: number; preciseMs: number | null; wakeups: number };
    const [base, withFleet] = (await cpuPerTick([alone, watcher])) as [Tick, Tick];
    const baseMs = base.cpuMs;
    const fleetMs = withFleet.cpuMs;
    const ratio = fleetMs / baseMs;

    const bytesWindowMs = quick ? 5_000 : 10_000;
    const bytes = await readStream(remotes[0]!.url, viewer, bytesWindowMs);
    const perHost = bytes / (bytesWindowMs / 1000);

    // Latency: when a remote's Snapshot (its atMs, same clock) first shows in the watcher's fleet.
    const seen = new Map<string, number>();
    const delays: number[] = [];
    await readStream(watcher.url, null, bytesWindowMs, (name, data) => {
      if (name !== 'fleetPublished') return;
      const now = Date.now();
      const f = JSON.parse(data) as FleetSnapshot;
      for (const h of f.hosts.slice(1)) {
        const key = `${h.id}@${h.snapshot?.atMs}`;
        if (!h.snapshot || seen.has(key)) continue;
        seen.set(key, now);
        delays.push(now - h.snapshot.atMs);
      }
    });
    delays.sort((a, b) => a - b);
    const p50 = delays[Math.floor(delays.length / 2)] ?? NaN;
    const max = delays.at(-1) ?? NaN;

    return {
      lines: [
        line('Fleet: watcher CPU per tick, 1 local host (baseline)', `${baseMs.toFixed(2)} ms`, 'report', null),
        line(`Fleet: watcher CPU per tick, 1 local + ${WATCHED} watched hosts`, `${fleetMs.toFixed(2)} ms`, 'report', null),
        line(`  ratio (${WATCHED} watched / none)`, `${ratio.toFixed(2)}×`, '≤ 1.5×', ratio <= 1.5),
        // The ratio moves with the baseline (a cheaper local tick makes it worse); this does not.
        line('  extra CPU per watched host per tick', `${((fleetMs - baseMs) / WATCHED).toFixed(2)} ms`, 'report', null),
        ...(base.preciseMs !== null && withFleet.preciseMs !== null
          ? [
              line('  same window, ns run time (schedstat), none / 5 watched', `${base.preciseMs.toFixed(2)} / ${withFleet.preciseMs.toFixed(2)} ms`, 'report', null),
              line('  ratio from schedstat', `${(withFleet.preciseMs / base.preciseMs).toFixed(2)}×`, '≤ 1.5× (report)', null),
            ]
          : []),
        line('  context switches per tick, none / 5 watched', `${base.wakeups.toFixed(0)} / ${withFleet.wakeups.toFixed(0)}`, 'report', null),
        line('Fleet: bytes/s one watched host sends (2 GPUs + Ollama)', `${(perHost / 1024).toFixed(1)} KiB/s`, 'report', null),
        line('Fleet: remote Snapshot → watcher fleetPublished, p50', `${p50} ms`, `≤ ${2 * INTERVAL_MS} ms (2 ticks)`, p50 <= 2 * INTERVAL_MS),
        line('Fleet: remote Snapshot → watcher fleetPublished, max', `${max} ms`, `≤ ${2 * INTERVAL_MS} ms (2 ticks)`, max <= 2 * INTERVAL_MS),
      ],
    };
  } finally {
    for (const s of started.reverse()) await s.stop();
    fakes.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  void benchFleet().then((r) => console.log(r.lines.join('\n')));
}
