import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultAlertSettings } from '../../shared/alerts/settings';
import type { Snapshot } from '../../shared/model/snapshot';
import { HistoryStore } from '../history/history-store';
import { silentLogger } from '../util/logger';
import { queryHistory } from './history-query';
import { Monitor } from './monitor';

const dir = mkdtempSync(join(tmpdir(), 'headroom-hq-'));
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const snap = (atMs: number, used: number): Snapshot => ({
  atMs, demo: false, system: null, backends: [], sources: [], alerts: [],
  gpus: [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'G', uuid: null, memoryTotalBytes: 1000, memoryUsedBytes: used, memoryFreeBytes: 1000 - used, utilizationPct: null, temperatureC: null, powerWatts: null }],
});

describe('queryHistory', () => {
  it('reads persisted history when memory does not reach back, with or without untilMs and maxPoints', async () => {
    const store = new HistoryStore({ dataDir: dir, retentionDays: 7, logger: silentLogger });
    const t = Date.now() - 3 * 3_600_000;
    for (let i = 0; i < 100; i++) store.append(snap(t + i * 1000, i));
    const monitor = new Monitor({ gpuSources: [], systemSource: null, backends: [], intervalMs: 1000, alertSettings: defaultAlertSettings(), demo: false, logger: silentLogger });
    expect((await queryHistory(monitor, store, { sinceMs: 0 })).map((p) => p.memoryUsedBytes)).toHaveLength(100);
    expect((await queryHistory(monitor, store, { sinceMs: 0, untilMs: t + 9_000 })).map((p) => p.memoryUsedBytes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const reduced = await queryHistory(monitor, store, { sinceMs: 0, maxPoints: 10 });
    expect(reduced.length).toBeLessThanOrEqual(20);
    expect(Math.max(...reduced.map((p) => p.memoryUsedBytes))).toBe(99);
    store.dispose();
    monitor.dispose();
  });
});
