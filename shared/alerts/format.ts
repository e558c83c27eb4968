/** Wording helpers for alert messages. Pure. */

/** "~45 s", "~8 min", "~2.5 h": a rounded duration for forecasts. */
export function formatApproxDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'a long time';
  const s = Math.max(0, ms) / 1000;
  if (s < 90) return `~${Math.max(1, Math.round(s))} s`;
  const min = s / 60;
  if (min < 90) return `~${Math.round(min)} min`;
  return `~${(min / 60).toFixed(1)} h`;
}

/** "91%" (or "91.5%" when `decimals` is 1). */
export function formatPct(pct: number, decimals = 0): string {
  return `${pct.toFixed(decimals)}%`;
}

/** "12,345" with thousands separators independent of the host locale. */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** "GPU 0 (RTX 4090)" from an index and a product name. */
export function gpuLabel(index: number, name: string): string {
  return name ? `GPU ${index} (${name})` : `GPU ${index}`;
}
