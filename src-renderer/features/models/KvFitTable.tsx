import { formatBytes } from '../../../shared/units/bytes';
import { isModelMaximum, shortTokens } from '../../charts/HeadroomChart';
import { formatTokens } from './format';

export interface KvFitRow {
  cacheType: string;
  bytesPerToken: number | null;
  largestContextTokens: number | null;
  error: string | null;
}

export interface ConcurrencyRow {
  perUserContextTokens: number;
  cacheType: string;
  maxSequences: number | null;
}

export interface KvFitTableProps {
  rows: readonly KvFitRow[];
  concurrency: readonly ConcurrencyRow[];
  /** The model's maximum context, tokens: a largest context at it reads "fits up to the model's maximum". */
  maxContextTokens: number | null;
  thresholdPct: number;
  /** The KV type the model runs with now, marked in the table. */
  currentCacheType?: string | null;
  caption: string;
}

/** "32,768 tokens" or "32,768 tokens: fits up to the model's maximum", or why there is no figure. */
export function largestContextText(row: KvFitRow, maxContextTokens: number | null, thresholdPct: number): string {
  if (row.error) return row.error;
  if (row.largestContextTokens === null) return `none: even the smallest context is over ${thresholdPct}%`;
  const text = formatTokens(row.largestContextTokens);
  return isModelMaximum(row.largestContextTokens, maxContextTokens) ? `${text}: fits up to the model's maximum` : text;
}

/**
 * Per KV type: bytes per token, the largest context under the threshold and how many users fit
 * at common per-user contexts. The accessible twin of the headroom chart.
 */
export function KvFitTable({ rows, concurrency, maxContextTokens, thresholdPct, currentCacheType, caption }: KvFitTableProps) {
  const perUser = [...new Set(concurrency.map((c) => c.perUserContextTokens))].sort((a, b) => a - b);
  const users = (cacheType: string, ctx: number) => concurrency.find((c) => c.cacheType === cacheType && c.perUserContextTokens === ctx)?.maxSequences ?? null;
  return (
    <table className="kv-table" data-testid="kv-fit-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">KV type</th>
          <th scope="col">Per token</th>
          <th scope="col">Largest context under {thresholdPct}%</th>
          {perUser.map((ctx) => (
            <th scope="col" key={ctx} className="num">
              <abbr title={`Concurrent users at ${formatTokens(ctx)} each`}>Users @{shortTokens(ctx)}</abbr>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.cacheType} data-testid={`kv-row-${r.cacheType}`} data-largest={r.largestContextTokens ?? ''}>
            <th scope="row">
              {r.cacheType}
              {currentCacheType === r.cacheType && <span className="kv-now"> (now)</span>}
            </th>
            <td className="num">{r.bytesPerToken === null ? '—' : formatBytes(r.bytesPerToken)}</td>
            <td data-testid="largest-context" className={r.error || r.largestContextTokens === null ? 'text-warning' : undefined}>
              {largestContextText(r, maxContextTokens, thresholdPct)}
            </td>
            {perUser.map((ctx) => {
              const n = users(r.cacheType, ctx);
              return (
                <td key={ctx} className="num" data-testid={`users-${ctx}`}>
                  {n === null ? '—' : n.toLocaleString('en-US')}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
