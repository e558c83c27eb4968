/**
 * The chart code (chart.js, a chunk of its own: chart-lib.ts) fetched and compiled while the
 * dashboard's first render runs, without running it: the first chart is still made after the
 * first paint, but no longer waits for a round trip and a 165 KiB download then (a dashboard
 * opened from another machine waits longest). The built index.html names the chunk in a <meta>
 * (vite.config.ts); in development and tests there is none and nothing is preloaded.
 */
export const CHART_CHUNK_META = 'headroom-chart-chunk';

/** Adds `<link rel="modulepreload">` for the chart chunk once; returns its URL, or null when the page names none. */
export function preloadChartChunk(doc: Document = document): string | null {
  const path = doc.querySelector(`meta[name="${CHART_CHUNK_META}"]`)?.getAttribute('content');
  if (!path) return null;
  const href = new URL(path, doc.baseURI).href;
  const links = doc.querySelectorAll<HTMLLinkElement>('link[rel="modulepreload"]');
  if ([...links].some((l) => l.href === href)) return href;
  const link = doc.createElement('link');
  link.rel = 'modulepreload';
  link.crossOrigin = ''; // as Vite's own module preloads (and the import() that runs it)
  link.href = href;
  doc.head.appendChild(link);
  return href;
}
