/**
 * The scale-out path, with the real parts: Debian's Prometheus scrapes a `headroom serve` fed
 * by a fake vLLM (recorded payload, preemptions counting up), a vLLM that is down and the fake
 * nvidia-smi; it evaluates the shipped rules (deploy/prometheus/headroom.rules.yml, with `for:`
 * and the group interval shortened to seconds); every recording rule and every Grafana panel
 * query answers with the numbers Headroom's own Snapshot shows; and when the fake GPU crosses
 * the critical level, HeadroomVramCritical goes through Alertmanager to a local webhook.
 * Everything binds 127.0.0.1 on run-time ports, with temp configs, and is stopped after.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Snapshot } from '../../shared/model/snapshot';
import { startFakeBackend, type FakeBackend } from '../fakes/backends/fake-backends';
import { readFixture } from '../fakes/backends/fixtures';
import { startFakeServer, type FakeServer } from '../fakes/fake-http';
import { fakeNvidiaSmi, gpuLine, repoRoot, startHeadroom, type Headroom } from '../harness';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const MiB = 1024 * 1024;

test.skip(!existsSync(PROMETHEUS) || !existsSync(ALERTMANAGER), 'skipped: Debian packages prometheus and prometheus-alertmanager are not installed (.ci/run installs them)');

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
test.afterEach(async () => {
  for (const c of children) {
    if (c.exitCode === null) {
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (c.exitCode === null) c.kill('SIGKILL');
    }
  }
  children.length = 0;
  for (const f of cleanups.reverse()) await f();
  cleanups.length = 0;
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function start(cmd: string, args: string[]): { out: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  children.push(child);
  return { out: () => out };
}

async function ready(url: string, what: () => string): Promise<void> {
  await expect
    .poll(async () => (await fetch(url).catch(() => null))?.status ?? 0, { timeout: 30_000, message: `${url} never became ready:\n${what()}` })
    .toBe(200);
}

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}
async function query(prom: string, expr: string): Promise<Series[]> {
  const res = await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data?: { result: Series[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data!.result;
}
const value = (s: Series[]) => s.map((x) => Number(x.value[1]));

test('Prometheus scrapes Headroom: every recording rule and Grafana query has the fake\'s numbers; an alert reaches a webhook via Alertmanager', async () => {
  test.setTimeout(150_000);
  const dir = mkdtempSync(join(tmpdir(), 'headroom-prom-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

  // A vLLM whose preemption counter goes up by 2 per scrape, and a vLLM that is down.
  const vllm: FakeBackend = await startFakeBackend('vllm');
  cleanups.push(() => vllm.close());
  const metricsText = readFixture('vllm/metrics.v1.txt');
  let preemptions = 3;
  vllm.setRoute('GET /metrics', () => {
    preemptions += 2;
    return { body: metricsText.replace(/^(vllm:num_preemptions_total\{[^}]*\}) [\d.e+]+$/m, `$1 ${preemptions}.0`), contentType: 'text/plain; version=0.0.4' };
  });
  const downPort = await freePort();

  const headroom: Headroom = await startHeadroom(['--nvidia-smi', fakeNvidiaSmi, '--no-discover', '--interval-ms', '250', '--critical-pct', '90', '--warning-pct', '80', '--backend', `vllm=${vllm.url}`, '--backend', `vllm=http://127.0.0.1:${downPort}`], {
    gpuLines: [gpuLine(0, 12282)],
  });
  cleanups.push(() => headroom.stop());
  const headroomHost = new URL(headroom.url).host;

  const hooks: unknown[] = [];
  const receiver: FakeServer = await startFakeServer({
    'POST /hook': (req) => {
      hooks.push(JSON.parse(req.body));
      return { status: 200, body: '' };
    },
  });
  cleanups.push(() => receiver.close());

  // Alertmanager → the receiver.
  const amPort = await freePort();
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    `route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: ${receiver.url}/hook\n        send_resolved: false\n`,
  );
  const am = start(ALERTMANAGER, [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'am')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=']);
  await ready(`http://127.0.0.1:${amPort}/-/ready`, am.out);

  // The shipped rules, with durations in seconds so the test does not wait minutes.
  const rules = readFileSync(join(repoRoot, 'deploy/prometheus/headroom.rules.yml'), 'utf8').replace(/^(\s+)for: \S+$/gm, '$1for: 1s').replace(/^(\s+)interval: \S+$/gm, '$1interval: 1s');
  writeFileSync(join(dir, 'rules.yml'), rules);
  const promPort = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [${join(dir, 'rules.yml')}]\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:${amPort}']\nscrape_configs:\n  - job_name: headroom\n    static_configs:\n      - targets: ['${headroomHost}']\n`,
  );
  const prom = start(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${promPort}`]);
  const p = `http://127.0.0.1:${promPort}`;
  await ready(`${p}/-/ready`, prom.out);

  // Headroom's own view, to compare with.
  const snapshot = async () => (await (await fetch(`${headroom.url}/api/snapshot`)).json()) as Snapshot;
  await expect.poll(async () => (await snapshot()).backends.find((b) => b.url === vllm.url)?.models[0]?.requestsRunning ?? null, { timeout: 20_000 }).toBe(6);
  const s = await snapshot();
  const model = s.backends.find((b) => b.url === vllm.url)!.models[0]!;
  const gpu = s.gpus[0]!;

  // Every recording rule returns data once a few scrapes and evaluations have happened.
  const recorded = [...rules.matchAll(/record: (\S+)/g)].map((m) => m[1]!);
  expect(recorded.length).toBeGreaterThanOrEqual(10);
  for (const name of recorded) await expect.poll(async () => (await query(p, name)).length, { timeout: 30_000, message: name }).toBeGreaterThan(0);

  // ...with the fake's numbers.
  expect(value(await query(p, 'headroom:gpu_memory_used:ratio'))).toEqual([gpu.memoryUsedBytes / gpu.memoryTotalBytes]);
  expect(value(await query(p, 'headroom:gpu_memory_used:ratio'))).toEqual([0.5]);
  expect(value(await query(p, 'headroom:gpu_memory_headroom:bytes'))[0]).toBeCloseTo(0.9 * 24564 * MiB - 12282 * MiB, 0);
  expect(value(await query(p, 'headroom:gpu_memory_total_bytes:sum'))).toEqual([24564 * MiB]);
  expect(value(await query(p, 'headroom:gpu_memory_free_bytes:sum'))).toEqual([gpu.memoryFreeBytes]);
  expect(value(await query(p, 'headroom:gpu_memory_used_bytes:deriv5m'))).toEqual([0]);
  expect(value(await query(p, 'headroom:model_kv_cache_usage:max_ratio'))).toEqual([0.4187]);
  expect(value(await query(p, 'headroom:model_requests_running:sum'))).toEqual([6]);
  expect(value(await query(p, 'headroom:model_requests_waiting:sum'))).toEqual([2]);
  expect(value(await query(p, 'headroom:backends_down:count'))).toEqual([1]);
  await expect.poll(async () => value(await query(p, 'headroom:model_preemptions:rate5m'))[0] ?? 0, { timeout: 20_000 }).toBeGreaterThan(0);
  expect(value(await query(p, 'headroom_model_kv_cache_capacity_tokens'))).toEqual([model.kvCacheCapacityTokens]);
  const capacity = ((await (await fetch(`${headroom.url}/api/capacity`)).json()) as { value: { moreUsers: number; models: { usersAt: { contextTokens: number; users: number }[] }[] } }).value;
  expect(value(await query(p, 'headroom:capacity_room_users:sum'))).toEqual([capacity.moreUsers]);
  expect(value(await query(p, 'headroom_capacity_users{context_tokens="8192"}'))).toEqual([capacity.models[0]!.usersAt.find((u) => u.contextTokens === 8192)!.users]);

  // Every Grafana panel query returns data.
  const dash = JSON.parse(readFileSync(join(repoRoot, 'deploy/grafana/headroom.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  for (const panel of dash.panels) {
    for (const t of panel.targets) {
      const expr = t.expr.replaceAll('$instance', '.*');
      expect((await query(p, expr)).length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
    }
  }

  // No critical-VRAM alert yet; the fake GPU crosses 90 % and it arrives through Alertmanager.
  const vramHooks = () => hooks.filter((h) => JSON.stringify(h).includes('"alertname":"HeadroomVramCritical"'));
  expect(vramHooks()).toEqual([]);
  headroom.setGpuLines([gpuLine(0, 23500)]);
  await expect.poll(() => vramHooks().length, { timeout: 45_000, message: `no HeadroomVramCritical webhook; got ${JSON.stringify(hooks).slice(0, 500)}` }).toBeGreaterThan(0);
  const alert = (vramHooks()[0] as { alerts: { labels: Record<string, string>; annotations: Record<string, string>; status: string }[] }).alerts[0]!;
  expect(alert.status).toBe('firing');
  expect(alert.labels).toMatchObject({ alertname: 'HeadroomVramCritical', severity: 'critical', gpu: 'gpu:0', instance: headroomHost });
  expect(alert.annotations.description).toBe('95.67% of GPU memory in use for 5 minutes.');
});
