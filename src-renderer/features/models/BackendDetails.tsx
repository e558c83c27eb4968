import type { LoadedModel, Slot } from '../../../shared/model/snapshot';
import { formatRate, formatRatio, formatTokens } from './format';

/** A horizontal fill bar with an accessible name and value (role="meter"). */
export function FillBar({ ratio, label, warn, unknown = false }: { ratio: number; label: string; warn: boolean; unknown?: boolean }) {
  const pct = Math.round(Math.min(1, Math.max(0, ratio)) * 100);
  return (
    <div
      className={`bar fill-bar${warn ? ' fill-bar-warn' : ''}${unknown ? ' fill-bar-unknown' : ''}`}
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-valuetext={unknown ? 'not reported' : `${pct}%`}
    >
      <div className="bar-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

const NEAR_FULL_RATIO = 0.9;

/** vLLM: KV-cache block usage (its headroom), the queue, maximum concurrency, preemptions, token rates. */
export function VllmDetails({ model }: { model: LoadedModel }) {
  const ratio = model.kvCacheUsageRatio ?? null;
  const cfg = model.cacheConfig ?? null;
  const preempt = model.preemptionsPerMinute ?? null;
  return (
    <div className="backend-details" data-testid="vllm-details">
      {ratio !== null && (
        <div className="fill-row">
          <div className="fill-row-head">
            <span>KV cache in use</span>
            <span className={ratio >= NEAR_FULL_RATIO ? 'text-warning strong' : 'strong'} data-testid="vllm-kv-usage">
              {formatRatio(ratio)}
            </span>
          </div>
          <FillBar ratio={ratio} label="vLLM KV cache blocks in use" warn={ratio >= NEAR_FULL_RATIO} />
        </div>
      )}
      <dl className="stats stats-compact">
        <div>
          <dt>Requests</dt>
          <dd data-testid="vllm-requests">
            {model.requestsRunning ?? '—'} running · {model.requestsWaiting ?? '—'} waiting
          </dd>
        </div>
        <div>
          <dt>Max concurrency</dt>
          <dd title="Requests at the full context that fit in the KV cache at once">{model.maxConcurrency == null ? '—' : `${model.maxConcurrency.toFixed(1)}× at full context`}</dd>
        </div>
        <div>
          <dt>Preemptions</dt>
          <dd className={preempt !== null && preempt > 0 ? 'text-warning' : undefined}>{preempt === null ? '—' : `${preempt.toFixed(1)}/min`}</dd>
        </div>
        <div>
          <dt>Tokens (prompt · gen.)</dt>
          <dd>
            {formatRate(model.promptTokensPerSecond)} · {formatRate(model.generationTokensPerSecond)}
          </dd>
        </div>
        {model.kvCacheCapacityTokens != null && (
          <div>
            <dt>KV capacity</dt>
            <dd>{formatTokens(model.kvCacheCapacityTokens)}</dd>
          </div>
        )}
      </dl>
      {cfg && (
        <p className="muted small">
          KV cache sized at start-up: {cfg.gpuBlocks === null ? '?' : cfg.gpuBlocks.toLocaleString('en-US')} blocks × {cfg.blockSize ?? '?'} tokens
          {cfg.cacheDtype ? `, ${cfg.cacheDtype}` : ''}
          {cfg.gpuMemoryUtilizationRatio !== null ? `, ${formatRatio(cfg.gpuMemoryUtilizationRatio)} of the GPU preallocated` : ''}.
        </p>
      )}
    </div>
  );
}

function SlotBar({ slot }: { slot: Slot }) {
  const ratio = slot.usedTokens !== null && slot.contextTokens > 0 ? slot.usedTokens / slot.contextTokens : null;
  const warn = ratio !== null && ratio >= NEAR_FULL_RATIO;
  return (
    <li className="fill-row" data-testid={`slot-${slot.id}`} data-warn={warn ? 'true' : 'false'}>
      <div className="fill-row-head">
        <span>
          Slot {slot.id}
          {slot.processing && <span className="muted"> · processing</span>}
        </span>
        <span className={warn ? 'text-warning strong' : 'strong'}>
          {slot.usedTokens === null
            ? `${formatTokens(slot.contextTokens)}; in use not reported`
            : `${slot.usedTokens.toLocaleString('en-US')} / ${formatTokens(slot.contextTokens)} (${formatRatio(ratio)})`}
          {warn && ' · nearly full'}
        </span>
      </div>
      <FillBar ratio={ratio ?? 0} label={`Slot ${slot.id} context fill`} warn={warn} unknown={ratio === null} />
    </li>
  );
}

/** llama.cpp: one bar per slot with its context fill, and whether slots share one KV cache. */
export function LlamaCppSlots({ model }: { model: LoadedModel }) {
  const slots = model.slots ?? [];
  const unified = model.kvUnified ?? null;
  const queue = model.requestsRunning != null || model.requestsWaiting != null;
  return (
    <div className="backend-details" data-testid="llamacpp-slots">
      <p className="small slot-mode">
        {slots.length} slot{slots.length === 1 ? '' : 's'} ·{' '}
        {unified === null ? 'KV cache layout not reported' : unified ? 'unified: slots share one KV cache' : 'split: each slot has its own KV cache'}
        {model.kvCacheCapacityTokens != null && ` · KV capacity ${formatTokens(model.kvCacheCapacityTokens)}`}
        {queue && ` · ${model.requestsRunning ?? '—'} running, ${model.requestsWaiting ?? '—'} waiting`}
      </p>
      {slots.length > 0 && (
        <ul className="slots" aria-label="Slots">
          {slots.map((s) => (
            <SlotBar key={s.id} slot={s} />
          ))}
        </ul>
      )}
    </div>
  );
}
