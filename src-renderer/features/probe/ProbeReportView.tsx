import type { ProbeReport, ProbeStep } from '../../../shared/contract/probe';
import { formatGiB } from '../../../shared/units/bytes';
import { ProbeChart } from './ProbeChart';
import { runLabel, speedSeries, vramSeries } from './probe-chart-data';

const tokens = (n: number | null | undefined) => (n == null ? '—' : `${n.toLocaleString('en-US')} tokens`);
const num = (n: number | null | undefined, d = 0) => (n == null ? '—' : n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));

function outcomeText(s: ProbeStep): string {
  if (s.outcome !== 'ok') return `${s.outcome}${s.message ? `: ${s.message}` : ''}`;
  return s.isSpilled ? 'spilled' : 'ok';
}

/** A probe's report: verdicts, the two charts, the table of steps, notes; optionally against a second run. */
export function ProbeReportView({ report: r, compare }: { report: ProbeReport; compare: ProbeReport | null }) {
  const x = r.isContextVaried ? 'Context' : 'Prompt size';
  const pct = (b: number | null) => (b !== null && r.gpu ? ` (${Math.round((b / r.gpu.totalBytes) * 100)}%)` : '');
  const vram = vramSeries(r, compare);
  const speed = speedSeries(r, compare);
  const ariaVram = `${x} against VRAM for ${r.model}: ${r.steps.map((s) => `${num(s.contextTokens)} tokens ${formatGiB(s.peakVramBytes, 2)}${s.predictedBytes !== null ? ` (predicted ${formatGiB(s.predictedBytes + (r.baselineBytes ?? 0), 2)})` : ''}`).join('; ')}.`;
  const ariaSpeed = `${x} against speed: ${r.steps.map((s) => `${num(s.contextTokens)} tokens ${num(s.tokensPerSecond, 1)} tokens/s, first token after ${num(s.ttftMs)} ms`).join('; ')}.`;
  return (
    <div className="probe-report" data-testid="probe-report" data-status={r.status}>
      <dl className="probe-verdicts">
        <div>
          <dt>Largest usable {x.toLowerCase()}</dt>
          <dd data-testid="probe-largest">{tokens(r.largestUsableContextTokens)}</dd>
        </div>
        <div>
          <dt>Latency knee</dt>
          <dd data-testid="probe-knee">{r.kneeContextTokens === null ? 'none within the steps run' : tokens(r.kneeContextTokens)}</dd>
        </div>
        <div>
          <dt>Result</dt>
          <dd data-testid="probe-result">
            {r.status}
            {r.stopReason ? `: ${r.stopReason}` : ''}
          </dd>
        </div>
        <div>
          <dt>Server afterwards</dt>
          <dd data-testid="probe-restore" className={r.restore && !r.restore.ok ? 'text-warning' : undefined}>
            {r.restore?.message ?? (r.status === 'running' ? 'restored when the run ends' : '—')}
          </dd>
        </div>
      </dl>
      {!r.isContextVaried && (
        <p className="probe-note-strong" data-testid="probe-not-varied">
          The context itself was not varied: this server's context is fixed at start, so only the prompt size was stepped.
          {r.restartCommand && (
            <>
              {' '}To try a larger context, restart it: <code>{r.restartCommand}</code>
            </>
          )}
        </p>
      )}
      {compare && (
        <p className="small" data-testid="probe-compare-summary">
          Compared: {runLabel(r)} — largest usable {tokens(r.largestUsableContextTokens)}, knee {tokens(r.kneeContextTokens)}; {runLabel(compare)} — largest usable{' '}
          {tokens(compare.largestUsableContextTokens)}, knee {tokens(compare.kneeContextTokens)}.
        </p>
      )}
      <div className="probe-charts">
        <figure>
          <figcaption className="small-title">{x} vs VRAM{compare ? `: ${runLabel(r)} against ${runLabel(compare)}` : ', measured and predicted'}</figcaption>
          <ProbeChart series={vram} xTitle={`${x} (tokens, log scale)`} yTitle="GPU memory (GiB)" label={ariaVram} testId="probe-chart-vram" />
        </figure>
        <figure>
          <figcaption className="small-title">{x} vs speed</figcaption>
          <ProbeChart series={speed} xTitle={`${x} (tokens, log scale)`} yTitle="Generation (tokens/s)" y2Title="Time to first token (s)" label={ariaSpeed} testId="probe-chart-speed" />
        </figure>
      </div>
      <div className="probe-table-wrap">
        <table className="kv-table" data-testid="probe-steps">
          <caption>
            Steps{r.gpu ? ` on ${r.gpu.name} (${formatGiB(r.gpu.totalBytes, 1)}), threshold ${r.settings.stopAtPct}%` : ''}, KV {r.cacheType}
          </caption>
          <thead>
            <tr>
              <th scope="col" className="num">{x}</th>
              <th scope="col" className="num">Prompt tokens</th>
              <th scope="col" className="num">Peak VRAM</th>
              <th scope="col" className="num">Model in VRAM</th>
              <th scope="col" className="num">Predicted</th>
              <th scope="col" className="num">Prediction error</th>
              <th scope="col" className="num">TTFT</th>
              <th scope="col" className="num">Tokens/s</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {r.steps.map((s) => (
              <tr key={s.index} data-testid={`probe-step-${s.contextTokens}`} data-outcome={s.isSpilled ? 'spilled' : s.outcome}>
                <th scope="row" className="num">{num(s.contextTokens)}</th>
                <td className="num">{num(s.promptTokens)}</td>
                <td className="num" data-testid="peak">{formatGiB(s.peakVramBytes, 2)}{pct(s.peakVramBytes)}</td>
                <td className="num">{formatGiB(s.sizeVramBytes, 2)}</td>
                <td className="num">{s.predictedBytes === null ? '—' : formatGiB(s.predictedBytes, 2)}</td>
                <td className="num" data-testid="error">{s.predictionErrorPct === null ? '—' : `${s.predictionErrorPct > 0 ? '+' : ''}${s.predictionErrorPct.toFixed(1)}%`}</td>
                <td className="num" data-testid="ttft">{s.ttftMs === null ? '—' : `${num(s.ttftMs)} ms`}</td>
                <td className="num" data-testid="tps">{num(s.tokensPerSecond, 1)}</td>
                <td>{outcomeText(s)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {r.notes.length > 0 && (
        <ul className="probe-notes small muted">
          {r.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
