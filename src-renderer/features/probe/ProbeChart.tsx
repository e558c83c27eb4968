import type { Chart, ChartDataset } from 'chart.js';
import { useEffect, useRef } from 'react';
import { shortTokens } from '../../charts/HeadroomChart';
import { useChartLib } from '../../charts/chart-lib';
import type { Series, SeriesPoint } from './probe-chart-data';
import { useColorScheme } from '../../hooks/useColorScheme';

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Line colours in order of the datasets (the threshold is always the critical colour). */
const PALETTE: [string, string][] = [
  ['--accent', '#2563eb'],
  ['--hr-kv-q8', '#7c3aed'],
  ['--hr-kv-q4', '#15803d'],
  ['--warning', '#b45309'],
  ['--text-muted', '#666'],
];

/** Follows the OS light/dark scheme, so the chart re-reads its colours when it changes. */
export interface ProbeChartProps {
  series: readonly Series[];
  xTitle: string;
  yTitle: string;
  y2Title?: string;
  /** What screen readers hear (the canvas is role="img"). */
  label: string;
  testId: string;
}

/** A line chart of probe measurements against context (log2 x). Takes data as props; never fetches. */
export function ProbeChart({ series, xTitle, yTitle, y2Title, label, testId }: ProbeChartProps) {
  const canvas = useRef<HTMLCanvasElement | null>(null);
  const chart = useRef<Chart<'line', SeriesPoint[]> | null>(null);
  const signature = JSON.stringify(series);
  const scheme = useColorScheme();
  // Made once chart.js has loaded (see chart-lib.ts); the data effect below then fills it.
  const ChartJs = useChartLib();

  useEffect(() => {
    if (!ChartJs) return;
    const muted = cssVar('--text-muted', '#666');
    const grid = cssVar('--grid', 'rgba(128,128,128,0.2)');
    chart.current = new ChartJs<'line', SeriesPoint[]>(canvas.current!, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: xTitle, color: muted }, ticks: { color: muted, stepSize: 1, callback: (v) => (Number.isInteger(Number(v)) ? shortTokens(2 ** Number(v)) : '') }, grid: { color: grid } },
          y: { min: 0, title: { display: true, text: yTitle, color: muted }, ticks: { color: muted }, grid: { color: grid } },
          ...(y2Title ? { y2: { min: 0, position: 'right' as const, title: { display: true, text: y2Title, color: muted }, ticks: { color: muted }, grid: { display: false } } } : {}),
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: cssVar('--text', '#16181d'), boxWidth: 10, boxHeight: 8, font: { size: 11 } } },
          tooltip: { callbacks: { title: (items) => `${((items[0]?.raw as SeriesPoint | undefined)?.tokens ?? 0).toLocaleString('en-US')} tokens` } },
        },
      },
    });
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [xTitle, yTitle, y2Title, scheme, ChartJs]);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const parsed = JSON.parse(signature) as Series[];
    let n = 0;
    c.data.datasets = parsed.map((s): ChartDataset<'line', SeriesPoint[]> => {
      const [v, fallback] = s.role === 'threshold' ? ['--critical', '#dc2626'] : PALETTE[n++ % PALETTE.length]!;
      const color = cssVar(v, fallback);
      return {
        label: s.label, data: s.points, yAxisID: s.axis, borderColor: color, backgroundColor: color, borderWidth: s.role === 'threshold' ? 1.5 : 2,
        borderDash: s.dashed ? [6, 4] : [], pointRadius: s.role === 'threshold' ? 0 : 3.5, pointHoverRadius: 6, tension: 0, fill: false,
      };
    });
    const xs = parsed.flatMap((s) => s.points.map((p) => p.x));
    if (xs.length) {
      c.options.scales!.x!.min = Math.floor(Math.min(...xs));
      c.options.scales!.x!.max = Math.ceil(Math.max(...xs));
    }
    c.update('none');
  }, [signature, scheme, ChartJs]);

  return (
    <div className="chart-box probe-chart" data-testid={testId}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
