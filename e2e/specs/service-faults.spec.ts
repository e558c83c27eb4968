/**
 * The service under faults (times compressed): a vLLM that flaps every second and an
 * nvidia-smi that dies every few seconds. Throughout, /api/health answers at once and the
 * event stream keeps delivering Snapshots in order; then SIGTERM: every Snapshot with GPU data
 * that a client saw is in the history on disk (nothing lost), and the process says it stopped.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { startFakeBackend, type FakeBackend } from '../fakes/backends/fake-backends';
import { fakeNvidiaSmi, gpuLine, startHeadroom, type Headroom } from '../harness';

let headroom: Headroom | null = null;
let vllm: FakeBackend | null = null;
let dataDir = '';
const timers: NodeJS.Timeout[] = [];
test.afterEach(async () => {
  timers.forEach((t) => clearInterval(t));
  timers.length = 0;
  await headroom?.stop();
  await vllm?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  headroom = null;
  vllm = null;
});

test('flapping backend and dying nvidia-smi: health answers, the stream flows, SIGTERM loses no history', async () => {
  test.setTimeout(90_000);
  vllm = await startFakeBackend('vllm');
  dataDir = mkdtempSync(join(tmpdir(), 'headroom-faults-'));
  headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover', '--interval-ms', '250', '--backend', `vllm=${vllm.url}`], { gpuLines: [gpuLine(0, 8000)], dataDir });

  // vLLM: up one second, connection reset the next.
  let up = true;
  timers.push(
    setInterval(() => {
      up = !up;
      vllm!.setRoute('GET /metrics', up ? undefined : { destroy: true });
      vllm!.setRoute('GET /health', up ? { status: 200, body: '' } : { destroy: true });
    }, 1000),
  );
  // nvidia-smi: every 3 s it prints once more and exits 1 (the stream must restart it).
  let used = 8000;
  let round = 0;
  timers.push(
    setInterval(() => {
      used += 100;
      round++;
      headroom!.setGpuLines(round % 3 === 0 ? [gpuLine(0, used), '#exit 1'] : [gpuLine(0, used)]);
    }, 1000),
  );

  // A client on the event stream.
  const seen: { atMs: number; gpus: number; backend: string | undefined }[] = [];
  const req = http.get(`${headroom.url}/api/events`, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      buf += c;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const m = /^event: snapshotPublished\ndata: (.*)$/s.exec(frame);
        if (m) {
          const s = JSON.parse(m[1]!) as { atMs: number; gpus: unknown[]; backends: { status: string }[] };
          seen.push({ atMs: s.atMs, gpus: s.gpus.length, backend: s.backends[0]?.status });
        }
      }
    });
  });

  // 12 s of faults, probing health every 200 ms.
  const healthMs: number[] = [];
  const until = Date.now() + 12_000;
  while (Date.now() < until) {
    const t = performance.now();
    const r = await fetch(`${headroom.url}/api/health`);
    expect(r.status).toBe(200);
    healthMs.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 200));
  }
  timers.forEach((t) => clearInterval(t));
  expect(Math.max(...healthMs)).toBeLessThan(1000);
  expect(seen.length).toBeGreaterThan(20);
  for (let i = 1; i < seen.length; i++) expect(seen[i]!.atMs).toBeGreaterThan(seen[i - 1]!.atMs);
  // The vLLM flapped: both states were reported.
  const states = new Set(seen.map((s) => s.backend));
  expect(states.has('up')).toBe(true);
  expect([...states].some((x) => x === 'down' || x === 'error')).toBe(true);

  req.destroy();
  const withGpu = seen.filter((s) => s.gpus > 0).map((s) => s.atMs);
  expect(withGpu.length).toBeGreaterThan(10);
  await headroom.stop(); // SIGTERM
  expect(headroom.output()).toContain('SIGTERM: stopping');
  expect(headroom.output()).toContain('"msg":"stopped"');
  const dir = join(dataDir, 'history');
  const written = new Set(
    readdirSync(dir)
      .filter((f) => f.endsWith('.ndjson'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
      .map((l) => (JSON.parse(l) as { t: number }).t),
  );
  expect(withGpu.filter((t) => !written.has(t))).toEqual([]);
  headroom = null; // stopped
});
