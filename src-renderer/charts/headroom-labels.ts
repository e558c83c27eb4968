/** The headroom chart's canvas labels (chart.js plugin): marker text placed where it crosses no line. */
import type { Plugin } from 'chart.js';
import type { ChartPoint } from './headroom-chart-data';

/** Text drawn on the canvas next to a point (markers) or above a line (total, threshold). */
export interface CanvasLabel {
  kind: 'point' | 'line-above' | 'line-below';
  x: number;
  y: number;
  text: string;
  color: string;
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
export function labelPlugin(labelsRef: { current: CanvasLabel[] }, haloColor: string): Plugin<'line'> {
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
