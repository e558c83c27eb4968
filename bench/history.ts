/**
 * History figures (issues 12 and 17), measured from outside `headroom serve` (dist/cli.js):
 *  - SIGKILL at 20 seeded random moments (200 ms ticks): ticks published over SSE but not on disk
 *  - `headroom export` beside a live serve: every tick published before it started is in it
 *  - RSS after 60 s (HEADROOM_BENCH_QUICK: 20 s) and start-up peak (VmHWM) with 7 days of 1 s history
 *  - dashboard after a restart: navigation → 7-day timeline painted (median of 3 restarts); main-thread time per live
 *    update with the 5-minute and the 7-day view (Chrome TaskDuration / ticks)
 *  - `headroom export --since 7d`: peak RSS of the CLI; the same from the dashboard route, with the
 *    server's peak RSS and /api/health p99 during it
 */
import { chromium } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runIfMain } from './serve-harness';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
// HEADROOM_BENCH_CLI: another build to measure the same way (A/B), as serve-harness.ts.
const cli = process.env.HEADROOM_BENCH_CLI ?? join(root, 'dist/cli.js');
const fakeSmi = join(root, 'e2e/fakes/nvidia-smi');
export const GPU_NAME = 'NVIDIA GeForce RTX 4090';
const TOTAL = 25_757_220_864;
const DAY = 86_400_000;

