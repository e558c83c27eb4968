/**
 * Prometheus's own tool checks what Headroom ships: `/metrics` output (`promtool check
 * metrics`), the rules (`check rules`) and their unit tests (`test rules`); and every query of
 * the Grafana dashboard names series that exist. promtool comes with Debian's `prometheus`
 * package (`.ci/run` installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Snapshot } from '../../shared/model/snapshot';
import { createMetrics } from './metrics';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p)) ?? null;

export const richSnapshot: Snapshot = {
  atMs: 1_700_000_000_000,
  demo: false,
  system: { memoryTotalBytes: 64e9, memoryUsedBytes: 32e9, swapTotalBytes: 0, swapUsedBytes: 0 },
  sources: [{ id: 'nvidia-smi', status: 'ok', message: null }],
  thresholds: { warningPct: 80, criticalPct: 90 },
  gpus: [
    {
      id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'H100 "SXM"\\x', uuid: 'GPU-1', memoryTotalBytes: 85e9, memoryUsedBytes: 76e9, memoryFreeBytes: 9e9, utilizationPct: 97, temperatureC: 60, powerWatts: 500,
      processes: [{ pid: 1, name: 'vllm', usedBytes: 75e9, backendId: 'vllm@127.0.0.1:8000' }],
      owners: [{ label: 'vLLM', kind: 'llm', backendId: 'vllm@127.0.0.1:8000', bytes: 75e9 }, { label: 'unlisted', kind: 'unattributed', backendId: null, bytes: 1e9 }],
    },
  ],
  backends: [
    {
      id: 'vllm@127.0.0.1:8000', kind: 'vllm', url: 'http://127.0.0.1:8000', status: 'up', message: null, version: '0.9',
      models: [{ name: 'Qwen/Qwen2.5-7B', contextLength: 32768, sizeBytes: null, vramBytes: null, kvBytesPerToken: 57344, kvCacheBytes: null, kvCacheUsageRatio: 0.42, requestsRunning: 6, requestsWaiting: 1, kvCacheCapacityTokens: 400000, preemptionsTotal: 12 }],
    },
    { id: 'ollama@127.0.0.1:11434', kind: 'ollama', url: 'http://127.0.0.1:11434', status: 'down', message: 'refused', version: null, models: [] },
  ],
  alerts: [{ id: 'a', severity: 'warning', kind: 'spill', message: 'm', sourceId: 'gpu:0', sinceMs: 1 }],
};

const run = (args: string[], input?: string) => spawnSync(promtool!, args, { input, encoding: 'utf8', cwd: repo, timeout: 20_000 });

describe.skipIf(!promtool)('promtool (skipped only where Debian\'s prometheus package is not installed)', () => {
  it('check metrics: /metrics follows the naming conventions', async () => {
    const text = await createMetrics(() => richSnapshot).render();
    // Capacity as series: 400,000 tokens / 8k = 48 users; 1 request waiting → no room now.
    expect(text).toContain('headroom_capacity_users{backend="vllm@127.0.0.1:8000",model="Qwen/Qwen2.5-7B",context_tokens="8192"} 48');
    expect(text).toContain('headroom_capacity_room_users{backend="vllm@127.0.0.1:8000",model="Qwen/Qwen2.5-7B"} 0');
    const r = run(['check', 'metrics'], text);
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });
  it('check rules and test rules', () => {
    const check = run(['check', 'rules', 'deploy/prometheus/headroom.rules.yml']);
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(check.status).toBe(0);
    const test = run(['test', 'rules', 'deploy/prometheus/headroom.rules.test.yml']);
    expect(`${test.stdout}${test.stderr}`).toContain('SUCCESS');
    expect(test.status).toBe(0);
  });
});

const amtool = ['/usr/bin/amtool', '/usr/local/bin/amtool'].find((p) => existsSync(p)) ?? null;
describe.skipIf(!amtool)('amtool (skipped only where Debian\'s prometheus-alertmanager package is not installed)', () => {
  it('the example Alertmanager routing is valid', () => {
    const r = spawnSync(amtool!, ['check-config', 'deploy/prometheus/alertmanager.example.yml'], { encoding: 'utf8', cwd: repo, timeout: 20_000 });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

describe('Grafana dashboard', () => {
  it('queries only recorded rules and metrics Headroom exports', async () => {
    const dash = JSON.parse(readFileSync(join(repo, 'deploy/grafana/headroom.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const rules = readFileSync(join(repo, 'deploy/prometheus/headroom.rules.yml'), 'utf8');
    const recorded = new Set([...rules.matchAll(/record: (\S+)/g)].map((m) => m[1]!));
    const exported = new Set([...(await createMetrics(() => richSnapshot).render()).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
    expect(dash.panels.length).toBeGreaterThanOrEqual(8);
    for (const p of dash.panels) {
      for (const t of p.targets) {
        const names = [...t.expr.matchAll(/\b(headroom[:_][\w:]+)/g)].map((m) => m[1]!);
        expect(names.length, p.title).toBeGreaterThan(0);
        for (const n of names) expect(recorded.has(n) || exported.has(n), `${p.title}: ${n}`).toBe(true);
      }
    }
  });
});

