import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ProbeReport, ProbeRequest, ProbeSummary } from '../../../shared/contract/probe';
import type { Snapshot } from '../../../shared/model/snapshot';
import { useClient } from '../../transport/ClientProvider';
import { ConfirmDialog } from '../alerts/ConfirmDialog';
import { downloadText } from '../gpu/download';
import { ProbeReportView } from './ProbeReportView';
import { ProbeRuns } from './ProbeRuns';
import { eta, initialForm, KINDS, POLL_MS, SERVER_FIELDS, toRequest, type Field, type Form } from './probe-form';
import './probe.css';

/**
 * The Probe page: measures the largest context that really fits by loading the model at growing
 * contexts (asks first), shows progress, and keeps every run's report to view, export and compare.
 */
export function ProbePage({ snapshot }: { snapshot: Snapshot }) {
  const client = useClient();
  const [form, setForm] = useState<Form>(() => initialForm(snapshot));
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [asking, setAsking] = useState<ProbeRequest | null>(null);
  const [starting, setStarting] = useState(false);
  const [report, setReport] = useState<ProbeReport | null>(null);
  const [compare, setCompare] = useState<ProbeReport | null>(null);
  const [runs, setRuns] = useState<ProbeSummary[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const viewing = useRef<string | null>(null);

  const refreshRuns = useCallback(async () => {
    const r = await client.call('listProbes', undefined);
    if (r.ok) setRuns(r.value);
    return r.ok ? r.value : [];
  }, [client]);

  const view = useCallback(
    async (id: string) => {
      viewing.current = id;
      setStatus(null);
      const r = await client.call('getProbe', { id });
      if (viewing.current !== id) return;
      if (r.ok) setReport(r.value);
      else setStatus(r.error.message);
    },
    [client],
  );

  // On open: the runs, and a running probe (started from another window or the CLI's server) is shown.
  useEffect(() => {
    void refreshRuns().then((list) => {
      const live = list.find((x) => x.status === 'running') ?? list[0];
      if (live && viewing.current === null) void view(live.id);
    });
  }, [refreshRuns, view]);

  // While the shown run is running: poll its report (progress, steps).
  const runningId = report?.status === 'running' ? report.id : null;
  useEffect(() => {
    if (!runningId) return;
    let stop = false;
    let timer: ReturnType<typeof setTimeout>;
    const tick = async () => {
      const r = await client.call('getProbe', { id: runningId });
      if (stop || viewing.current !== runningId) return;
      if (r.ok) {
        setReport(r.value);
        if (r.value.status !== 'running') {
          void refreshRuns();
          return;
        }
      }
      timer = setTimeout(() => void tick(), POLL_MS);
    };
    timer = setTimeout(() => void tick(), POLL_MS);
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [client, runningId, refreshRuns]);

  const set = (k: keyof Form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    setGeneral(null);
    const { request, errors: local } = toRequest(form);
    setErrors(local);
    if (request) setAsking(request);
  };
  const start = async () => {
    if (!asking) return;
    setStarting(true);
    const r = await client.call('startProbe', asking);
    setStarting(false);
    setAsking(null);
    if (r.ok) {
      viewing.current = r.value.id;
      setStatus(null);
      setCompare(null);
      setReport(r.value);
      void refreshRuns();
      return;
    }
    const field = /^(\w+): (.*)$/.exec(r.error.message);
    const mapped = field ? SERVER_FIELDS[field[1]!] : undefined;
    if (mapped) setErrors({ [mapped]: field![2]! });
    else setGeneral(r.error.message);
  };
  const cancel = async () => {
    if (!report) return;
    const r = await client.call('cancelProbe', { id: report.id });
    setStatus(r.ok ? r.value.message : r.error.message);
  };
  const exportAs = async (format: 'csv' | 'json') => {
    if (!report) return;
    const r = await client.call('exportProbe', { id: report.id, format });
    if (r.ok) {
      downloadText(r.value.fileName, r.value.mimeType, r.value.text);
      setStatus(`Exported ${r.value.fileName}.`);
    } else setStatus(r.error.message);
  };
  const pickCompare = async (id: string | null) => {
    if (!id) return setCompare(null);
    const r = await client.call('getProbe', { id });
    if (r.ok) setCompare(r.value);
  };

  const running = report?.status === 'running';
  const p = report?.progress;
  const models = snapshot.backends.find((b) => b.url === form.url)?.models.map((m) => m.name) ?? [];
  const fieldProps = (id: Field) => ({ id: `probe-${id}`, 'aria-invalid': Boolean(errors[id]), 'aria-describedby': errors[id] ? `probe-${id}-error` : undefined });
  const err = (id: Field) =>
    errors[id] ? (
      <p className="field-error" id={`probe-${id}-error`} data-testid={`probe-error-${id}`}>
        {errors[id]}
      </p>
    ) : null;

  return (
    <div className="probe-page" data-testid="probe-page">
      <section className="card" aria-labelledby="probe-title">
        <h2 id="probe-title">Probe: measure the real maximum context</h2>
        <p className="muted small">
          Loads the model at growing contexts (Ollama) or sends growing prompts (llama.cpp, vLLM, LM Studio), measures VRAM, spill, time to first token and speed,
          and stops before harm: at the threshold, the first spill or out-of-memory, or below the speed floor. The server is put back as it was.
        </p>
        <form className="probe-form" onSubmit={onSubmit} noValidate>
          <div className="field">
            <label htmlFor="probe-url">Server address</label>
            <input {...fieldProps('url')} type="text" list="probe-urls" autoComplete="off" spellCheck={false} value={form.url} onChange={set('url')} disabled={running} />
            {err('url')}
            <datalist id="probe-urls">
              {snapshot.backends.map((b) => (
                <option key={b.id} value={b.url} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor="probe-kind">Server kind</label>
            <select id="probe-kind" value={form.kind} onChange={set('kind')} disabled={running}>
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="probe-model">Model</label>
            <input {...fieldProps('model')} type="text" list="probe-models" autoComplete="off" spellCheck={false} value={form.model} onChange={set('model')} disabled={running} />
            {err('model')}
            <datalist id="probe-models">
              {models.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </div>
          <div className="field">
            <label htmlFor="probe-from">From (tokens)</label>
            <input {...fieldProps('from')} type="number" inputMode="numeric" min={256} step={1024} value={form.from} onChange={set('from')} disabled={running} />
            {err('from')}
          </div>
          <div className="field">
            <label htmlFor="probe-to">To (tokens)</label>
            <input {...fieldProps('to')} type="number" inputMode="numeric" min={256} step={1024} placeholder="model maximum" value={form.to} onChange={set('to')} disabled={running} />
            {err('to')}
          </div>
          <div className="field">
            <label htmlFor="probe-stopAt">Stop at VRAM (%)</label>
            <input {...fieldProps('stopAt')} type="number" inputMode="decimal" min={10} max={100} value={form.stopAt} onChange={set('stopAt')} disabled={running} />
            {err('stopAt')}
          </div>
          <div className="field">
            <label htmlFor="probe-minTps">Slowest usable (tokens/s)</label>
            <input {...fieldProps('minTps')} type="number" inputMode="decimal" min={0} step="any" value={form.minTps} onChange={set('minTps')} disabled={running} />
            {err('minTps')}
          </div>
          <div className="field">
            <label htmlFor="probe-kv">KV cache type the server runs</label>
            <select id="probe-kv" value={form.kv} onChange={set('kv')} disabled={running}>
              <option value="">Assumed (OLLAMA_KV_CACHE_TYPE)</option>
              <option value="f16">f16</option>
              <option value="q8_0">q8_0</option>
              <option value="q4_0">q4_0</option>
            </select>
          </div>
          <div className="probe-actions">
            <button type="submit" className="btn btn-primary" disabled={running || starting} data-testid="probe-start">
              Start probe…
            </button>
            {running && (
              <button type="button" className="btn btn-danger" onClick={() => void cancel()} data-testid="probe-cancel">
                Cancel
              </button>
            )}
          </div>
          {general && (
            <p className="field-error" role="alert" data-testid="probe-error-general">
              {general}
            </p>
          )}
        </form>
      </section>

      {asking && (
        <ConfirmDialog title={`Probe ${asking.model}?`} confirmLabel="Start probe" busy={starting} onConfirm={() => void start()} onCancel={() => setAsking(null)}>
          {asking.kind && asking.kind !== 'ollama' ? (
            <p>
              This sends prompts of growing size to <strong>{asking.model}</strong> at {asking.backendUrl}, up to the context the server was started with. It keeps the
              server busy while it runs.
            </p>
          ) : (
            <p>
              This loads <strong>{asking.model}</strong> on the server at {asking.backendUrl} at contexts from {asking.fromTokens?.toLocaleString('en-US')} tokens to{' '}
              {asking.toTokens ? `${asking.toTokens.toLocaleString('en-US')} tokens` : "the model's maximum"}. It uses the GPU heavily while it runs and may evict other models.
            </p>
          )}
          <p>
            It stops at {asking.stopAtPct}% VRAM, the first spill or out-of-memory, or below {asking.minTokensPerSecond} tokens/s, then puts the server back as it was.
          </p>
        </ConfirmDialog>
      )}

      {report && (
        <section className="card" aria-labelledby="probe-report-title">
          <div className="card-header">
            <h2 id="probe-report-title">
              {report.model} <span className="muted small">on {report.backend.kind}, KV {report.cacheType}, {new Date(report.startedAtMs).toLocaleString()}</span>
            </h2>
            {!running && (
              <div className="row-actions">
                <button type="button" className="btn btn-small" onClick={() => void exportAs('csv')}>
                  Export CSV
                </button>
                <button type="button" className="btn btn-small" onClick={() => void exportAs('json')}>
                  Export JSON
                </button>
              </div>
            )}
          </div>
          {running && p && (
            <div className="probe-progress" data-testid="probe-progress">
              <div className="bar" role="progressbar" aria-label="Probe progress" aria-valuemin={0} aria-valuemax={Math.max(1, p.stepCount)} aria-valuenow={Math.max(0, p.stepIndex - 1)} aria-valuetext={`step ${p.stepIndex} of ${p.stepCount}`}>
                <div className="bar-fill" style={{ width: `${p.stepCount ? ((p.stepIndex - 1) / p.stepCount) * 100 : 0}%` }} />
              </div>
              <p role="status" className="small" data-testid="probe-progress-text">
                {p.stepCount ? `Step ${p.stepIndex} of ${p.stepCount}: ${p.phase}` : p.phase}
                {p.etaMs ? `, ${eta(p.etaMs)}` : ''}
              </p>
            </div>
          )}
          {status && (
            <p className="small" role="status" data-testid="probe-status">
              {status}
            </p>
          )}
          <ProbeReportView report={report} compare={compare && compare.id !== report.id ? compare : null} />
        </section>
      )}

      <section className="card" aria-labelledby="probe-runs-title">
        <h2 id="probe-runs-title">Saved runs</h2>
        <ProbeRuns
          runs={runs}
          selectedId={report?.id ?? null}
          compareId={compare?.id ?? null}
          onSelect={(id) => {
            setCompare(null);
            void view(id);
          }}
          onCompare={(id) => void pickCompare(id)}
        />
      </section>
    </div>
  );
}
