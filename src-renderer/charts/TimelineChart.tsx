import type { Chart, ChartDataset, ChartOptions } from 'chart.js';
import { useEffect, useRef } from 'react';
import type { HistoryPoint } from '../../shared/contract/requests';
import { GiB } from '../../shared/units/bytes';
import { timelineSeries, type XY } from './timeline-data';
import { loadCharts, type ChartClass } from './chart-lib';

/** A point where an alert was raised on this GPU. */
export interface TimelineMarker {
  atMs: number;
  severity: 'warning' | 'critical';
  /** One line for the tooltip ("Critical: VRAM 94% full"). */
  text: string;
}

export interface TimelineProps {
  points: HistoryPoint[];
  totalBytes: number;
  criticalPct: number;
  warningPct: number;
  /** Redraw trigger. */
  version: number;
  label: string;
  /** Shown time span, ms (the x axis always spans at least this much). */
  windowMs?: number;
  markers?: TimelineMarker[];
  /** A dashed projection of the recent trend: two points (bytes), or null for none. */
  projection?: { fromMs: number; fromBytes: number; toMs: number; toBytes: number } | null;
  /** Called once the chart exists and has drawn (it is made a frame after the page's first paint). */
  onReady?: () => void;
}

/** What `apply` needs of a chart: its data and options (a chart, or the config it is made from). */
interface ChartLike {
  data: { datasets: ChartDataset<'line', XY[]>[] };
  options: ChartOptions<'line'>;
  width: number;
}

/** The cost of redraws, for `npm run bench` (two numbers, nothing accumulates). */
function countRedraw(ms: number): void {
  const stats = ((globalThis as { __headroomTimeline?: { count: number; ms: number } }).__headroomTimeline ??= { count: 0, ms: 0 });
  stats.count++;
  stats.ms += ms;
}

/** Datasets before the owner bands: used, critical, warning, trend, alerts. */
const OWNER_BASE = 5;

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

const DAY_MS = 86_400_000;
// Formatters are made once: `toLocaleTimeString(…, options)` builds a new Intl formatter per call,
// and the axis formats its labels on every redraw.
const FORMATS = {
  days: new Intl.DateTimeFormat([], { weekday: 'short', hour: '2-digit', minute: '2-digit' }),
  hours: new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit' }),
  seconds: new Intl.DateTimeFormat([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }),
};
function fmtTime(ms: number, spanMs: number): string {
  return (spanMs > DAY_MS ? FORMATS.days : spanMs > 3_600_000 ? FORMATS.hours : FORMATS.seconds).format(ms);
}

/** Nearest point's used GiB at `atMs` (markers sit on the line); null with no points. */
function usedAt(points: HistoryPoint[], atMs: number): number | null {
  if (points.length === 0) return null;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid]!.atMs < atMs) lo = mid + 1;
    else hi = mid;
  }
  const a = points[Math.max(0, lo - 1)]!;
  const b = points[lo]!;
  const p = Math.abs(a.atMs - atMs) <= Math.abs(b.atMs - atMs) ? a : b;
  return p.memoryUsedBytes / GiB;
}

/**
 * VRAM used over time (GiB): the used line, the critical (e.g. 90 %) and warning lines, markers
 * where alerts were raised and an optional dashed trend projection. Charts take data as props
 * and never fetch.
 */
