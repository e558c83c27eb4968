import type { LoadedModel, MeasuredMemory, ModelPredictionView } from '../../../shared/model/snapshot';
import { formatGiB } from '../../../shared/units/bytes';

/** "+12.0 MiB (+0.4%)", "exact", or "—" when either side is unknown. */
export function differenceText(measured: number | null, predicted: number | null): string {
  if (measured === null || predicted === null) return '—';
  const d = predicted - measured;
  if (Math.abs(d) < 0.01 * 1048576) return 'same (within the log’s 0.01 MiB)';
  const mib = d / 1048576;
  const pct = measured > 0 ? ` (${d > 0 ? '+' : ''}${((d / measured) * 100).toFixed(1)}%)` : '';
  return `${d > 0 ? '+' : '−'}${Math.abs(mib) >= 1024 ? `${(Math.abs(mib) / 1024).toFixed(2)} GiB` : `${Math.abs(mib).toFixed(1)} MiB`}${pct}`;
}

const fmt = (b: number | null) => (b === null ? '—' : formatGiB(b, 2));

/**
 * "Measured by the engine": what the server itself logged when it loaded the model (weights, KV
 * cache, compute buffers), beside Headroom's prediction and the difference (prediction − measured).
 */
export function MeasuredPanel({ model, measured, prediction }: { model: LoadedModel; measured: MeasuredMemory; prediction: ModelPredictionView | null }) {
  const rows: { name: string; measured: number | null; predicted: number | null; testId: string }[] = [
    { name: 'Weights', measured: measured.weightsBytes, predicted: prediction?.weightsBytes ?? null, testId: 'measured-weights' },
    { name: 'KV cache', measured: measured.kvBytes, predicted: model.kvCacheBytes, testId: 'measured-kv' },
    { name: 'Compute buffers', measured: measured.computeBytes, predicted: prediction?.currentComputeBytes ?? null, testId: 'measured-compute' },
  ];
  return (
    <section className="measured small" aria-label={`Measured by the engine for ${model.name}`} data-testid="measured">
      <h4 className="prediction-title">
        Measured by the engine <span className="muted small">beside the prediction</span>
      </h4>
      <table className="kv-table">
        <caption className="muted">What the server logged when it loaded {model.name}, and Headroom&apos;s prediction (difference: prediction − measured)</caption>
        <thead>
          <tr>
            <th scope="col">Part</th>
            <th scope="col">Measured by the engine</th>
            <th scope="col">Predicted</th>
            <th scope="col">Difference</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} data-testid={r.testId}>
              <th scope="row">{r.name}</th>
              <td>{fmt(r.measured)}</td>
              <td>{fmt(r.predicted)}</td>
              <td>{differenceText(r.measured, r.predicted)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {measured.devices && measured.devices.length > 0 && (
        <details>
          <summary>Per device</summary>
          <ul>
            {measured.devices.map((d) => (
              <li key={d.device}>
                {d.device}: weights {formatGiB(d.weightsBytes, 2)}, KV {formatGiB(d.kvBytes, 2)}, compute {formatGiB(d.computeBytes, 2)}
              </li>
            ))}
          </ul>
        </details>
      )}
      <p className="muted">Source: {measured.source}.</p>
    </section>
  );
}
