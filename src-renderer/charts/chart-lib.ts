/**
 * chart.js, loaded on demand: it is a third of the dashboard's JavaScript, and the page's first
 * paint (cards, figures) does not need it. Its chunk is fetched when the first chart is made, a
 * frame after that paint, and compiled off the main thread (see vite.config.ts).
 */
import { useEffect, useState } from 'react';
import type { Chart } from 'chart.js';

export type ChartClass = typeof Chart;

let loaded: ChartClass | null = null;
let loading: Promise<ChartClass> | null = null;

/** chart.js with what the dashboard uses registered; the same promise every time (a failed load is retried on the next call). */
export function loadCharts(): Promise<ChartClass> {
  loading ??= import('./register-chart').then(
    (m) => (loaded = m.registerCharts()),
    (error: unknown) => {
      loading = null;
      throw new Error(`The chart code could not be loaded: ${(error as Error).message}`);
    },
  );
  return loading;
}

/** The Chart class once loaded (null before: the hook's caller renders its canvas and waits). */
export function useChartLib(): ChartClass | null {
  // (A class is a function: useState and setState would call it, so both are given a function returning it.)
  const [lib, setLib] = useState<ChartClass | null>(() => loaded);
  useEffect(() => {
    if (lib) return;
    let alive = true;
    loadCharts().then(
      (c) => alive && setLib(() => c),
      (error: unknown) => console.error((error as Error).message),
    );
    return () => {
      alive = false;
    };
  }, [lib]);
  return lib;
}