function line(name: string, value: string, target: string, pass: boolean | null): string {
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${pass === null ? '' : pass ? '  PASS' : '  FAIL'}`;
}

/** 7 days of 1 s samples, one GPU, as the store writes them (also used by bench/dashboard.ts). */
export function writeWeek(dataDir: string, nowMs: number): number {
  const dir = join(dataDir, 'history');
  mkdirSync(dir, { recursive: true });
  let day = '';
  let lines: string[] = [];
  let count = 0;
  const flush = () => {
    if (day) writeFileSync(join(dir, `${day}.ndjson`), lines.join(''));
    lines = [];
  };
  for (let t = nowMs - 7 * DAY; t < nowMs - 60_000; t += 1000) {
    const d = new Date(t).toISOString().slice(0, 10);
    if (d !== day) {
      flush();
      day = d;
    }
    const used = Math.round((10 + 6 * Math.sin(t / 3.6e6) + ((t / 1000) % 97) / 97) * 2 ** 30);
    lines.push(`{"t":${t},"g":[["gpu:0","${GPU_NAME}",${used},${TOTAL}]]}\n`);
    count++;
  }
  flush();
  return count;
}

interface Serve {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

async function serve(dataDir: string, state: string, intervalMs: number): Promise<Serve> {
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir, '--no-discover', '--nvidia-smi', fakeSmi, '--interval-ms', String(intervalMs)], {
    env: { ...process.env, FAKE_NVIDIA_SMI_STATE: state },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /Headroom dashboard: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return {
    child,
    url,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Snapshot times (with GPUs) published over SSE, as they arrive. */
function watchTicks(url: string, onTick: (atMs: number) => void): AbortController {
  const ac = new AbortController();
  void (async () => {
    const res = await fetch(`${url}/api/events`, { signal: ac.signal });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (!data) continue;
        const s = JSON.parse(data) as { atMs: number; gpus: unknown[] };
        if (s.gpus.length) onTick(s.atMs);
      }
    }
  })().catch(() => undefined);
  return ac;
}

function timesOnDisk(dataDir: string): Set<number> {
  const dir = join(dataDir, 'history');
  const out = new Set<number>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.ndjson'))) {
    for (const l of readFileSync(join(dir, name), 'utf8').split('\n')) {
      const m = /^\{"t":(\d+)/.exec(l);
      if (m && l.endsWith('}')) out.add(Number(m[1]));
    }
  }
  return out;
}

const kb = (pid: number, field: 'VmRSS' | 'VmHWM'): number => {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
};

async function benchSigkill(work: string, state: string): Promise<string[]> {
  const data = join(work, 'kill');
  let seed = 20_261_126;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const lost: number[] = [];
  let published = 0;
  for (let k = 0; k < 20; k++) {
    const s = await serve(data, state, 200);
    const ticks: number[] = [];
    const watch = watchTicks(s.url, (t) => ticks.push(t));
    await new Promise((r) => setTimeout(r, 600 + rnd() * 1400));
    const exited = new Promise((r) => s.child.once('exit', r));
    s.child.kill('SIGKILL');
    await exited;
    watch.abort();
    const disk = timesOnDisk(data);
    lost.push(ticks.filter((t) => !disk.has(t)).length);
    published += ticks.length;
  }
  // Export beside a live serve: every tick published before the export starts is in it.
  const s = await serve(data, state, 200);
  const ticks: number[] = [];
  const watch = watchTicks(s.url, (t) => ticks.push(t));
  await new Promise((r) => setTimeout(r, 2000));
  const before = [...ticks];
  const out = await new Promise<string>((resolve) => {
    const c = spawn(process.execPath, [cli, 'export', '--since', '1h', '--format', 'json', '--data-dir', data], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    c.stdout!.on('data', (b: Buffer) => (text += b.toString()));
    c.on('exit', () => resolve(text));
  });
  watch.abort();
  await s.stop();
  const exported = new Set((JSON.parse(out) as { atMs: number }[]).map((x) => x.atMs));
  const missing = before.filter((t) => !exported.has(t)).length;
  const worst = Math.max(...lost);
  return [
    `history durability (serve at 200 ms ticks, ${published} ticks published over SSE in 20 runs)`,
    line('  SIGKILL at 20 random moments: ticks lost, worst run', `${worst}`, '≤ 1 each time', worst <= 1),
    line('  ticks lost, all 20 runs', `${lost.reduce((a, b) => a + b, 0)} (${lost.join(' ')})`, 'report', null),
    line('  export beside a live serve: published ticks missing', `${missing} of ${before.length}`, '0', missing === 0),
  ];
}

async function benchRss(work: string, state: string): Promise<{ lines: string[]; dataDir: string }> {
  const seconds = process.env.HEADROOM_BENCH_QUICK ? 20 : 60;
  const full = join(work, 'week');
  const samples = writeWeek(full, Date.now());
  const empty = join(work, 'empty');
  const runs = await Promise.all(
    [full, empty].map(async (dir) => {
      const s = await serve(dir, state, 1000);
      let peak = 0;
      const poll = setInterval(() => (peak = Math.max(peak, kb(s.child.pid!, 'VmRSS'))), 50);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      clearInterval(poll);
      const rss = kb(s.child.pid!, 'VmRSS');
      const hwm = kb(s.child.pid!, 'VmHWM');
      await s.stop();
      return { rss: rss / 1024, peak: Math.max(peak, hwm) / 1024 };
    }),
  );
  const [week, none] = runs as [{ rss: number; peak: number }, { rss: number; peak: number }];
  const reduced = readdirSync(join(full, 'history', 'reduced')).length;
  return {
    dataDir: full,
    lines: [
      `history memory (${samples.toLocaleString('en-US')} samples = 7 days at 1 s on disk, first start: ${reduced} day reductions made)`,
      line(`  RSS of serve after ${seconds} s, 7 days of history`, `${week.rss.toFixed(1)} MB`, '≤ 90 MB (was 205)', week.rss <= 90),
      line('  start-up peak RSS (VmHWM), 7 days of history', `${week.peak.toFixed(1)} MB`, '≤ 120 MB (was 247)', week.peak <= 120),
      line(`  RSS of serve after ${seconds} s, empty data folder (baseline)`, `${none.rss.toFixed(1)} MB`, 'report', null),
    ],
  };
}

/**
 * The JavaScript the dashboard's first paint runs: index.html's entry script and the chunks it
 * imports statically. Modulepreloads the entry does not import (the chart.js chunk) are fetched
 * beside it and run at the first chart; the rest loads with other pages.
 */
function initialBundle(): { files: number; bytes: number; gzip: number; beside: number; lazy: number } {
  const dir = join(root, 'dist/renderer');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const entry = /<script[^>]*\ssrc="\.\/([^"]+\.js)"/.exec(html)?.[1];
  const preloaded = [...html.matchAll(/<link[^>]*rel="modulepreload"[^>]*\shref="\.\/([^"]+\.js)"/g)].map((m) => m[1]!);
  const initial: string[] = [];
  const visit = (f: string) => {
    if (initial.includes(f) || !existsSync(join(dir, f))) return;
    initial.push(f);
    // Static imports only (`import{…}from"./x.js"`, `import"./x.js"`), not `import("./x.js")`.
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) visit(posix.join(f, '..', m[1]!));
  };
  if (entry) visit(entry);
  const all = readdirSync(join(dir, 'assets')).filter((n) => n.endsWith('.js')).map((n) => `assets/${n}`);
  const size = (f: string) => statSync(join(dir, f)).size;
  const beside = preloaded.filter((f) => !initial.includes(f));
  return {
    files: initial.length,
    bytes: initial.reduce((a, f) => a + size(f), 0),
    gzip: initial.reduce((a, f) => a + gzipSync(readFileSync(join(dir, f))).length, 0),
    beside: beside.reduce((a, f) => a + size(f), 0),
    lazy: all.filter((f) => !initial.includes(f) && !beside.includes(f)).reduce((a, f) => a + size(f), 0),
  };
}

/** Restarts of the server the navigation figure is measured over (its median is the figure). */
const NAVIGATIONS = 3;

async function benchDashboard(dataDir: string, state: string): Promise<string[]> {
  const browser = await chromium.launch({
    executablePath: process.env.HEADROOM_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  // Just restarted: the page is opened as soon as the server has its first Snapshot (its history
  // reductions are then still loading; nothing has asked for history yet). One navigation on this
  // 2-core machine moves by ±50 ms with whatever else runs (Chrome's own processes share the cores
  // with the server), so the server is restarted and the page opened NAVIGATIONS times, and the
  // figure is the median; every run is printed. The last page stays open for the per-update figures.
  const navigate = async () => {
    const s = await serve(dataDir, state, 250);
    for (;;) {
      const h = (await (await fetch(`${s.url}/api/health`)).json()) as { latestSnapshotAtMs: number | null };
      if (h.latestSnapshotAtMs !== null) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const t0 = Date.now();
    await page.goto(s.url);
    const timeline = page.getByTestId('timeline').first();
    await timeline.waitFor();
    const readyMs = Date.now() - t0;
    const t1 = Date.now();
    await timeline.getByLabel('7 d').check();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="timeline"]');
      return el?.getAttribute('data-range') === '7d' && el.getAttribute('data-loading') === 'false';
    });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const sevenDayMs = Date.now() - t0;
    const switchMs = Date.now() - t1;
    // Where the time went, from the page's own clock (navigation start = 0): its first contentful
    // paint, the 7-day history request (the last getHistory: asked, answered, the server's part),
    // and the main thread's long tasks (> 50 ms) in all.
    const where = await page.evaluate(() => {
      const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
      const h = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.name.endsWith('/api/getHistory')).pop();
      return { fcp, askedMs: h?.startTime ?? NaN, answeredMs: h?.responseEnd ?? NaN, serverMs: h ? h.responseStart - h.requestStart : NaN };
    });
    return { s, page, timeline, readyMs, switchMs, sevenDayMs, where };
  };
  const runs: Awaited<ReturnType<typeof navigate>>[] = [];
  try {
    for (let i = 0; i < NAVIGATIONS; i++) {
      if (runs.length) {
        const last = runs[runs.length - 1]!;
        await last.page.close();
        await last.s.stop();
      }
      runs.push(await navigate());
    }
    const byTotal = [...runs].sort((a, b) => a.sevenDayMs - b.sevenDayMs);
    const median = byTotal[Math.floor(byTotal.length / 2)]!;
    const { sevenDayMs, readyMs, switchMs, where } = median;
    const { page, timeline } = runs[runs.length - 1]!;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    // ThreadTime: CPU time of the page's main thread (robust on a busy machine); TaskDuration: wall time of its tasks.
    const metrics = async () => {
      const m = (await cdp.send('Performance.getMetrics')).metrics;
      const get = (name: string) => (m.find((x) => x.name === name)?.value ?? 0) as number;
      return { cpu: get('ThreadTime'), wall: get('TaskDuration') };
    };
    const perUpdate = async (label: string) => {
      await timeline.getByLabel(label).check();
      await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]')?.getAttribute('data-loading') === 'false');
      const before = await metrics();
      type Stats = { count: number; ms: number };
      const read = () => page.evaluate(() => ({ ...((globalThis as { __headroomTimeline?: Stats }).__headroomTimeline ?? { count: 0, ms: 0 }) }));
      const chart0 = await read();
      const ms = 8000;
      await new Promise((r) => setTimeout(r, ms));
      const after = await metrics();
      const chart1 = await read();
      const chart = { count: chart1.count - chart0.count, ms: (chart1.ms - chart0.ms) / Math.max(1, chart1.count - chart0.count) };
      const updates = ms / 250;
      return { cpu: ((after.cpu - before.cpu) * 1000) / updates, wall: ((after.wall - before.wall) * 1000) / updates, chart };
    };
    const fiveMin = await perUpdate('5 min');
    const week = await perUpdate('7 d');
    const view = (name: string, r: typeof fiveMin, target: string) => [
      line(`  main-thread CPU per live update, ${name}`, `${r.cpu.toFixed(2)} ms`, target, r.cpu <= 4),
      line(`    (wall time of its tasks; the chart's own redraw: ${r.chart.count}×)`, `${r.wall.toFixed(2)} / ${r.chart.ms.toFixed(2)} ms`, 'report', null),
    ];
    const bundle = initialBundle();
    const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
    return [
      'dashboard after a restart (7 days of 1 s history, 250 ms ticks)',
      line(`  JavaScript before the first paint (${bundle.files} files; ${bundle.beside ? `${kb(bundle.beside)} preloaded beside it; ` : ''}${kb(bundle.lazy)} more load on demand: charts, other pages)`, `${kb(bundle.bytes)} (${kb(bundle.gzip)} gz)`, 'report (was 601, 187 gz)', null),
      line(`  navigation → 7-day timeline painted (median of ${NAVIGATIONS} restarts)`, `${sevenDayMs} ms`, '≤ 500 ms (was 1400–2000)', sevenDayMs <= 500),
      line('    (each restart, in order)', runs.map((r) => `${r.sevenDayMs}`).join(' / ') + ' ms', 'report', null),
      line('    (median run: navigation → dashboard shown / 7 d clicked → painted)', `${readyMs} / ${switchMs} ms`, 'report', null),
      line('    (first contentful paint / 7-day history asked, answered / server part)', `${where.fcp.toFixed(0)} / ${where.askedMs.toFixed(0)}, ${where.answeredMs.toFixed(0)} / ${where.serverMs.toFixed(0)} ms`, 'report', null),
      ...view('5-minute view', fiveMin, '≤ 4 ms (was 17)'),
      ...view('7-day view', week, '≤ 4 ms'),
    ];
  } finally {
    await browser.close();
    await Promise.allSettled(runs.map((r) => r.s.stop()));
  }
}

