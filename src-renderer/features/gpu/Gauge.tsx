export type Level = 'ok' | 'warning' | 'critical' | 'none';

export function levelFor(pct: number | null, warningPct: number, criticalPct: number): Level {
  if (pct === null) return 'none';
  if (pct >= criticalPct) return 'critical';
  if (pct >= warningPct) return 'warning';
  return 'ok';
}

/** A ring gauge of memory use; colour by threshold level. */
export function Gauge({ pct, level, label }: { pct: number | null; level: Level; label: string }) {
  const r = 52;
  const c = 2 * Math.PI * r;
  const filled = pct === null ? 0 : (Math.min(100, Math.max(0, pct)) / 100) * c;
  return (
    <svg className={`gauge gauge-${level}`} viewBox="0 0 128 128" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct === null ? undefined : Math.round(pct)}>
      <circle cx="64" cy="64" r={r} className="gauge-track" />
      <circle cx="64" cy="64" r={r} className="gauge-fill" strokeDasharray={`${filled} ${c}`} transform="rotate(-90 64 64)" />
      <text x="64" y="62" textAnchor="middle" className="gauge-value" data-testid="gauge-pct">
        {pct === null ? '—' : `${pct.toFixed(0)}%`}
      </text>
      <text x="64" y="82" textAnchor="middle" className="gauge-caption">
        used
      </text>
    </svg>
  );
}
