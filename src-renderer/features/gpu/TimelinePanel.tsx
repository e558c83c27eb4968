import { memo, useCallback, useMemo, useRef, useState } from 'react';
import type { HistoryPoint } from '../../../shared/contract/requests';
import type { Alert, GpuReading, Snapshot } from '../../../shared/model/snapshot';
import { TimelineChart, type TimelineMarker } from '../../charts/TimelineChart';
import { useAlertLog } from '../../hooks/useAlertLog';
import { LONGEST_RANGE_MS, TIMELINE_RANGES, useRangeHistory, type TimelineRangeId } from '../../hooks/useHistory';
import { useClient } from '../../transport/ClientProvider';
import { downloadBlob, downloadText } from './download';
import { EXPORT_PATH, EXPORT_STATUS_PATH, type ExportStatus } from '../../../shared/history/export-path';
import { projectTrend } from './trend';

export interface TimelinePanelProps {
  gpu: GpuReading;
  /** Live points for this GPU (useLiveSnapshot's window). */
  live: HistoryPoint[];
  version: number;
  warningPct: number;
  criticalPct: number;
  /** The Snapshot's time (re-reads the alert log), its active alerts and its history state. */
  atMs?: number;
  alerts?: readonly Alert[];
  historyState?: Snapshot['history'];
}

const NO_ALERTS: readonly Alert[] = [];

const FORECAST_HORIZON_MS = 15 * 60_000;

/** The GPU card's timeline: range control, chart (alert markers, trend projection), CSV/JSON export. */
export function TimelinePanel({ gpu, live, version, warningPct, criticalPct, atMs, alerts = NO_ALERTS, historyState }: TimelinePanelProps) {
  const client = useClient();
  const [rangeId, setRangeId] = useState<TimelineRangeId>('5m');
  const [exportMsg, setExportMsg] = useState<string>('');
  const [exporting, setExporting] = useState(false);
  // The chart is made a frame after the first paint: until it has drawn, the timeline is still loading.
  const [chartReady, setChartReady] = useState(false);
  const onChartReady = useCallback(() => setChartReady(true), []);
  const range = TIMELINE_RANGES.find((r) => r.id === rangeId) ?? TIMELINE_RANGES[0];
  // Redraw the chart at most once per pixel's worth of time (range / 1000) and at most once a
  // second: a 24 h chart gains nothing from a redraw every second, a 5-minute one moves 4 px a
  // second, and each redraw costs milliseconds. The gauge and figures above update every tick;
  // the points (and the trend fitted to them) are recomputed only when the chart would redraw.
  const stepMs = Math.max(1000, range.ms / 1000);
  const liveTick = Math.floor((live[live.length - 1]?.atMs ?? 0) / stepMs);
  // The longest range is asked for before it is chosen (at the page's start, else as the panel
  // mounts), so choosing it draws at once (range-prefetch.ts).
  const { points, loading, error } = useRangeHistory(gpu.id, range.ms, live, liveTick, undefined, LONGEST_RANGE_MS);
  const log = useAlertLog(atMs ?? version, { limit: 200, minIntervalMs: 5000 });
  const gpuAlerts = useMemo(() => alerts.filter((a) => a.sourceId === gpu.id), [alerts, gpu.id]);

  const markers = useMemo<TimelineMarker[]>(() => {
    const seen = new Set<string>();
    const out: TimelineMarker[] = [];
    const add = (id: string, atMs: number, severity: 'warning' | 'critical', message: string) => {
      const k = `${id}@${atMs}`;
      if (seen.has(k)) return;
      seen.add(k);
      out.push({ atMs, severity, text: `${severity === 'critical' ? 'Critical' : 'Warning'}: ${message}` });
    };
    for (const t of log) if (t.type === 'raised' && t.alert.sourceId === gpu.id) add(t.alert.id, t.alert.sinceMs, t.alert.severity, t.alert.message);
    for (const a of gpuAlerts) add(a.id, a.sinceMs, a.severity, a.message);
    return out.sort((a, b) => a.atMs - b.atMs);
  }, [log, gpuAlerts, gpu.id]);

  const forecastActive = gpuAlerts.some((a) => a.kind === 'forecast');
  const projection = useMemo(
    () => projectTrend(points, { fitMs: Math.min(range.ms, 5 * 60_000), horizonMs: Math.min(FORECAST_HORIZON_MS, range.ms / 4), totalBytes: gpu.memoryTotalBytes, force: forecastActive }),
    [points, range.ms, gpu.memoryTotalBytes, forecastActive],
  );

  const drawTick = Math.floor((points[points.length - 1]?.atMs ?? 0) / stepMs);
  const fresh = useMemo(
    () => ({ points, markers, projection, windowMs: range.ms, version: drawTick }),
    [drawTick, rangeId, loading, markers.length, projection === null, forecastActive, gpu.memoryTotalBytes, criticalPct, warningPct],
  );
  // While a range's history is on its way the chart keeps what it shows (no empty redraw between).
  const shownRef = useRef(fresh);
  if (!loading) shownRef.current = fresh;
  const drawn = shownRef.current;

  const exportAs = async (format: 'csv' | 'json') => {
    setExporting(true);
    setExportMsg(`Preparing the ${format.toUpperCase()} file…`);
    const sinceMs = Math.max(0, Date.now() - range.ms);
    const saved = (fileName: string, skipped: number) =>
      setExportMsg(`Saved ${fileName}${skipped ? ` (${skipped} damaged line${skipped === 1 ? '' : 's'} skipped)` : ''}.`);
    try {
      // In a browser the server streams the file (GET /api/export); Electron asks over IPC.
      if (!(window as { headroom?: unknown }).headroom) {
        const id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
        const res = await fetch(`${EXPORT_PATH}?sinceMs=${sinceMs}&format=${format}&id=${id}`, { credentials: 'same-origin' });
        if (!res.ok) {
          const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
          setExportMsg(`Export failed: ${body?.error?.message ?? `the server answered ${res.status}`}`);
          return;
        }
        const fileName = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `headroom-history.${format}`;
        downloadBlob(fileName, await res.blob());
        const st = (await (await fetch(`${EXPORT_STATUS_PATH}?id=${id}`, { credentials: 'same-origin' })).json().catch(() => null)) as { ok?: boolean; value?: ExportStatus } | null;
        saved(fileName, st?.value?.skippedLines ?? 0);
        return;
      }
      const r = await client.call('exportHistory', { sinceMs, format });
      if (!r.ok) {
        setExportMsg(`Export failed: ${r.error.message}`);
        return;
      }
      downloadText(r.value.fileName, r.value.mimeType, r.value.text);
      saved(r.value.fileName, r.value.skippedLines);
    } catch (error) {
      setExportMsg(`Export failed: ${(error as Error).message}`);
    } finally {
      setExporting(false);
    }
  };

  // The toolbar keeps its callbacks across live updates (it re-renders only when its state changes).
  const exportRef = useRef(exportAs);
  exportRef.current = exportAs;
  const onExport = useCallback((format: 'csv' | 'json') => void exportRef.current(format), []);
  const stacked = useMemo(() => drawn.points.some((p) => p.owners), [drawn.points]);

  return (
    <div className="timeline" data-testid="timeline" data-range={rangeId} data-loading={loading || !chartReady ? 'true' : 'false'}>
      <TimelineToolbar gpuId={gpu.id} gpuName={gpu.name} rangeId={rangeId} rangeLabel={range.label} onRange={setRangeId} exporting={exporting} onExport={onExport} />
      {historyState?.state === 'paused' && (
        <p className="small history-paused" role="status" data-testid="history-paused">
          {historyState.message}
        </p>
      )}
      <MemoTimelineChart
        points={drawn.points}
        totalBytes={gpu.memoryTotalBytes}
        criticalPct={criticalPct}
        warningPct={warningPct}
        version={drawn.version}
        windowMs={drawn.windowMs}
        markers={drawn.markers}
        projection={drawn.projection}
        onReady={onChartReady}
        label={`VRAM used on ${gpu.name} over the last ${range.label}, with the ${warningPct}% and ${criticalPct}% lines${markers.length ? ` and ${markers.length} alert marker${markers.length === 1 ? '' : 's'}` : ''}${projection ? ', and the projected trend' : ''}${stacked ? ', stacked by who holds the memory' : ''}`}
      />
      <p className="muted small timeline-status" role="status" data-testid="timeline-status">
        {error ? `History unavailable: ${error}` : loading ? 'Loading history…' : exportMsg}
      </p>
    </div>
  );
}