export function TimelineChart({ points, totalBytes, criticalPct, warningPct, version, label, windowMs = 5 * 60_000, markers = [], projection = null, onReady }: TimelineProps) {
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const chartRef = useRef<Chart<'line', XY[]> | null>(null);
  const spanRef = useRef(windowMs);
  const markersRef = useRef<TimelineMarker[]>([]);
  /** Own bytes of each owner band (datasets from OWNER_BASE on), for tooltips. */
  const ownRef = useRef<(number | null)[][]>([]);
  /** Colours read once per chart (reading CSS on every update forces a style recalculation). */
  const coloursRef = useRef<{ other: string; unattributed: string; owners: string[] }>({ other: '#94a3b8', unattributed: '#cbd5e1', owners: [] });
  /** The latest render's `apply` and `onReady` (the chart is made after the render that asked for it). */
  const applyRef = useRef<(chart: ChartLike, widthPx: number) => void>(() => undefined);
  const onReadyRef = useRef(onReady);
  onReadyRef.current = onReady;
  spanRef.current = windowMs;

  useEffect(() => {
    const canvas = canvasRef.current!;
    let made = false;
    const create = (ChartJs: ChartClass) => {
      if (made) return;
      made = true;
      const text = cssVar('--text-muted', '#666');
      const grid = cssVar('--grid', 'rgba(128,128,128,0.2)');
      const warning = cssVar('--warning', '#d97706');
      const critical = cssVar('--critical', '#dc2626');
      coloursRef.current = {
        other: cssVar('--owner-other', '#94a3b8'),
        unattributed: cssVar('--owner-unattributed', '#cbd5e1'),
        owners: [1, 2, 3, 4].map((i) => cssVar(`--owner-${i}`, '#7c3aed')),
      };
      const datasets: ChartDataset<'line', XY[]>[] = [
        {
          label: 'Used',
          data: [],
          borderColor: cssVar('--accent', '#2563eb'),
          backgroundColor: cssVar('--accent-fill', 'rgba(37,99,235,0.15)'),
          fill: 'origin',
          // A sample with gaps on both sides has no line to sit on: drawn as a dot (radii set per update).
          pointRadius: 0,
          borderWidth: 2,
          tension: 0,
        },
        { label: `${criticalPct}% line`, data: [], borderColor: critical, borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5, fill: false },
        { label: `${warningPct}% line`, data: [], borderColor: warning, borderDash: [2, 4], pointRadius: 0, borderWidth: 1, fill: false },
        { label: 'Trend', data: [], borderColor: text, borderDash: [4, 4], pointRadius: 0, borderWidth: 1.5, fill: false },
        {
          label: 'Alerts',
          data: [],
          showLine: false,
          pointStyle: 'triangle',
          pointRadius: 6,
          pointHoverRadius: 8,
          pointBackgroundColor: (ctx) => (markersRef.current[ctx.dataIndex]?.severity === 'critical' ? critical : warning),
          pointBorderColor: (ctx) => (markersRef.current[ctx.dataIndex]?.severity === 'critical' ? critical : warning),
          borderColor: critical,
          backgroundColor: critical,
          fill: false,
        },
      ];
      const t0 = performance.now();
      const data = { datasets };
      const options: ChartOptions<'line'> = {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: { type: 'linear', ticks: { color: text, maxTicksLimit: 6, callback: (v) => fmtTime(Number(v), spanRef.current) }, grid: { color: grid } },
          y: { min: 0, title: { display: true, text: 'GiB (2³⁰ bytes)', color: text }, ticks: { color: text }, grid: { color: grid } },
        },
        plugins: {
          legend: { display: true, labels: { color: text, boxWidth: 12, filter: (item, data) => (data.datasets[item.datasetIndex ?? 0]?.data.length ?? 0) > 0 } },
          tooltip: {
            callbacks: {
              title: (items) => new Date(Number(items[0]?.parsed.x ?? 0)).toLocaleString(),
              label: (item) =>
                item.datasetIndex === 4
                  ? (markersRef.current[item.dataIndex]?.text ?? 'Alert')
                  : item.datasetIndex >= OWNER_BASE
                    ? `${item.dataset.label}: ${((ownRef.current[item.datasetIndex - OWNER_BASE]?.[item.dataIndex] ?? 0) / GiB).toFixed(2)} GiB`
                    : `${item.dataset.label}: ${Number(item.parsed.y).toFixed(2)} GiB`,
            },
          },
        },
      };
      // Made with its data (a chart made empty and filled after draws twice), from the latest props.
      applyRef.current({ data, options, width: 0 }, canvas.parentElement?.clientWidth || 800);
      chartRef.current = new ChartJs<'line', XY[]>(canvas, { type: 'line', data, options });
      countRedraw(performance.now() - t0);
      onReadyRef.current?.();
    };
    // Its first draw is the costliest part of the dashboard's first paint: the cards paint first,
    // the chart is made once that frame is out (or after 200 ms where no frame comes: a hidden page)
    // and chart.js has loaded (its chunk is fetched then: see chart-lib.ts).
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asked = false;
    const start = () => {
      if (asked) return;
      asked = true;
      loadCharts().then(create, (error: unknown) => console.error((error as Error).message));
    };
    const raf = requestAnimationFrame(() => (timer = setTimeout(start, 0)));
    const fallback = setTimeout(start, 200);
    return () => {
      made = true;
      cancelAnimationFrame(raf);
      clearTimeout(timer);
      clearTimeout(fallback);
      chartRef.current?.destroy();
      chartRef.current = null;
    };
    // The chart is remade only when its threshold lines change; the rest goes through `apply`.
  }, [criticalPct, warningPct]);

  /** Puts the points, lines, markers and bands into the chart's data and axes (no drawing). */
  const apply = (chart: ChartLike, widthPx: number) => {
    const series = timelineSeries(points, windowMs, widthPx);
    const last = points[points.length - 1]?.atMs ?? Date.now();
    const start = last - windowMs;
    const end = Math.max(last, projection?.toMs ?? last);
    const line = (pct: number) => [
      { x: start, y: (totalBytes * pct) / 100 / GiB },
      { x: end, y: (totalBytes * pct) / 100 / GiB },
    ];
    const shown = markers.filter((m) => m.atMs >= start && m.atMs <= last);
    const markerPoints: XY[] = [];
    const markerMeta: TimelineMarker[] = [];
    for (const m of shown) {
      const y = usedAt(points, m.atMs);
      if (y === null) continue;
      markerPoints.push({ x: m.atMs, y });
      markerMeta.push(m);
    }
    markersRef.current = markerMeta;
    const usedSet = chart.data.datasets[0]!;
    usedSet.data = series.used;
    (usedSet as { pointRadius?: number | number[] }).pointRadius = series.radii ?? 0;
    chart.data.datasets[1]!.data = line(criticalPct);
    chart.data.datasets[2]!.data = line(warningPct);
    chart.data.datasets[3]!.data = projection
      ? [
          { x: projection.fromMs, y: projection.fromBytes / GiB },
          { x: projection.toMs, y: projection.toBytes / GiB },
        ]
      : [];
    chart.data.datasets[4]!.data = markerPoints;
    // Stacked by owner where processes were listed: one band per LLM server, other apps, the rest.
    // The band datasets are kept while the owners stay the same (new datasets rebuild Chart.js state).
    const { stack } = series;
    ownRef.current = stack.map((s) => s.own);
    const bands = chart.data.datasets.slice(OWNER_BASE);
    const same = bands.length === stack.length && bands.every((d, i) => d.label === stack[i]!.label);
    if (same) bands.forEach((d, i) => (d.data = stack[i]!.data));
    else {
      chart.data.datasets.length = OWNER_BASE;
      const c = coloursRef.current;
      let llm = 0;
      stack.forEach((s, i) => {
        const colour = s.label === 'Other apps' ? c.other : s.label.startsWith('Driver') ? c.unattributed : (c.owners[llm++ % 4] ?? '#7c3aed');
        chart.data.datasets.push({ label: s.label, data: s.data, borderColor: colour, backgroundColor: /^#[0-9a-f]{6}$/i.test(colour) ? `${colour}aa` : colour, fill: i === 0 ? 'origin' : '-1', pointRadius: 0, borderWidth: 0, tension: 0, order: 10 });
      });
    }
    usedSet.fill = stack.length ? false : 'origin';
    chart.options.scales!.y!.max = Math.ceil(totalBytes / GiB);
    const xScale = chart.options.scales!.x!;
    xScale.min = start;
    xScale.max = end;
  };

  applyRef.current = apply;

  useEffect(() => {
    const chart = chartRef.current;
    // Not made yet: it will be, with the latest props.
    if (!chart) return;
    const t0 = performance.now();
    apply(chart, chart.width || 800);
    chart.update('none');
    countRedraw(performance.now() - t0);
  }, [points, totalBytes, criticalPct, warningPct, version, windowMs, markers, projection]);

  return (
    <div className="chart-box">
      <canvas ref={canvasRef} role="img" aria-label={label} />
    </div>
  );
}
