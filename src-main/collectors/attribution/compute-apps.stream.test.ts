import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../util/logger';
import { runningChildren } from '../child-processes';
import { isAlive, until } from '../gpu/test-helpers';
import { ComputeAppsStream } from './compute-apps.stream';

const fakeSmi = fileURLToPath(new URL('../../../e2e/fakes/nvidia-smi', import.meta.url));
// The recorded 3-field output, with the gpu_uuid column Headroom's query adds (reference §6.3).
const recorded = readFileSync(fileURLToPath(new URL('../../../e2e/fixtures/backends/nvidia-smi/compute-apps.linux.llm.noheader-nounits.csv', import.meta.url)), 'utf8')
  .trim()
  .split(/\r?\n/)
  .map((l) => `${l}, GPU-00000000-0000-0000-0000-000000000000`)
  .join('\n');

let dir: string;
let state: string;
const streams: ComputeAppsStream[] = [];
const savedEnv = process.env.FAKE_NVIDIA_SMI_STATE;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-apps-'));
  state = join(dir, 'smi');
  process.env.FAKE_NVIDIA_SMI_STATE = state;
});

afterEach(async () => {
  for (const s of streams.splice(0)) s.dispose();
  await until(() => runningChildren().length, (n) => n === 0, 5_000);
  if (savedEnv === undefined) delete process.env.FAKE_NVIDIA_SMI_STATE;
  else process.env.FAKE_NVIDIA_SMI_STATE = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

function start(intervalMs = 200): ComputeAppsStream {
  const s = new ComputeAppsStream({ path: fakeSmi, intervalMs, logger: silentLogger, initialBackoffMs: 100 });
  streams.push(s);
  return s;
}

describe('ComputeAppsStream (one long-running nvidia-smi --query-compute-apps -lms)', () => {
  it('reads the recorded list from one process, and follows changes without a new process', async () => {
    writeFileSync(`${state}.apps`, recorded);
    const s = start();
    const first = await until(() => s.latest(), (r) => (r?.apps.length ?? 0) > 0);
    expect(first?.apps.map((a) => a.pid)).toEqual([48211, 48377]);
    expect(first?.apps[0]).toMatchObject({ name: '/usr/local/bin/ollama', usedBytes: 10010 * 1024 * 1024 });

    writeFileSync(`${state}.apps`, '48211, /usr/local/bin/ollama, 12000, GPU-00000000-0000-0000-0000-000000000000\n');
    const changed = await until(() => s.latest(), (r) => r?.apps.length === 1);
    expect(changed?.apps[0]?.usedBytes).toBe(12000 * 1024 * 1024);

    // The real tool prints nothing in an iteration without processes: that reads as an empty list.
    writeFileSync(`${state}.apps`, '');
    const empty = await until(() => s.latest(), (r) => r?.apps.length === 0, 5_000);
    expect(empty).toEqual({ apps: [], restricted: false, memoryNotReported: false });
    expect(s.starts).toBe(1);
  });

  it('reuses the parsed list while iterations are identical', async () => {
    writeFileSync(`${state}.apps`, recorded);
    const s = start(300);
    const a = await until(() => s.latest(), (r) => (r?.apps.length ?? 0) > 0);
    await new Promise((r) => setTimeout(r, 700)); // two more identical iterations
    expect(s.latest()).toBe(a);
  });

  it('stops a child that ignores SIGTERM on dispose (SIGKILL after the grace period)', async () => {
    writeFileSync(`${state}.apps`, `#ignore-sigterm\n${recorded}`);
    const s = start();
    await until(() => s.latest(), (r) => (r?.apps.length ?? 0) > 0);
    const pids = runningChildren();
    expect(pids.length).toBe(1);
    s.dispose();
    const left = await until(() => pids.filter(isAlive), (p) => p.length === 0, 5_000);
    expect(left).toEqual([]);
  });

  it('says why when nvidia-smi cannot run, and gives no list', async () => {
    const s = new ComputeAppsStream({ path: join(dir, 'missing-nvidia-smi'), logger: silentLogger, initialBackoffMs: 10_000 });
    streams.push(s);
    const error = await until(() => s.lastError(), (e) => e !== null);
    expect(error).toMatch(/not found/);
    expect(s.latest()).toBeNull();
  });
});

describe('ComputeAppsStream on a driver without loop mode for compute apps', () => {
  it('keeps the list of the last run (exit 0) until the next one, instead of none', async () => {
    const d = mkdtempSync(join(tmpdir(), 'headroom-apps-once-'));
    const st = join(d, 'smi');
    writeFileSync(`${st}.apps`, `#once\n${recorded}`);
    const saved = process.env.FAKE_NVIDIA_SMI_STATE;
    process.env.FAKE_NVIDIA_SMI_STATE = st;
    const s = new ComputeAppsStream({ path: fakeSmi, intervalMs: 100, logger: silentLogger, initialBackoffMs: 5_000 });
    try {
      await until(() => s.lastError(), (e) => e !== null);
      await new Promise((r) => setTimeout(r, 400)); // well past one iteration: the run is over
      expect(s.latest()?.apps.map((a) => a.pid)).toEqual([48211, 48377]);
    } finally {
      s.dispose();
      process.env.FAKE_NVIDIA_SMI_STATE = saved;
      rmSync(d, { recursive: true, force: true });
    }
  });
});
