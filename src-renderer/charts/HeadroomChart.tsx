import type { Chart, ChartDataset, Plugin, ScriptableContext } from 'chart.js';
import { useEffect, useMemo, useRef, useState } from 'react';
import { GiB } from '../../shared/units/bytes';
import { registerCharts } from './register-chart';

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

/** "2k", "27.5k", "128k", "1M": short context labels for axes and chart labels. */
export function shortTokens(tokens: number): string {
  if (tokens >= 1024 * 1024 && tokens % (1024 * 1024) === 0) return `${tokens / (1024 * 1024)}M`;
  if (tokens >= 1024) {
    const k = tokens / 1024;
    return `${Number.isInteger(k) ? k : k.toFixed(1)}k`;
  }
  return String(tokens);
}

/** Total bytes at `contextTokens`, linear between the curve's points (KV grows linearly with context). */
export function bytesAtContext(points: HeadroomCurve['points'], contextTokens: number): number | null {
  if (points.length === 0) return null;
  const first = points[0]!;
  if (contextTokens <= first.contextTokens) return first.totalBytes;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (contextTokens <= b.contextTokens) {
      const t = (contextTokens - a.contextTokens) / (b.contextTokens - a.contextTokens || 1);
      return a.totalBytes + t * (b.totalBytes - a.totalBytes);
    }
  }
  return points[points.length - 1]!.totalBytes;
}

/** A chart point; x is log2(tokens) so that 2k…128k spread evenly. `exact` points get tooltips. */
export interface ChartPoint {
  x: number;
  y: number;
  tokens: number;
  bytes: number;
  exact: boolean;
}

/**
 * The curve's points plus interpolated ones between them: on a log-x axis a curve that is
 * linear in tokens bends, and straight segments between powers of two would misplace it.
 */
export function densify(points: HeadroomCurve['points'], stepsPerSegment = 8): ChartPoint[] {
  const out: ChartPoint[] = [];
  points.forEach((p, i) => {
    if (p.contextTokens <= 0) return;
    const prev = points[i - 1];
    if (prev && prev.contextTokens > 0) {
      for (let s = 1; s < stepsPerSegment; s++) {
        const tokens = prev.contextTokens * Math.pow(p.contextTokens / prev.contextTokens, s / stepsPerSegment);
        const bytes = bytesAtContext([prev, p], tokens)!;
        out.push({ x: Math.log2(tokens), y: bytes / GiB, tokens, bytes, exact: false });
      }
    }
    out.push({ x: Math.log2(p.contextTokens), y: p.totalBytes / GiB, tokens: p.contextTokens, bytes: p.totalBytes, exact: true });
  });
  return out;
}

