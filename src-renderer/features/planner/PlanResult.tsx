import type { PlanResponse } from '../../../shared/contract/requests';
import { formatGiB } from '../../../shared/units/bytes';
import { HeadroomChart, isModelMaximum, shortTokens } from '../../charts/HeadroomChart';
import { EstimatesNote } from '../models/EstimatesNote';
import { formatTokens } from '../models/format';
import { KvFitTable } from '../models/KvFitTable';

function FitBadge({ fits, thresholdPct }: { fits: boolean; thresholdPct: number }) {
  return <span className={`badge ${fits ? 'badge-ok' : 'badge-critical'}`}>{fits ? 'Fits' : `Over ${thresholdPct}%`}</span>;
}

/** The planner's answer: fits or not per KV type, the largest context, concurrency, the curve, estimates. */
export function PlanResult({ plan }: { plan: PlanResponse }) {
  const thresholdPct = plan.gpuTotalBytes > 0 ? Math.round((plan.thresholdBytes / plan.gpuTotalBytes) * 100) : 90;
  const maxContext = plan.contextLengthTrain;
  const largest = plan.atContext
    .map((r) => `${r.cacheType} ${r.largestContextTokens === null ? 'nothing fits' : formatTokens(r.largestContextTokens)}${isModelMaximum(r.largestContextTokens, maxContext) ? ' (the model maximum)' : ''}`)
    .join(', ');
  const aria = `Predicted VRAM against context for ${plan.model} on a ${formatGiB(plan.gpuTotalBytes, 2)} GPU. Largest context under ${thresholdPct}% (${formatGiB(plan.thresholdBytes, 2)}): ${largest}.`;
  const users = plan.users;
  return (
    <section className="card plan-result" aria-labelledby="plan-result-title" data-testid="plan-result">
      <h2 id="plan-result-title">
        {plan.model} <span className="muted small">({plan.architecture}) on {formatGiB(plan.gpuTotalBytes, 2)}</span>
      </h2>
      <p className="small" data-testid="plan-summary" role="status">
        Weights {formatGiB(plan.weightsBytes, 2)} ({plan.quant}
        {plan.weightsIsEstimate ? ', estimate' : ', exact'}) + runtime overhead {formatGiB(plan.overheadBytes, 2)}. The {thresholdPct}% threshold is{' '}
        {formatGiB(plan.thresholdBytes, 2)}.{maxContext ? ` Model maximum: ${formatTokens(maxContext)}.` : ''}
      </p>

      <h3 className="plan-subtitle">At {formatTokens(plan.contextTokens)} per user</h3>
      <table className="kv-table" data-testid="plan-at-context">
        <caption className="visually-hidden">Fits at {formatTokens(plan.contextTokens)}, per KV cache type</caption>
        <thead>
          <tr>
            <th scope="col">KV type</th>
            <th scope="col" className="num">KV cache</th>
            <th scope="col" className="num">Total</th>
            <th scope="col">1 user</th>
            {users && users.users > 1 && <th scope="col">{users.users} users</th>}
          </tr>
        </thead>
        <tbody>
          {plan.atContext.map((r) => {
            const u = users?.rows.find((x) => x.cacheType === r.cacheType);
            return (
              <tr key={r.cacheType} data-testid={`plan-row-${r.cacheType}`} data-fits={r.fits ? 'true' : 'false'}>
                <th scope="row">{r.cacheType}</th>
                <td className="num">{formatGiB(r.kvBytes, 2)}</td>
                <td className="num">{formatGiB(r.totalBytes, 2)}</td>
                <td>{r.error ? <span className="text-warning">{r.error}</span> : <FitBadge fits={r.fits} thresholdPct={thresholdPct} />}</td>
                {users && users.users > 1 && <td>{u ? <FitBadge fits={u.fits} thresholdPct={thresholdPct} /> : '—'}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>

      <h3 className="plan-subtitle">VRAM vs context</h3>
      <HeadroomChart curves={plan.curves} gpuTotalBytes={plan.gpuTotalBytes} thresholdBytes={plan.thresholdBytes} maxContextTokens={maxContext} label={aria} heightPx={300} />
      <KvFitTable
        rows={plan.atContext}
        concurrency={plan.concurrency}
        maxContextTokens={maxContext}
        thresholdPct={thresholdPct}
        caption={`Largest context and concurrent users per KV cache type${maxContext ? ` (model maximum ${shortTokens(maxContext)})` : ''}`}
      />
      <EstimatesNote estimates={plan.estimates} notes={plan.notes} architectureSource="Headroom's built-in catalog" ruleSet={plan.ruleSet ?? null} />
    </section>
  );
}
