/** Display helpers for the model card and the planner (tokens, rates, estimate names). */

/** "32,768 tokens". */
export function formatTokens(tokens: number | null | undefined): string {
  if (tokens == null || !Number.isFinite(tokens)) return '—';
  return `${Math.round(tokens).toLocaleString('en-US')} tokens`;
}

/** "1,234.5/s", or "—" when unknown. */
export function formatRate(perSecond: number | null | undefined, decimals = 1): string {
  if (perSecond == null || !Number.isFinite(perSecond)) return '—';
  return `${perSecond.toLocaleString('en-US', { maximumFractionDigits: decimals, minimumFractionDigits: decimals })}/s`;
}

/** Fraction 0–1 as a whole percentage, "42%". */
export function formatRatio(ratio: number | null | undefined): string {
  if (ratio == null || !Number.isFinite(ratio)) return '—';
  return `${Math.round(ratio * 100)}%`;
}

const ESTIMATE_NAMES: Record<string, string> = {
  computeBytes: 'compute buffer',
  overheadBytes: 'GPU runtime overhead',
  weightsBytes: 'weights',
};

/** "overheadBytes: CUDA context …" → { name: "GPU runtime overhead", basis: "CUDA context …" }. */
export function describeEstimate(estimate: string): { name: string; basis: string } {
  const m = /^(\w+):\s*(.*)$/s.exec(estimate);
  if (!m) return { name: estimate, basis: '' };
  return { name: ESTIMATE_NAMES[m[1]!] ?? m[1]!, basis: m[2]! };
}