/** Whether `largest` is the model's maximum (the search stops at the maximum, rounded down to 256-token cells). */
export function isModelMaximum(largest: number | null, maxContextTokens: number | null | undefined): boolean {
  if (largest === null || !maxContextTokens) return false;
  return largest >= Math.floor(maxContextTokens / 256) * 256;
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

/** Text drawn on the canvas next to a point (markers) or above a line (total, threshold). */
interface CanvasLabel {
  kind: 'point' | 'line-above' | 'line-below';
  x: number;
  y: number;
  text: string;
  color: string;
}

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

/** The y pixel of a polyline at x pixel, or null outside it. */
function pixelYAt(line: readonly { x: number; y: number }[], x: number): number | null {
  for (let i = 1; i < line.length; i++) {
    const a = line[i - 1]!;
    const b = line[i]!;
    if (x >= Math.min(a.x, b.x) && x <= Math.max(a.x, b.x)) return b.x === a.x ? a.y : a.y + ((x - a.x) / (b.x - a.x)) * (b.y - a.y);
  }
  return null;
}

/** Draws the labels: markers' text beside the point where it crosses no line, line captions at the left edge. */
function labelPlugin(labelsRef: { current: CanvasLabel[] }, haloColor: string): Plugin<'line'> {
  return {
    id: 'headroomLabels',
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const xs = scales.x!;
      const ys = scales.y!;
      ctx.save();
      ctx.font = '600 11px system-ui, sans-serif';
      ctx.textBaseline = 'middle';
      ctx.lineJoin = 'round';
      // A halo in the card colour keeps labels readable where they cross a curve or a grid line.
      const halo = (text: string, x: number, y: number) => {
        ctx.strokeStyle = haloColor;
        ctx.lineWidth = 3;
        ctx.strokeText(text, x, y);
        ctx.fillText(text, x, y);
      };
      // Every drawn line in pixels, so a label can go where it crosses none of them.
      const lines = chart.data.datasets
        .filter((d) => d.showLine !== false)
        .map((d) => (d.data as ChartPoint[]).map((pt) => ({ x: xs.getPixelForValue(pt.x), y: ys.getPixelForValue(pt.y) })));
      const placed: { x0: number; x1: number; y: number }[] = [];
      // Line captions first, at the left edge; marker labels then keep clear of them.
      ctx.font = '11px system-ui, sans-serif';
      ctx.textAlign = 'left';
      for (const l of labelsRef.current) {
        if (l.kind === 'point') continue;
        const y = ys.getPixelForValue(l.y) + (l.kind === 'line-above' ? -7 : 8);
        const x0 = chartArea.left + 4;
        placed.push({ x0, x1: x0 + ctx.measureText(l.text).width, y });
        ctx.fillStyle = l.color;
        halo(l.text, x0, y);
      }
      ctx.font = '600 11px system-ui, sans-serif';
      const clear = (x0: number, x1: number, y: number) =>
        y > chartArea.top + 5 &&
        y < chartArea.bottom - 5 &&
        lines.every((line) => {
          for (let x = x0; x <= x1; x += 6) {
            const ly = pixelYAt(line, x);
            if (ly !== null && Math.abs(ly - y) < 8) return false;
          }
          return true;
        }) &&
        placed.every((b) => b.x1 < x0 || b.x0 > x1 || Math.abs(b.y - y) >= 13);
      const points = labelsRef.current.filter((l) => l.kind === 'point').map((l) => ({ l, px: xs.getPixelForValue(l.x), py: ys.getPixelForValue(l.y) }));
      points.sort((a, b) => a.py - b.py);
      for (const { l, px, py } of points) {
        const w = ctx.measureText(l.text).width;
        // Left of the marker unless that would run off the left edge.
        const left = px - 10 - w < chartArea.left;
        const x0 = left ? px + 10 : px - 10 - w;
        const x1 = x0 + w;
        const candidates = [py - 12, py + 13, py - 24, py + 26, py - 36, py + 39];
        const y = candidates.find((c) => clear(x0, x1, c)) ?? Math.max(chartArea.top + 6, py - 12);
        placed.push({ x0, x1, y });
        if (Math.abs(y - py) > 16) {
          // A leader from the marker to a label that had to move away from it.
          ctx.strokeStyle = l.color;
          ctx.lineWidth = 1;
          ctx.beginPath();
          ctx.moveTo(px, py + (y < py ? -7 : 7));
          ctx.lineTo(left ? x0 - 3 : x1 + 3, y);
          ctx.stroke();
        }
        ctx.textAlign = 'left';
        ctx.fillStyle = l.color;
        halo(l.text, x0, y);
      }
      ctx.restore();
    },
  };
}

/** Re-renders when the OS switches between light and dark, so the chart picks up the new colours. */
function useColorScheme(): string {
  const query = '(prefers-color-scheme: dark)';
  const [scheme, setScheme] = useState(() => (typeof matchMedia === 'function' && matchMedia(query).matches ? 'dark' : 'light'));
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const mq = matchMedia(query);
    const on = () => setScheme(mq.matches ? 'dark' : 'light');
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);
  return scheme;
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

  useEffect(() => {
    const ChartJs = registerCharts();
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
  }, [scheme]);

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
  }, [parsed, scheme]);

  return (
    <div className="chart-box headroom-chart" style={{ height: heightPx }}>
      <canvas ref={canvasRef} role="img" aria-label={label} />
    </div>
  );
}
