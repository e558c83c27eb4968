import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GiB } from '../../shared/units/bytes';
import { startFakeOllamaProbe, type FakeOllamaProbe } from '../../e2e/fakes/backends/ollama-probe';
import { silentLogger } from '../util/logger';
import { GpuWatchHub } from './gpu-watch';
import { ProbeService } from './service';
import { ProbeStore } from './store';

let fake: FakeOllamaProbe | null = null;
let dir: string | null = null;
let ticker: NodeJS.Timeout | null = null;
afterEach(async () => {
  if (ticker) clearInterval(ticker);
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  fake = null;
  dir = null;
});

async function setup(stepDelayMs = 0) {
  let used = 0;
  fake = await startFakeOllamaProbe({ stepDelayMs, gpuTotalBytes: 48 * GiB }, (b) => (used = b));
  const hub = new GpuWatchHub();
  const push = () => hub.push([{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'Fake', uuid: null, memoryTotalBytes: 48 * GiB, memoryUsedBytes: used, memoryFreeBytes: 48 * GiB - used, utilizationPct: null, temperatureC: null, powerWatts: null }]);
  push();
  ticker = setInterval(push, 10);
  dir = mkdtempSync(join(tmpdir(), 'headroom-probe-svc-'));
  const store = new ProbeStore(dir, silentLogger);
  const service = new ProbeService({ store, gpu: hub, logger: silentLogger, defaultKvType: 'f16', identify: async () => 'ollama', settleMs: 500 });
  return { service, store };
}

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('ProbeService', () => {
  it('runs one probe at a time, saves it, lists it, exports it', async () => {
    const { service, store } = await setup(20);
    const started = await service.start({ backendUrl: fake!.url, model: 'qwen2.5-coder:14b', fromTokens: 4096, toTokens: 16384 });
    expect(started.ok && started.value.status).toBe('running');
    const id = started.ok ? started.value.id : '';
    const second = await service.start({ backendUrl: fake!.url, model: 'qwen2.5-coder:14b' });
    expect(second).toEqual({ ok: false, error: { code: 'unavailable', message: 'A probe is already running (qwen2.5-coder:14b); cancel it or wait for it to finish.' } });
    expect(service.cancel('other')).toEqual({ ok: false, error: { code: 'bad-request', message: 'id: no running probe other.' } });
    await until(async () => (await store.list()).length === 1);
    const list = await service.list();
    expect(list).toEqual([expect.objectContaining({ id, status: 'done', stepCount: 3, largestUsableContextTokens: 16384 })]);
    // A fresh service (restart) reads it back from the data folder.
    const again = new ProbeService({ store, gpu: null, logger: silentLogger, defaultKvType: 'f16', identify: async () => null });
    const got = await again.get(id);
    expect(got.ok && got.value.steps.map((s) => s.contextTokens)).toEqual([4096, 8192, 16384]);
    const csv = await again.export(id, 'csv');
    expect(csv.ok && csv.value.text.trim().split('\n')).toHaveLength(4);
    expect(csv.ok && csv.value.fileName).toBe(`headroom-probe-${id}.csv`);
    const json = await again.export(id, 'json');
    expect(json.ok && (JSON.parse(json.value.text) as { id: string }).id).toBe(id);
    expect(await again.get('nope')).toEqual({ ok: false, error: { code: 'bad-request', message: 'id: no probe nope.' } });
  });

  it('an address where no known server answers gives a sentence', async () => {
    const { store } = await setup();
    const service = new ProbeService({ store, gpu: null, logger: silentLogger, defaultKvType: 'f16', identify: async () => null });
    expect(await service.start({ backendUrl: 'http://127.0.0.1:9', model: 'm' })).toEqual({
      ok: false,
      error: { code: 'bad-request', message: 'backendUrl: no known LLM server answers at http://127.0.0.1:9. Is it running, and is the port right?' },
    });
  });

  it('dispose cancels a running probe and waits until the server is restored', async () => {
    const { service } = await setup(100);
    await service.start({ backendUrl: fake!.url, model: 'qwen2.5-coder:14b', fromTokens: 8192 });
    await until(async () => fake!.loaded()[0]?.contextLength === 8192);
    await service.dispose();
    expect(fake!.loaded()).toEqual([{ model: 'qwen2.5-coder:14b', contextLength: 4096 }]);
    const [run] = await service.list();
    expect(run?.status).toBe('cancelled');
  });
});
