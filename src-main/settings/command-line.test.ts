import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeBackend, type FakeBackend } from '../../e2e/fakes/backends/fake-backends';
import type { Snapshot } from '../../shared/model/snapshot';
import { createCore, type Core } from '../create-core';
import { silentLogger } from '../util/logger';
import { effectiveMonitorSettings } from './command-line';
import { defaultSettings, type AppSettings } from './settings-schema';
import { createSettingsStore, noEncryption } from './settings-store';

const defaults = { intervalMs: 1000, warningPct: 80, criticalPct: 90, discover: true, retentionDays: 7 };

function saved(change: (s: AppSettings) => void): AppSettings {
  const s = defaultSettings();
  change(s);
  return s;
}

describe('effectiveMonitorSettings: flags win over saved settings', () => {
  it.each([
    {
      name: 'saved list without the --backend server keeps it, first',
      saved: saved((s) => (s.backends = [{ url: 'http://127.0.0.1:9000', apiKey: null }])),
      flags: { backends: [{ kind: 'vllm' as const, url: 'http://127.0.0.1:8000' }] },
      want: { backends: [{ kind: 'vllm', url: 'http://127.0.0.1:8000', apiKey: null }, { kind: null, url: 'http://127.0.0.1:9000', apiKey: null }] },
    },
    {
      name: 'a saved entry for the same URL gives way to the flag (its key too)',
      saved: saved((s) => (s.backends = [{ kind: 'openai', url: 'http://127.0.0.1:8000/', apiKey: 'old' }])),
      flags: { backends: [{ kind: 'vllm' as const, url: 'http://127.0.0.1:8000', apiKey: 'new' }] },
      want: { backends: [{ kind: 'vllm', url: 'http://127.0.0.1:8000', apiKey: 'new' }] },
    },
    {
      name: '--interval-ms, --no-discover and thresholds beat the saved values',
      saved: saved((s) => (s.monitor = { intervalMs: 5000, discover: true, warningPct: 50, criticalPct: 60 })),
      flags: { backends: [], intervalMs: 250, discover: false, warningPct: 70, criticalPct: 95 },
      want: { intervalMs: 250, discover: false, warningPct: 70, criticalPct: 95 },
    },
    {
      name: 'without flags, saved values, then defaults',
      saved: saved((s) => (s.monitor = { intervalMs: 5000 })),
      flags: null,
      want: { backends: [], intervalMs: 5000, discover: true, warningPct: 80, criticalPct: 90, retentionDays: 7 },
    },
  ])('$name', ({ saved: s, flags, want }) => {
    expect(effectiveMonitorSettings(s, flags, defaults)).toMatchObject(want);
  });
});

describe('issue 17.9: saving a setting keeps polling the --backend servers', () => {
  let core: Core | null = null;
  let backend: FakeBackend | null = null;
  let dir: string | null = null;
  afterEach(async () => {
    await core?.dispose();
    await backend?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    core = null;
    backend = null;
    dir = null;
  });

  const nextSnapshot = (c: Core, accept: (s: Snapshot) => boolean) =>
    new Promise<Snapshot>((resolve) => {
      const d = c.onSnapshot((s) => {
        if (!accept(s)) return;
        d.dispose();
        resolve(s);
      });
    });

  it('the server given on the command line is still in the Snapshot after the thresholds are saved', async () => {
    backend = await startFakeBackend('vllm');
    dir = mkdtempSync(join(tmpdir(), 'headroom-flags-'));
    const settingsStore = createSettingsStore({ dir, encryptor: noEncryption, logger: silentLogger });
    await settingsStore.load();
    const flagBackend = { kind: 'vllm' as const, url: backend.url };
    core = await createCore({
      intervalMs: 250,
      demo: false,
      discover: false,
      backends: [flagBackend],
      nvidiaSmiPath: '/nonexistent/nvidia-smi',
      warningPct: 80,
      criticalPct: 90,
      logger: silentLogger,
      dataDir: null,
      settingsStore,
      commandLine: { backends: [flagBackend], intervalMs: 250 },
    });
    const hasBackend = (s: Snapshot) => s.backends.some((b) => b.url === backend!.url && b.status === 'up');
    await nextSnapshot(core, hasBackend);

    const saved = await core.handlers.updateSettings({ monitor: { warningPct: 70, intervalMs: 5000 } });
    expect(saved.ok).toBe(true);
    // Two ticks after the save: the flag's server is still polled, at the flag's interval.
    let ticks = 0;
    const after = await nextSnapshot(core, () => ++ticks >= 2);
    expect(after.backends.map((b) => b.url)).toEqual([backend.url]);
    expect(after.intervalMs).toBe(250);
    expect(after.thresholds?.warningPct).toBe(70);
  });
});
