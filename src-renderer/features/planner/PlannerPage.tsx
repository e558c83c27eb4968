import { useCallback, useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { PlanResponse } from '../../../shared/contract/requests';
import type { Snapshot } from '../../../shared/model/snapshot';
import { GiB } from '../../../shared/units/bytes';
import { useClient } from '../../transport/ClientProvider';
import { CONTEXT_SUGGESTIONS, fieldErrors, GPU_PRESETS_GIB, MODEL_SUGGESTIONS, QUANT_SUGGESTIONS, type PlanField } from './plan-fields';
import { PlanResult } from './PlanResult';

interface FormState {
  gpuGiB: string;
  model: string;
  quant: string;
  context: string;
  users: string;
}

type Errors = Partial<Record<PlanField, string>>;

/** A labelled control with its hint and its error, wired with aria-describedby / aria-invalid. */
function Field({ id, label, hint, error, children }: { id: string; label: string; hint?: string; error?: string; children: (aria: { id: string; 'aria-describedby': string | undefined; 'aria-invalid': boolean }) => ReactNode }) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': [errorId, hintId].filter(Boolean).join(' ') || undefined, 'aria-invalid': Boolean(error) })}
      {error && (
        <p className="field-error" id={errorId} data-testid={`error-${id.split('-').pop()}`}>
          {error}
        </p>
      )}
      {hint && (
        <p className="field-hint muted small" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** Checks the numbers the browser can check; the server checks the rest (model, quant, ranges). */
function localErrors(f: FormState): Errors {
  const e: Errors = {};
  const gib = Number(f.gpuGiB);
  if (f.gpuGiB.trim() === '' || !Number.isFinite(gib) || gib <= 0) e.gpu = 'enter the GPU memory in GiB, e.g. 24';
  if (f.model.trim() === '') e.model = 'pick a model';
  const ctx = Number(f.context);
  if (f.context.trim() === '' || !Number.isInteger(ctx) || ctx <= 0) e.context = 'enter a whole number of tokens, e.g. 8192';
  const users = Number(f.users);
  if (f.users.trim() === '' || !Number.isInteger(users) || users < 1) e.users = 'enter a whole number of users, 1 or more';
  return e;
}

function initialForm(snapshot: Snapshot): FormState {
  const loaded = snapshot.backends.flatMap((b) => b.models.map((m) => m.name)).find((n) => (MODEL_SUGGESTIONS as readonly string[]).includes(n));
  return { gpuGiB: '24', model: loaded ?? 'qwen2.5-coder:14b', quant: '', context: '8192', users: '1' };
}

/** The planner: what fits for a catalog model on a GPU of a given size (the `headroom plan` calculation). */
export function PlannerPage({ snapshot }: { snapshot: Snapshot }) {
  const client = useClient();
  // One planner per page, so fixed ids are unique.
  const uid = 'plan';
  const ids = { gpu: `${uid}-gpu`, model: `${uid}-model`, quant: `${uid}-quant`, context: `${uid}-context`, users: `${uid}-users` };
  const [form, setForm] = useState<FormState>(() => initialForm(snapshot));
  const [errors, setErrors] = useState<Errors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [plan, setPlan] = useState<PlanResponse | null>(null);
  const [pending, setPending] = useState(false);
  const request = useRef(0);

  const run = useCallback(
    async (f: FormState) => {
      const local = localErrors(f);
      setGeneral(null);
      if (Object.keys(local).length) {
        setErrors(local);
        return;
      }
      const n = ++request.current;
      setPending(true);
      const r = await client.call('planModel', {
        model: f.model.trim(),
        gpuTotalBytes: Math.round(Number(f.gpuGiB) * GiB),
        ...(f.quant.trim() ? { quant: f.quant.trim() } : {}),
        contextTokens: Number(f.context),
        users: Number(f.users),
      });
      if (n !== request.current) return;
      setPending(false);
      if (r.ok) {
        setErrors({});
        setPlan(r.value);
      } else if (r.error.code === 'bad-request') {
        const split = fieldErrors(r.error.message);
        setErrors(split.fields);
        setGeneral(split.general);
      } else {
        setErrors({});
        setGeneral(r.error.message);
      }
    },
    [client],
  );

  // A first answer for the defaults, so the page is never empty.
  const first = useRef(form);
  useEffect(() => {
    void run(first.current);
  }, [run]);

  // After a failed plan, take keyboard focus to the first field that needs fixing.
  useEffect(() => {
    const first = (['gpu', 'model', 'quant', 'context', 'users'] as const).find((f) => errors[f]);
    if (first) document.getElementById(`${uid}-${first}`)?.focus();
  }, [errors]);

  const set = (k: keyof FormState) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void run(form);
  };
  const thisGpus = snapshot.gpus.map((g) => ({ id: g.id, gib: Math.floor((g.memoryTotalBytes / GiB) * 100) / 100, name: g.name }));

  return (
    <div className="planner" data-testid="planner" data-updated={snapshot.atMs}>
      <section className="card planner-form-card" aria-labelledby="planner-title">
        <h2 id="planner-title">Planner</h2>
        <p className="muted small">What fits for a model on a GPU, per KV cache type. GiB = 2³⁰ bytes.</p>
        <form className="planner-form" onSubmit={onSubmit} noValidate aria-describedby={general ? `${uid}-general` : undefined}>
          <Field id={ids.gpu} label="GPU memory (GiB)" error={errors.gpu}>
            {(aria) => <input {...aria} type="number" inputMode="decimal" min={0.25} step="any" value={form.gpuGiB} onChange={set('gpuGiB')} />}
          </Field>
          <div className="presets" role="group" aria-label="GPU memory presets">
            {GPU_PRESETS_GIB.map((g) => (
              <button key={g} type="button" className="preset" aria-pressed={Number(form.gpuGiB) === g} onClick={() => setForm((f) => ({ ...f, gpuGiB: String(g) }))}>
                {g} GiB
              </button>
            ))}
            {thisGpus.map((g) => (
              <button key={g.id} type="button" className="preset" aria-pressed={Number(form.gpuGiB) === g.gib} title={g.name} onClick={() => setForm((f) => ({ ...f, gpuGiB: String(g.gib) }))}>
                This GPU ({g.gib} GiB)
              </button>
            ))}
          </div>
          <Field id={ids.model} label="Model" hint="A name from Headroom's catalog (Ollama-style names work)." error={errors.model}>
            {(aria) => <input {...aria} type="text" list={`${uid}-models`} autoComplete="off" spellCheck={false} value={form.model} onChange={set('model')} />}
          </Field>
          <datalist id={`${uid}-models`}>
            {MODEL_SUGGESTIONS.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
          <Field id={ids.quant} label="Weight quantization" hint="Empty: the catalog's usual quant (e.g. Q4_K_M)." error={errors.quant}>
            {(aria) => <input {...aria} type="text" list={`${uid}-quants`} autoComplete="off" spellCheck={false} placeholder="default" value={form.quant} onChange={set('quant')} />}
          </Field>
          <datalist id={`${uid}-quants`}>
            {QUANT_SUGGESTIONS.map((q) => (
              <option key={q} value={q} />
            ))}
          </datalist>
          <div className="field-pair">
            <Field id={ids.context} label="Context per user (tokens)" error={errors.context}>
              {(aria) => <input {...aria} type="number" inputMode="numeric" min={256} step={256} list={`${uid}-contexts`} value={form.context} onChange={set('context')} />}
            </Field>
            <Field id={ids.users} label="Users" error={errors.users}>
              {(aria) => <input {...aria} type="number" inputMode="numeric" min={1} max={256} step={1} value={form.users} onChange={set('users')} />}
            </Field>
          </div>
          <datalist id={`${uid}-contexts`}>
            {CONTEXT_SUGGESTIONS.map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
          <div className="planner-actions">
            <button type="submit" className="primary" disabled={pending} data-testid="plan-submit">
              {pending ? 'Planning…' : 'Plan'}
            </button>
          </div>
          {general && (
            <p className="field-error" id={`${uid}-general`} role="alert" data-testid="error-general">
              {general}
            </p>
          )}
        </form>
      </section>
      {plan ? (
        <PlanResult plan={plan} />
      ) : (
        <section className="card plan-result" aria-label="Plan">
          <p className="muted">{pending ? 'Planning…' : 'Fill in the form and press Plan.'}</p>
        </section>
      )}
    </div>
  );
}
