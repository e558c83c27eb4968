import type { Chart } from 'chart.js';
import { useEffect, useRef } from 'react';
import type { HistoryPoint } from '../../shared/contract/requests';
import { GiB } from '../../shared/units/bytes';
import { registerCharts } from './register-chart';

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
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

const fmtTime = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** VRAM used over time (GiB), with the critical (e.g. 90 %) line. Charts take data as props and never fetch. */
export function TimelineChart({ points, totalBytes, criticalPct, warningPct, version, label, windowMs = 5 * 60_000 }: TimelineProps) {
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const chartRef = useRef<Chart<'line', { x: number; y: number }[]> | null>(null);

  useEffect(() => {
    const ChartJs = registerCharts();
    const canvas = canvasRef.current!;
    const text = cssVar('--text-muted', '#666');
    const grid = cssVar('--grid', 'rgba(128,128,128,0.2)');
    chartRef.current = new ChartJs(canvas, {
      type: 'line',
      data: {
        datasets: [
          { label: 'Used', data: [], borderColor: cssVar('--accent', '#2563eb'), backgroundColor: cssVar('--accent-fill', 'rgba(37,99,235,0.15)'), fill: 'origin', pointRadius: 0, borderWidth: 2, tension: 0 },
          { label: `${criticalPct}% line`, data: [], borderColor: cssVar('--critical', '#dc2626'), borderDash: [6, 4], pointRadius: 0, borderWidth: 1.5, fill: false },
          { label: `${warningPct}% line`, data: [], borderColor: cssVar('--warning', '#d97706'), borderDash: [2, 4], pointRadius: 0, borderWidth: 1, fill: false },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { type: 'linear', ticks: { color: text, maxTicksLimit: 6, callback: (v) => fmtTime(Number(v)) }, grid: { color: grid } },
          y: { min: 0, title: { display: true, text: 'GiB', color: text }, ticks: { color: text }, grid: { color: grid } },
        },
        plugins: {
          legend: { display: true, labels: { color: text, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              title: (items) => fmtTime(Number(items[0]?.parsed.x ?? 0)),
              label: (item) => `${item.dataset.label}: ${Number(item.parsed.y).toFixed(2)} GiB`,
            },
          },
        },
      },
    });
    return () => {
      chartRef.current?.destroy();
      chartRef.current = null;
    };
  }, [criticalPct, warningPct]);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    const used = points.map((p) => ({ x: p.atMs, y: p.memoryUsedBytes / GiB }));
    const first = points[0]?.atMs ?? Date.now();
    const last = points[points.length - 1]?.atMs ?? first;
    const start = Math.min(first, last - windowMs);
    const line = (pct: number) => [
      { x: start, y: (totalBytes * pct) / 100 / GiB },
      { x: last, y: (totalBytes * pct) / 100 / GiB },
    ];
    chart.data.datasets[0]!.data = used;
    chart.data.datasets[1]!.data = line(criticalPct);
    chart.data.datasets[2]!.data = line(warningPct);
    const yScale = chart.options.scales!.y!;
    yScale.max = Math.ceil(totalBytes / GiB);
    const xScale = chart.options.scales!.x!;
    xScale.min = Math.min(first, last - windowMs);
    xScale.max = last;
    chart.update('none');
  }, [points, totalBytes, criticalPct, warningPct, version, windowMs]);

  return (
    <div className="chart-box">
      <canvas ref={canvasRef} role="img" aria-label={label} />
    </div>
  );
}