async function benchExport(dataDir: string, state: string, work: string): Promise<string[]> {
  // CLI
  const outFile = join(work, 'week.csv');
  const c = spawn(process.execPath, [cli, 'export', '--since', '7d', '--data-dir', dataDir, '--out', outFile], { stdio: 'ignore' });
  let cliPeak = 0;
  const t0 = Date.now();
  const poll = setInterval(() => (cliPeak = Math.max(cliPeak, kb(c.pid!, 'VmHWM') || 0)), 10);
  await new Promise((r) => c.once('exit', r));
  clearInterval(poll);
  const cliMs = Date.now() - t0;
  const bytes = statSync(outFile).size;
  // Dashboard route, with the server's health answered meanwhile.
  const s = await serve(dataDir, state, 1000);
  try {
    await new Promise((r) => setTimeout(r, 3000)); // start-up done
    const rssBefore = kb(s.child.pid!, 'VmRSS');
    let serverPeak = rssBefore;
    const rssPoll = setInterval(() => (serverPeak = Math.max(serverPeak, kb(s.child.pid!, 'VmRSS') || 0)), 20);
    // The health checks come from their own process (this one is busy reading the export).
    const pingSource = `
      let on = true; const lat = [];
      process.stdin.on('end', () => (on = false)); process.stdin.resume();
      (async () => {
        while (on) {
          const a = performance.now();
          await (await fetch(process.argv[1] + '/api/health')).text();
          lat.push(performance.now() - a);
          await new Promise((r) => setTimeout(r, 10));
        }
        process.stdout.write(JSON.stringify(lat));
      })();`;
    const pingChild = spawn(process.execPath, ['-e', pingSource, s.url], { stdio: ['pipe', 'pipe', 'inherit'] });
    let pingOut = '';
    pingChild.stdout!.on('data', (b: Buffer) => (pingOut += b.toString()));
    const pinger = new Promise<number[]>((resolve) => pingChild.once('exit', () => resolve(JSON.parse(pingOut || '[]') as number[])));
    const idle = await new Promise<number[]>((resolve) => {
      // The same from a second pinger with no export running: the machine's own noise.
      const c = spawn(process.execPath, ['-e', pingSource, s.url], { stdio: ['pipe', 'pipe', 'inherit'] });
      let o = '';
      c.stdout!.on('data', (b: Buffer) => (o += b.toString()));
      c.once('exit', () => resolve(JSON.parse(o || '[]') as number[]));
      setTimeout(() => c.stdin!.end(), 3000);
    });
    const e0 = Date.now();
    const res = await fetch(`${s.url}/api/export?sinceMs=${Date.now() - 7 * DAY}&format=csv&id=bench`);
    const reader = res.body!.getReader();
    let got = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      got += value.length;
    }
    const routeMs = Date.now() - e0;
    pingChild.stdin!.end();
    const latencies = await pinger;
    clearInterval(rssPoll);
    const p99of = (l: number[]) => [...l].sort((a, b) => a - b)[Math.min(l.length - 1, Math.floor(l.length * 0.99))] ?? NaN;
    const p99 = p99of(latencies);
    await new Promise((r) => setTimeout(r, 5000));
    const rssAfter = kb(s.child.pid!, 'VmRSS');
    const mb = (k: number) => `${(k / 1024).toFixed(1)} MB`;
    return [
      `history export --since 7d (${(bytes / 2 ** 20).toFixed(1)} MiB of CSV)`,
      line(`  CLI: peak RSS (VmHWM), ${cliMs} ms`, mb(cliPeak), '≤ 150 MB (was > 500)', cliPeak / 1024 <= 150),
      line(`  dashboard route: server peak RSS during it, ${routeMs} ms`, mb(serverPeak), '≤ 150 MB (was ~700)', serverPeak / 1024 <= 150),
      line(`  dashboard route: /api/health p99 during it (${latencies.length} requests)`, `${p99.toFixed(1)} ms`, '≤ 50 ms', p99 <= 50),
      line('    (p99 of the same with no export, this machine now)', `${p99of(idle).toFixed(1)} ms`, 'report', null),
      line('  dashboard route: server RSS before / 5 s after it', `${mb(rssBefore)} / ${mb(rssAfter)}`, 'report', null),
      line('  dashboard route: bytes received (1 s more of history than the CLI run)', `${(got / 2 ** 20).toFixed(1)} MiB`, 'report', null),
    ];
  } finally {
    await s.stop();
  }
}

