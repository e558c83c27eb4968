/**
 * Issue 17.7, seeded fuzz: fake servers of every kind answer on real HTTP with mutated versions
 * of the recorded payloads (wrong types, non-finite and absurd numbers, 10⁵-deep JSON, 20 MB
 * bodies, gzip bombs, endless chunked bodies, slow trickles, a million Prometheus series, huge
 * strings, tens of thousands of list entries). Through the real collectors and monitor, every
 * tick must: not throw, publish a Snapshot that passes its schema untouched by the guard, stay
 * small, finish within its timeout, and give each server a status message that is a sentence.
 * Same seed, same session: a failure can be replayed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileBackend, type HostileServer } from '../../../e2e/fakes/backends/hostile-backend';
import { defaultAlertSettings } from '../../../shared/alerts/settings';
import { backendKindSchema, snapshotSchema, type BackendKind, type Snapshot } from '../../../shared/model/snapshot';
import { PredictionService } from '../../models/predictions';
import { Monitor } from '../../monitor/monitor';
import type { Logger } from '../../util/logger';
import { silentLogger } from '../../util/logger';
import type { BackendCollector, GpuSource } from '../types';
import { createBackendCollector } from './create-backend-collector';

const SEED = Number(process.env.HEADROOM_FUZZ_SEED ?? 20261130);
/** Wall-clock budget for the ticks (the whole file stays well under 40 s). */
const BUDGET_MS = Number(process.env.HEADROOM_FUZZ_MS ?? 18_000);
const TIMEOUT_MS = 600;
const TICK_TIMEOUT_MS = 2000;
const MAX_SNAPSHOT_BYTES = 512 * 1024;

/** What a person can read: starts with the server's name or a capital, ends like a sentence, carries no raw JavaScript error. */
const RAW_ERROR = /Maximum call stack|Invalid array length|is not a function|Cannot read propert|is not iterable|\bundefined\b|\bNaN\b|RangeError|TypeError|SyntaxError|Unexpected token/;

const kinds = backendKindSchema.options as readonly BackendKind[];
const servers: HostileServer[] = [];
const collectors: BackendCollector[] = [];
const errors: string[] = [];
const logger: Logger = { info() {}, warn() {}, error: (m: string) => void errors.push(m) };

beforeAll(async () => {
  // Per kind: one server hostile in 85 % of its answers, one in 30 % (so that good answers, the
  // memory model's predictions and recoveries between hostile answers get exercised too).
  for (const [i, kind] of kinds.entries()) {
    servers.push(await startHostileBackend(kind, { seed: SEED + i }));
    servers.push(await startHostileBackend(kind, { seed: SEED + 100 + i, hostileRatio: 0.3 }));
  }
});

afterAll(async () => {
  collectors.forEach((c) => c.dispose());
  await Promise.all(servers.map((s) => s.close()));
});

describe(`hostile servers of every kind (seed ${SEED})`, () => {
  it('every tick: no throw, a valid and small Snapshot, on time, sentences only', { timeout: BUDGET_MS + 20_000 }, async () => {
    for (const s of servers) collectors.push(createBackendCollector(s.kind, { url: s.url, timeoutMs: TIMEOUT_MS, logger: silentLogger }));
    // One 24 GiB GPU, so that the memory model's predictions run on whatever the servers report.
    const GiB = 1024 ** 3;
    const gpu: GpuSource = {
      id: 'fake-gpu',
      label: 'Fake GPU',
      read: async () => ({
        status: 'ok',
        value: [{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'Fake 24 GB', uuid: null, memoryTotalBytes: 24 * GiB, memoryUsedBytes: 20 * GiB, memoryFreeBytes: 4 * GiB, utilizationPct: 50, temperatureC: 60, powerWatts: 200 }],
      }),
      dispose() {},
    };
    const monitor = new Monitor({
      gpuSources: [gpu],
      systemSource: null,
      backends: collectors,
      intervalMs: 1000,
      timeoutMs: TICK_TIMEOUT_MS,
      alertSettings: defaultAlertSettings(),
      demo: false,
      logger,
      predictions: new PredictionService(silentLogger),
    });
    const started = Date.now();
    let ticks = 0;
    let worstTickMs = 0;
    let largest = 0;
    const statuses = new Map<string, number>();
    let predictions = 0;
    while (Date.now() - started < BUDGET_MS) {
      const t0 = performance.now();
      let snapshot: Snapshot;
      try {
        snapshot = await monitor.tick(AbortSignal.timeout(TICK_TIMEOUT_MS));
      } catch (error) {
        throw new Error(`tick ${ticks} threw: ${(error as Error).message}`);
      }
      const tickMs = performance.now() - t0;
      worstTickMs = Math.max(worstTickMs, tickMs);
      ticks++;

      const parsed = snapshotSchema.safeParse(snapshot);
      if (!parsed.success) throw new Error(`tick ${ticks}: Snapshot fails its schema: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
      const size = JSON.stringify(snapshot).length;
      largest = Math.max(largest, size);
      expect(size, `tick ${ticks}: Snapshot JSON size`).toBeLessThan(MAX_SNAPSHOT_BYTES);
      expect(snapshot.backends).toHaveLength(servers.length);
      if (snapshot.backends.some((b) => b.models.some((m) => m.prediction))) predictions++;
      for (const b of snapshot.backends) {
        statuses.set(b.status, (statuses.get(b.status) ?? 0) + 1);
        for (const text of [b.message, b.note]) {
          if (text === null || text === undefined) continue;
          expect(text.length, `${b.id}: message length`).toBeLessThanOrEqual(600);
          expect(text, `${b.id}: a sentence`).toMatch(/^\S.*[.?!)]$/s);
          expect(text, `${b.id}: no raw JavaScript error`).not.toMatch(RAW_ERROR);
        }
        if (b.status !== 'up') expect(b.message, `${b.id} is ${b.status}: it says why`).toMatch(/\S/);
      }
      // A tick waits for its slowest server, never much past the per-request deadline (the margin
      // is CPU on a busy machine, the hostile servers' own work included: they run in this process).
      expect(tickMs, `tick ${ticks} took`).toBeLessThan(TIMEOUT_MS + 2400);
    }
    monitor.dispose();

    // The guard never had to repair a Snapshot, and no collector threw: every hostile answer
    // was refused or cleaned where it came in.
    expect(errors).toEqual([]);
    const responses = servers.reduce((n, s) => n + s.responses, 0);
    const hostile = servers.reduce((n, s) => n + Object.entries(s.counts).reduce((m, [k, v]) => m + (k === 'fixture' ? 0 : v), 0), 0);
    expect(ticks).toBeGreaterThan(10);
    expect(hostile).toBeGreaterThan(ticks);
    // Some answers got through whole: the fuzz exercises the good path as well as refusals.
    expect(statuses.get('up') ?? 0).toBeGreaterThan(0);
    expect(statuses.get('error') ?? 0).toBeGreaterThan(0);
    expect(predictions, 'ticks where a model carried a memory-model prediction').toBeGreaterThan(0);
    console.log(`fuzz seed ${SEED}: ${ticks} ticks, ${responses} responses (${hostile} hostile), worst tick ${worstTickMs.toFixed(0)} ms, largest Snapshot ${largest} bytes`);
  });
});
