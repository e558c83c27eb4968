/**
 * The monitor tick measured INSIDE the process (`process.cpuUsage` around 300 back-to-back
 * ticks against the fakes). Kept for comparison with earlier runs, labelled as such: it hides
 * the cost of waking up once a second, the HTTP server, history and GC between ticks. The
 * figures that count are the out-of-process ones (bench/serve-cost.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAlertSettings } from '../shared/alerts/settings';
import { createBackendCollector } from '../src-main/collectors/backends/create-backend-collector';
import { OllamaCollector } from '../src-main/collectors/backends/ollama/ollama.collector';
import { NvidiaSmiStream } from '../src-main/collectors/gpu/nvidia-smi.collector';
import { PredictionService } from '../src-main/models/predictions';
import { Monitor } from '../src-main/monitor/monitor';
import { silentLogger } from '../src-main/util/logger';
import { fakeGpuSetup, fakeSmi, line, startFakeBackends, type FakeUrls } from './serve-harness';

async function tickCost(urls: FakeUrls, all: boolean): Promise<string[]> {
  const stream = new NvidiaSmiStream({ path: fakeSmi, intervalMs: 1000, logger: silentLogger });
  const backends = all
    ? (['ollama', 'vllm', 'llamacpp', 'lmstudio'] as const).map((k) => createBackendCollector(k, { url: urls[k], timeoutMs: 2000, logger: silentLogger }))
    : [new OllamaCollector({ url: urls.ollama, timeoutMs: 2000, logger: silentLogger })];
  const monitor = new Monitor({ gpuSources: [stream], systemSource: null, backends, intervalMs: 1000, alertSettings: defaultAlertSettings(), demo: false, logger: silentLogger, predictions: new PredictionService(silentLogger) });
  for (let i = 0; i < 20; i++) await monitor.tick(AbortSignal.timeout(5000)); // warm-up (JIT, /api/show cache)
  const n = 300;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await monitor.tick(AbortSignal.timeout(5000));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const perTickMs = (cpu.user + cpu.system) / 1000 / n;
  monitor.dispose();
  stream.dispose();
  backends.forEach((b) => b.dispose());
  const target = all ? 3 : 2;
  return [
    line(all ? '  in-process tick, 1 GPU + 4 servers' : '  in-process tick, 1 GPU + Ollama', `${perTickMs.toFixed(3)} ms`, `≤ ${target} ms (in-process)`, perTickMs <= target),
    line('    (wall time per tick, incl. HTTP round trips)', `${(wallMs / n).toFixed(3)} ms`, 'report'),
  ];
}

export async function benchTickInProcess(): Promise<{ lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-tick-'));
  const { state } = fakeGpuSetup(dir, 1);
  const saved = process.env.FAKE_NVIDIA_SMI_STATE;
  process.env.FAKE_NVIDIA_SMI_STATE = state;
  const fakes = await startFakeBackends(1);
  try {
    return { lines: ['monitor tick measured in-process (process.cpuUsage; hides wake-ups, HTTP server, history, GC: see the out-of-process figures)', ...(await tickCost(fakes.urls, false)), ...(await tickCost(fakes.urls, true))] };
  } finally {
    fakes.child.kill('SIGTERM');
    if (saved === undefined) delete process.env.FAKE_NVIDIA_SMI_STATE;
    else process.env.FAKE_NVIDIA_SMI_STATE = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}