export async function benchHistory(): Promise<{ lines: string[] }> {
  const work = mkdtempSync(join(tmpdir(), 'headroom-bench-history-'));
  const state = join(work, 'smi');
  writeFileSync(state, `0, GPU-bench, ${GPU_NAME}, 24564, 12000, 12264, 300, 40, 50, 150.00, 595.71.05`);
  try {
    // HEADROOM_BENCH_HISTORY=dashboard,export (for instance) runs only those parts.
    const only = process.env.HEADROOM_BENCH_HISTORY?.split(',');
    const want = (part: string) => !only || only.includes(part);
    const lines: string[] = [];
    if (want('sigkill')) lines.push(...(await benchSigkill(work, state)));
    let dataDir: string;
    if (want('rss')) {
      const rss = await benchRss(work, state);
      lines.push(...rss.lines);
      dataDir = rss.dataDir;
    } else {
      dataDir = join(work, 'week');
      writeWeek(dataDir, Date.now());
      // Run once so the per-day reductions exist (the dashboard figures are "after a restart").
      const s = await serve(dataDir, state, 1000);
      const until = Date.now() + 20_000; // (a build without reductions: the same wait as a warm-up)
      while (Date.now() < until && (!existsSync(join(dataDir, 'history', 'reduced')) || readdirSync(join(dataDir, 'history', 'reduced')).length < 7)) await new Promise((r) => setTimeout(r, 200));
      await s.stop();
    }
    if (want('dashboard')) lines.push(...(await benchDashboard(dataDir, state)));
    if (want('export')) lines.push(...(await benchExport(dataDir, state, work)));
    return { lines };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, benchHistory);
