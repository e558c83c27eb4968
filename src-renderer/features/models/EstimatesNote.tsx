import { describeEstimate } from './format';

export interface EstimatesNoteProps {
  estimates: readonly string[];
  notes: readonly string[];
  /** Where the architecture (layers, heads, KV widths) came from. */
  architectureSource?: string | null;
  weightsSource?: string | null;
  /** The llama.cpp allocation rules the KV figures follow ("llama.cpp b4615 rules (…)"). */
  ruleSet?: string | null;
}

/** Which figures are estimates and where the inputs came from: one visible line, details on demand. */
export function EstimatesNote({ estimates, notes, architectureSource, weightsSource, ruleSet }: EstimatesNoteProps) {
  const parts = estimates.map(describeEstimate);
  return (
    <div className="estimates small" data-testid="estimates">
      <p className="muted">
        KV cache figures are exact{ruleSet ? <span data-testid="rule-set"> ({ruleSet})</span> : <> (llama.cpp&apos;s allocation rules)</>}.{' '}
        {parts.length > 0 && <>Estimated: {parts.map((p) => p.name).join(', ')}. </>}
        {architectureSource && <>Architecture from {architectureSource}.</>}
      </p>
      {(parts.length > 0 || notes.length > 0 || weightsSource) && (
        <details>
          <summary>How these figures were made</summary>
          <ul>
            {weightsSource && <li>Weights: {weightsSource}</li>}
            {parts.map((p) => (
              <li key={p.name}>
                Estimate, {p.name}: {p.basis}
              </li>
            ))}
            {notes.map((n) => (
              <li key={n}>Note: {n}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}
