import type { ReactNode } from 'react';
import { fieldId } from './settings-form';

/** Error text under a control; the control points at it with aria-describedby. */
export function FieldError({ path, error }: { path: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <p className="field-error" id={`${fieldId(path)}-error`} data-testid={`error-${path}`}>
      {error}
    </p>
  );
}

/** ARIA wiring for a control with an optional error and hint. */
export function describedBy(path: string, error: string | undefined, hint?: boolean): { 'aria-invalid'?: true; 'aria-describedby'?: string } {
  const ids = [error ? `${fieldId(path)}-error` : null, hint ? `${fieldId(path)}-hint` : null].filter(Boolean);
  return { ...(error ? { 'aria-invalid': true as const } : {}), ...(ids.length ? { 'aria-describedby': ids.join(' ') } : {}) };
}

export interface TextFieldProps {
  path: string;
  label: string;
  value: string;
  onChange(v: string): void;
  error?: string | undefined;
  hint?: ReactNode;
  type?: 'text' | 'number' | 'url' | 'password';
  inputMode?: 'numeric' | 'decimal' | 'url';
  unit?: string;
  placeholder?: string;
  autoComplete?: string;
}

/** A labelled input with its unit, hint and error. */
export function TextField({ path, label, value, onChange, error, hint, type = 'text', inputMode, unit, placeholder, autoComplete = 'off' }: TextFieldProps) {
  const id = fieldId(path);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="field-control">
        <input
          id={id}
          name={path}
          type={type}
          inputMode={inputMode}
          value={value}
          placeholder={placeholder}
          autoComplete={autoComplete}
          spellCheck={false}
          onChange={(e) => onChange(e.target.value)}
          {...describedBy(path, error, hint !== undefined)}
        />
        {unit && <span className="unit" aria-hidden="true">{unit}</span>}
      </div>
      {hint !== undefined && (
        <p className="hint muted small" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <FieldError path={path} error={error} />
    </div>
  );
}

/** A labelled checkbox (switch-like). */
export function CheckField({ path, label, checked, onChange, hint }: { path: string; label: string; checked: boolean; onChange(v: boolean): void; hint?: ReactNode }) {
  const id = fieldId(path);
  return (
    <div className="field field-check">
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={hint !== undefined ? `${id}-hint` : undefined} />
      <label htmlFor={id}>{label}</label>
      {hint !== undefined && (
        <p className="hint muted small" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
