/**
 * The walking skeleton's threshold check: warning at ≥ warningPct and critical at ≥ criticalPct
 * of any GPU's memory. Keeps `sinceMs` stable while an alert stays active.
 * (The full rule engine with hysteresis and forecasts lives in shared/alerts.)
 */
import type { Alert, GpuReading } from '../../shared/model/snapshot';
import { formatGiB, headroomBytes, usedPct } from '../../shared/units/bytes';

export interface Thresholds {
  warningPct: number;
  criticalPct: number;
}

export function thresholdAlerts(gpus: GpuReading[], thresholds: Thresholds, previous: Alert[], nowMs: number, exempt: ReadonlySet<string> = new Set()): Alert[] {
  const out: Alert[] = [];
  for (const gpu of gpus) {
    if (exempt.has(gpu.id)) continue;
    const pct = usedPct(gpu.memoryUsedBytes, gpu.memoryTotalBytes);
    if (pct === null) continue;
    const severity = pct >= thresholds.criticalPct ? 'critical' : pct >= thresholds.warningPct ? 'warning' : null;
    if (!severity) continue;
    const id = `threshold:${gpu.id}:${severity}`;
    const prev = previous.find((a) => a.id === id);
    const limit = severity === 'critical' ? thresholds.criticalPct : thresholds.warningPct;
    out.push({
      id,
      severity,
      kind: 'threshold',
      sourceId: gpu.id,
      sinceMs: prev?.sinceMs ?? nowMs,
      message:
        `${gpu.name} (${gpu.id}) is at ${pct.toFixed(1)}% of its memory (≥ ${limit}%): ${formatGiB(headroomBytes(gpu.memoryTotalBytes, gpu.memoryUsedBytes))} free. ` +
        'Unload an idle model, lower the context length, or use a quantized KV cache (q8_0).',
    });
  }
  return out;
}
