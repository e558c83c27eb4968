import type { GpuReading } from '../../../shared/model/snapshot';
import { CheckField, TextField } from './Field';
import type { FieldErrors, GpuDraft } from './settings-form';

/** Per-GPU thresholds: empty = the global ones; "No VRAM alerts" for e.g. a display-only card. */
export function PerGpuEditor(props: {
  gpus: GpuReading[];
  perGpu: Record<string, GpuDraft>;
  errors: FieldErrors;
  globalWarning: string;
  globalCritical: string;
  onChange(perGpu: Record<string, GpuDraft>): void;
}) {
  const { gpus, perGpu, errors, globalWarning, globalCritical, onChange } = props;
  const row = (id: string): GpuDraft => perGpu[id] ?? { warningPct: '', criticalPct: '', ignoreVram: false };
  const update = (id: string, patch: Partial<GpuDraft>) => onChange({ ...perGpu, [id]: { ...row(id), ...patch } });
  return (
    <fieldset className="per-gpu" data-testid="per-gpu-thresholds">
      <legend>Per GPU (empty: use the thresholds above)</legend>
      {gpus.map((g) => {
        const path = `monitor.perGpu.${g.index}`;
        const r = row(g.id);
        return (
          <div key={g.id} className="field-row per-gpu-row" data-testid={`per-gpu-${g.id}`}>
            <p className="per-gpu-name">
              <strong>{g.name}</strong> <span className="muted">({g.id})</span>
            </p>
            <TextField path={`${path}.warningPct`} label={`Warning for ${g.id}`} unit="%" type="number" inputMode="decimal" placeholder={globalWarning} value={r.warningPct} onChange={(warningPct) => update(g.id, { warningPct })} error={errors[`${path}.warningPct`]} />
            <TextField path={`${path}.criticalPct`} label={`Critical for ${g.id}`} unit="%" type="number" inputMode="decimal" placeholder={globalCritical} value={r.criticalPct} onChange={(criticalPct) => update(g.id, { criticalPct })} error={errors[`${path}.criticalPct`]} />
            <CheckField path={`${path}.ignoreVram`} label={`No VRAM alerts for ${g.id}`} checked={r.ignoreVram} onChange={(ignoreVram) => update(g.id, { ignoreVram })} />
          </div>
        );
      })}
    </fieldset>
  );
}