const MemoTimelineChart = memo(TimelineChart);

interface ToolbarProps {
  gpuId: string;
  gpuName: string;
  rangeId: TimelineRangeId;
  rangeLabel: string;
  onRange: (id: TimelineRangeId) => void;
  exporting: boolean;
  onExport: (format: 'csv' | 'json') => void;
}

/** Range control and export buttons. */
const TimelineToolbar = memo(function TimelineToolbar({ gpuId, gpuName, rangeId, rangeLabel, onRange, exporting, onExport }: ToolbarProps) {
  const groupName = `range-${gpuId}`;
  return (
    <div className="timeline-toolbar">
      <fieldset className="segmented">
        <legend className="sr-only">Timeline range for {gpuName}</legend>
        {TIMELINE_RANGES.map((r) => (
          <label key={r.id} className={`segment${r.id === rangeId ? ' segment-on' : ''}`}>
            <input type="radio" name={groupName} value={r.id} checked={r.id === rangeId} onChange={() => onRange(r.id)} />
            <span>{r.label}</span>
          </label>
        ))}
      </fieldset>
      <div className="timeline-export">
        <button type="button" className="btn btn-small" disabled={exporting} onClick={() => onExport('csv')} aria-label={`Export ${rangeLabel} of history as CSV`}>
          CSV
        </button>
        <button type="button" className="btn btn-small" disabled={exporting} onClick={() => onExport('json')} aria-label={`Export ${rangeLabel} of history as JSON`}>
          JSON
        </button>
      </div>
    </div>
  );
});
