import type { Chart, ChartDataset, ScriptableContext } from 'chart.js';
import { useEffect, useMemo, useRef } from 'react';
import { GiB } from '../../shared/units/bytes';
import { bytesAtContext, densify, isModelMaximum, shortTokens, type ChartPoint } from './headroom-chart-data';
import { labelPlugin, type CanvasLabel } from './headroom-labels';
import { useChartLib } from './chart-lib';
import { useColorScheme } from '../hooks/useColorScheme';

export { bytesAtContext, densify, isModelMaximum, shortTokens, type ChartPoint } from './headroom-chart-data';

/** One predicted VRAM-vs-context curve (a Snapshot prediction curve or a planner curve). */
export interface HeadroomCurve {
  cacheType: string;
  points: readonly { contextTokens: number; totalBytes: number }[];
  /** Largest context (tokens) whose total stays under the threshold; null when none does. */
  largestContextTokens: number | null;
}

export interface HeadroomChartProps {
  curves: readonly HeadroomCurve[];
  gpuTotalBytes: number;
  thresholdBytes: number;
  /** Memory other apps hold on the GPU now (drawn as a band under the GPU total); null when unknown. */
  otherAppsBytes?: number | null;
  /** The model as it runs now: a point on the chart. */
  current?: { contextTokens: number; bytes: number; label: string } | null;
  /** The model's trained maximum context (tokens), so a marker there reads "max". */
  maxContextTokens?: number | null;
  /** The summary screen readers hear (the canvas is role="img"). */
  label: string;
  heightPx?: number;
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

interface Palette {
  text: string;
  muted: string;
  grid: string;
  total: string;
  threshold: string;
  otherFill: string;
  card: string;
  kv: Record<string, string>;
}

function readPalette(): Palette {
  return {
    text: cssVar('--text', '#16181d'),
    muted: cssVar('--text-muted', '#666'),
    grid: cssVar('--grid', 'rgba(128,128,128,0.2)'),
    total: cssVar('--text', '#16181d'),
    threshold: cssVar('--critical', '#dc2626'),
    otherFill: cssVar('--hr-other-fill', 'rgba(120,120,120,0.25)'),
    card: cssVar('--card', '#fff'),
    kv: { f16: cssVar('--hr-kv-f16', '#2563eb'), q8_0: cssVar('--hr-kv-q8', '#7c3aed'), q4_0: cssVar('--hr-kv-q4', '#15803d') },
  };
}

const fmtGiB = (bytes: number) => `${(bytes / GiB).toFixed(2)} GiB`;
const fmtTokens = (tokens: number) => `${Math.round(tokens).toLocaleString('en-US')} tokens`;

interface Built {
  datasets: ChartDataset<'line', ChartPoint[]>[];
  labels: CanvasLabel[];
  xMin: number;
  xMax: number;
  yMax: number;
}

/** Everything the chart draws, from props and colours (pure apart from the palette). */
function build(p: HeadroomChartProps, c: Palette): Built {
  const ctxs = p.curves.flatMap((cv) => cv.points.map((pt) => pt.contextTokens)).filter((t) => t > 0);
  if (p.current && p.current.contextTokens > 0) ctxs.push(p.current.contextTokens);
  const xMin = Math.floor(Math.log2(Math.min(...(ctxs.length ? ctxs : [2048]))));
  const xMax = Math.ceil(Math.log2(Math.max(...(ctxs.length ? ctxs : [131072]))));
  const flat = (bytes: number): ChartPoint[] => [
    { x: xMin, y: bytes / GiB, tokens: 2 ** xMin, bytes, exact: false },
    { x: xMax, y: bytes / GiB, tokens: 2 ** xMax, bytes, exact: false },
  ];
  const noHit = { pointRadius: 0, pointHitRadius: 0, pointHoverRadius: 0 };
  const datasets: ChartDataset<'line', ChartPoint[]>[] = [];
  const labels: CanvasLabel[] = [];

  datasets.push({ label: `GPU total (${fmtGiB(p.gpuTotalBytes)})`, data: flat(p.gpuTotalBytes), borderColor: c.total, borderWidth: 1.5, fill: false, ...noHit });
  labels.push({ kind: 'line-above', x: xMin, y: p.gpuTotalBytes / GiB, text: `GPU total ${fmtGiB(p.gpuTotalBytes)}`, color: c.muted });
  const other = p.otherAppsBytes ?? 0;
  if (p.otherAppsBytes != null && other > 0) {
    datasets.push({
      label: `Other apps now (${fmtGiB(other)})`,
      data: flat(Math.max(0, p.gpuTotalBytes - other)),
      borderColor: c.otherFill,
      backgroundColor: c.otherFill,
      borderWidth: 0,
      fill: '-1',
      ...noHit,
    });
  }
  const pct = p.gpuTotalBytes > 0 ? Math.round((p.thresholdBytes / p.gpuTotalBytes) * 100) : 90;
  datasets.push({ label: `${pct}% threshold (${fmtGiB(p.thresholdBytes)})`, data: flat(p.thresholdBytes), borderColor: c.threshold, borderDash: [6, 4], borderWidth: 1.5, fill: false, ...noHit });
  labels.push({ kind: 'line-below', x: xMin, y: p.thresholdBytes / GiB, text: `${pct}% threshold ${fmtGiB(p.thresholdBytes)}`, color: c.threshold });

  const exactRadius = (r: number) => (ctx: ScriptableContext<'line'>) => ((ctx.raw as ChartPoint | undefined)?.exact ? r : 0);
  for (const curve of p.curves) {
    if (curve.points.length === 0) continue;
    const color = c.kv[curve.cacheType] ?? c.muted;
    datasets.push({
      label: `${curve.cacheType} KV`,
      data: densify(curve.points),
      borderColor: color,
      backgroundColor: color,
      borderWidth: 2,
      fill: false,
      tension: 0,
      pointRadius: exactRadius(2.5),
      pointHoverRadius: exactRadius(5),
      pointHitRadius: exactRadius(8),
    });
  }
  // Largest context under the threshold per KV type: a marker on its curve, labelled. Types that
  // share a figure (typically all of them at the model's maximum) share one label.
  const markers: ChartPoint[] = [];
  const markerColors: string[] = [];
  const groups = new Map<number, { types: string[]; y: number }>();
  for (const curve of p.curves) {
    if (curve.largestContextTokens === null || curve.points.length === 0) continue;
    const bytes = bytesAtContext(curve.points, curve.largestContextTokens);
    if (bytes === null) continue;
    const pt: ChartPoint = { x: Math.log2(curve.largestContextTokens), y: bytes / GiB, tokens: curve.largestContextTokens, bytes, exact: true };
    markers.push(pt);
    markerColors.push(c.kv[curve.cacheType] ?? c.muted);
    const g = groups.get(curve.largestContextTokens) ?? { types: [], y: 0 };
    g.types.push(curve.cacheType);
    g.y = Math.max(g.y, pt.y);
    groups.set(curve.largestContextTokens, g);
  }
  for (const [tokens, g] of groups) {
    const max = isModelMaximum(tokens, p.maxContextTokens);
    const color = g.types.length === 1 ? (c.kv[g.types[0]!] ?? c.text) : c.text;
    labels.push({ kind: 'point', x: Math.log2(tokens), y: g.y, text: `${g.types.join(', ')}: ${shortTokens(tokens)}${max ? ' (max)' : ''}`, color });
  }
  if (markers.length) {
    datasets.push({
      label: `Largest context under ${pct}%`,
      data: markers,
      borderColor: c.card,
      backgroundColor: markerColors,
      pointBackgroundColor: markerColors,
      pointStyle: 'rectRot',
      pointRadius: 6,
      pointHoverRadius: 8,
      pointHitRadius: 10,
      borderWidth: 1.5,
      showLine: false,
    });
  }
  if (p.current && p.current.contextTokens > 0) {
    datasets.push({
      label: p.current.label,
      data: [{ x: Math.log2(p.current.contextTokens), y: p.current.bytes / GiB, tokens: p.current.contextTokens, bytes: p.current.bytes, exact: true }],
      borderColor: c.text,
      backgroundColor: c.card,
      pointStyle: 'circle',
      pointRadius: 6,
      pointHoverRadius: 8,
      pointHitRadius: 10,
      borderWidth: 3,
      showLine: false,
    });
  }
  // Room above the total line for its caption; chart.js rounds up to a tidy tick.
  const yMax = (p.gpuTotalBytes / GiB) * 1.08;
  return { datasets, labels, xMin, xMax, yMax };
}

/**
 * The headroom chart: predicted VRAM (GiB, y) against context length (tokens, log2 x) per KV
 * cache type, with the GPU total, the threshold, other apps' usage as a band under the total,
 * the current allocation and the largest context under the threshold per KV type.
 * Takes data as props and never fetches.
 */
export function HeadroomChart(props: HeadroomChartProps) {
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const chartRef = useRef<Chart<'line', ChartPoint[]> | null>(null);
  const labelsRef = useRef<CanvasLabel[]>([]);
  const scheme = useColorScheme();
  const { label, heightPx = 260, ...data } = props;
  // Snapshots arrive every tick; only redraw when what is drawn changed.
  const signature = JSON.stringify(data);
  // Made once chart.js has loaded (see chart-lib.ts); the data effect below then fills it.
  const ChartJs = useChartLib();

  useEffect(() => {
    if (!ChartJs) return;
    const palette = readPalette();
    chartRef.current = new ChartJs<'line', ChartPoint[]>(canvasRef.current!, {
      type: 'line',
      data: { datasets: [] },
      plugins: [labelPlugin(labelsRef, palette.card)],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        interaction: { mode: 'nearest', intersect: true },
        layout: { padding: { top: 4, right: 8 } },
        scales: {
          x: {
            type: 'linear',
            title: { display: true, text: 'Context length (tokens, log scale)', color: palette.muted },
            ticks: { color: palette.muted, stepSize: 1, callback: (v) => (Number.isInteger(Number(v)) ? shortTokens(2 ** Number(v)) : '') },
            grid: { color: palette.grid },
          },
          y: { min: 0, title: { display: true, text: 'VRAM (GiB)', color: palette.muted }, ticks: { color: palette.muted }, grid: { color: palette.grid } },
        },
        plugins: {
          legend: {
            display: true,
            position: 'bottom',
            labels: { color: palette.text, boxWidth: 10, boxHeight: 8, padding: 8, font: { size: 11 }, usePointStyle: false, filter: (item) => !String(item.text).startsWith('Largest') },
          },
          tooltip: {
            callbacks: {
              title: (items) => {
                const raw = items[0]?.raw as ChartPoint | undefined;
                return raw ? fmtTokens(raw.tokens) : '';
              },
              label: (item) => {
                const raw = item.raw as ChartPoint;
                const name = item.dataset.label ?? '';
                if (name.startsWith('Largest')) return `Largest context under the threshold: ${fmtTokens(raw.tokens)}, ${fmtGiB(raw.bytes)} (${raw.bytes.toLocaleString('en-US')} bytes)`;
                return `${name}: ${fmtGiB(raw.bytes)} (${Math.round(raw.bytes).toLocaleString('en-US')} bytes)`;
              },
            },
          },
        },
      },
    });
    return () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    };
  }, [scheme, ChartJs]);

  const parsed = useMemo(() => JSON.parse(signature) as Omit<HeadroomChartProps, 'label'>, [signature]);
  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const built = build({ ...parsed, label: '' }, readPalette());
    labelsRef.current = built.labels;
    chart.data.datasets = built.datasets;
    const x = chart.options.scales!.x!;
    x.min = built.xMin;
    x.max = built.xMax;
    chart.options.scales!.y!.suggestedMax = built.yMax;
    chart.update('none');
  }, [parsed, scheme, ChartJs]);

  return (
    <div className="chart-box headroom-chart" style={{ height: heightPx }}>
      <canvas ref={canvasRef} role="img" aria-label={label} />
    </div>
  );
}
