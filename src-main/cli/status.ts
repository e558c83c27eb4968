/** `headroom status [--json]`: one tick with one-shot reads, printed, exit 0. */
import type { Snapshot } from '../../shared/model/snapshot';
import { formatGiB, usedPct } from '../../shared/units/bytes';
import { createGpuSources, probeToSourceStatus } from '../collectors/gpu/gpu-sources';
import { queryNvidiaSmiOnce } from '../collectors/gpu/nvidia-smi.collector';
import { SystemMemorySource } from '../collectors/system/system.collector';
import type { GpuSource } from '../collectors/types';
import { createDemoClock, DemoGpuSource, DemoOllamaCollector } from '../demo/demo-session';
import { BackendDiscovery } from '../monitor/backend-discovery';
import { Monitor } from '../monitor/monitor';
import { createConsoleLogger } from '../util/logger';
import { parseAlertSettings } from '../../shared/alerts/settings';
import { join } from 'node:path';
import { readSettingsReadOnly } from '../settings/settings-store';
import { defaultDataDir } from '../util/data-dir';
import { parseMonitorFlags } from './args';
import { withSavedSettings } from './effective-flags';

export async function runStatus(argv: string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<number> {
  const flags = parseMonitorFlags(argv);
  if (!flags.ok) {
    stderr.write(`headroom status: ${flags.message}\n`);
    return 2;
  }
  const logger = createConsoleLogger('headroom', 'error');
  // The saved settings (servers, thresholds) apply where no flag was given; only read here.
  const saved = readSettingsReadOnly(join(flags.value.dataDir ?? defaultDataDir(), 'settings.json'));
  if (saved.notice) stderr.write(`headroom status: ${saved.notice}\n`);
  const f = withSavedSettings(flags.value, saved.settings);
  const timeoutMs = 5000;
  // One tick: report the state now (a single sample is enough; no forecast without history).
  const parsed = parseAlertSettings({ vram: { warningPct: f.warningPct, criticalPct: f.criticalPct, forSamples: 1 }, backend: { downForSamples: 1 } });
  if (!parsed.ok) {
    stderr.write(`headroom status: ${parsed.error.message}\n`);
    return 2;
  }
  const alertSettings = parsed.value;
  let monitor: Monitor;
  let discovery: BackendDiscovery | null = null;
  let gpuSources: GpuSource[] = [];
  if (f.demo) {
    const clock = createDemoClock(Date.now, 130_000); // a moment past 80 %: status shows the interesting part
    monitor = new Monitor({ gpuSources: [new DemoGpuSource(clock)], systemSource: new SystemMemorySource(), backends: [new DemoOllamaCollector(clock)], intervalMs: 1000, alertSettings, demo: true, logger });
  } else {
    const gpu = await createGpuSources({
      logger,
      paths: f.nvidiaSmiPath ? { 'nvidia-smi': f.nvidiaSmiPath } : undefined,
      // One-shot: no long-running stream for a single reading.
      createNvidiaSource: (path): GpuSource => ({ id: 'nvidia-smi', label: 'NVIDIA (nvidia-smi)', read: () => queryNvidiaSmiOnce(path, timeoutMs), dispose() {} }),
    });
    gpuSources = gpu.sources;
    const probeLines = gpu.probes.filter((p) => !p.isSelected).map(probeToSourceStatus);
    discovery = new BackendDiscovery({ configured: f.backends.map((b) => ({ kind: b.kind ?? null, url: b.url, apiKey: b.apiKey ?? null })), discover: f.discover, timeoutMs: 2000, logger });
    await discovery.start();
    const d = discovery;
    monitor = new Monitor({ gpuSources, systemSource: new SystemMemorySource(), backends: discovery.list(), intervalMs: 1000, alertSettings, demo: false, logger, extraSources: () => [...probeLines, ...d.sourceStatus()] });
  }
  try {
    const snapshot = await monitor.tick(AbortSignal.timeout(timeoutMs * 2));
    stdout.write(f.json ? `${JSON.stringify(snapshot, null, 2)}\n` : formatStatus(snapshot));
    return 0;
  } finally {
    monitor.dispose();
    discovery?.dispose();
    for (const s of gpuSources) s.dispose();
  }
}

export function formatStatus(s: Snapshot): string {
  const lines: string[] = [];
  if (s.demo) lines.push('DEMO MODE (scripted data)');
  for (const g of s.gpus) {
    const pct = usedPct(g.memoryUsedBytes, g.memoryTotalBytes);
    lines.push(`${g.id}  ${g.name}: ${formatGiB(g.memoryUsedBytes)} / ${formatGiB(g.memoryTotalBytes)} used (${pct?.toFixed(1) ?? '?'}%), ${formatGiB(g.memoryFreeBytes)} free`);
  }
  if (s.system) lines.push(`RAM: ${formatGiB(s.system.memoryUsedBytes)} / ${formatGiB(s.system.memoryTotalBytes)} used`);
  for (const b of s.backends) {
    lines.push(`${b.id}: ${b.status}${b.version ? ` (v${b.version})` : ''}${b.message ? ` — ${b.message}` : ''}`);
    for (const m of b.models) lines.push(`  ${m.name}: context ${m.contextLength ?? '?'} tokens, KV cache ${formatGiB(m.kvCacheBytes, 2)}, in VRAM ${formatGiB(m.vramBytes)}`);
  }
  for (const src of s.sources) if (src.status !== 'ok') lines.push(`${src.label ?? src.id}: ${src.status} — ${src.message ?? ''}`);
  for (const a of s.alerts) lines.push(`[${a.severity}] ${a.message}`);
  return `${lines.join('\n')}\n`;
}
