import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runningChildren } from './collectors/child-processes';
import { isAlive, until } from './collectors/gpu/test-helpers';
import { createCore } from './create-core';
import { silentLogger } from './util/logger';

const fakeSmi = fileURLToPath(new URL('../e2e/fakes/nvidia-smi', import.meta.url));
let dir: string | null = null;
const savedState = process.env.FAKE_NVIDIA_SMI_STATE;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
  if (savedState === undefined) delete process.env.FAKE_NVIDIA_SMI_STATE;
  else process.env.FAKE_NVIDIA_SMI_STATE = savedState;
});

describe('every child the core starts is gone when it is disposed (issue 17 §9)', () => {
  it('even a compute-apps nvidia-smi that ignores SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-core-children-'));
    const state = join(dir, 'smi');
    writeFileSync(state, '0, GPU-core-0, NVIDIA GeForce RTX 4090, 24564, 12000, 12264, 300, 40, 50, 150.00, 595.71.05\n');
    writeFileSync(`${state}.apps`, '#ignore-sigterm\n4242, /usr/local/bin/ollama, 10010, GPU-core-0\n');
    process.env.FAKE_NVIDIA_SMI_STATE = state;
    const core = await createCore({ intervalMs: 1000, demo: false, discover: false, backends: [], nvidiaSmiPath: fakeSmi, warningPct: 80, criticalPct: 90, logger: silentLogger, dataDir: null });
    // The GPU stream and the compute-apps stream: two long-running children, no one-shots left.
    const pids = await until(() => runningChildren(), (p) => p.length === 2);
    expect(pids).toHaveLength(2);
    const snapshot = await until(() => core.latest(), (s) => (s?.gpus[0]?.processes?.length ?? 0) > 0);
    expect(snapshot?.gpus[0]?.processes?.[0]?.pid).toBe(4242);
    await core.dispose();
    const left = await until(() => pids.filter(isAlive), (p) => p.length === 0, 5_000);
    expect(left).toEqual([]);
    expect(runningChildren()).toEqual([]);
  });
});
