/** The Probe page's form: defaults from the Snapshot, checks the browser can make, the request it sends (pure). */
import type { ProbeRequest } from '../../../shared/contract/probe';
import type { BackendKind, Snapshot } from '../../../shared/model/snapshot';

export interface Form {
  url: string;
  kind: BackendKind | '';
  model: string;
  from: string;
  to: string;
  stopAt: string;
  minTps: string;
  kv: string;
}

export type Field = 'url' | 'model' | 'from' | 'to' | 'stopAt' | 'minTps';
export const POLL_MS = 500;
export const KINDS: { value: BackendKind | ''; label: string }[] = [
  { value: '', label: 'Detect' },
  { value: 'ollama', label: 'Ollama' },
  { value: 'llamacpp', label: 'llama.cpp server' },
  { value: 'vllm', label: 'vLLM' },
  { value: 'lmstudio', label: 'LM Studio' },
  { value: 'openai', label: 'OpenAI-compatible' },
];

export function initialForm(s: Snapshot): Form {
  const b = s.backends.find((x) => x.kind === 'ollama' && x.models.length) ?? s.backends.find((x) => x.models.length) ?? s.backends[0];
  return { url: b?.url ?? 'http://127.0.0.1:11434', kind: b?.kind ?? '', model: b?.models[0]?.name ?? '', from: '4096', to: '', stopAt: '90', minTps: '5', kv: '' };
}

/** Field names in server messages ("toTokens: must…") → the form's fields. */
export const SERVER_FIELDS: Record<string, Field> = { backendUrl: 'url', model: 'model', fromTokens: 'from', toTokens: 'to', stopAtPct: 'stopAt', minTokensPerSecond: 'minTps' };

export function toRequest(f: Form): { request: ProbeRequest | null; errors: Partial<Record<Field, string>> } {
  const e: Partial<Record<Field, string>> = {};
  const int = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : NaN);
  if (!f.url.trim()) e.url = 'enter the server address, e.g. http://127.0.0.1:11434';
  if (!f.model.trim()) e.model = 'enter the model name';
  const from = int(f.from);
  if (!(from >= 256)) e.from = 'enter a whole number of tokens, 256 or more';
  const to = f.to.trim() === '' ? null : int(f.to);
  if (to !== null && !(to >= 256)) e.to = 'enter a whole number of tokens, or leave empty for the model maximum';
  else if (to !== null && to < from) e.to = 'must not be below the first context';
  const stop = Number(f.stopAt);
  if (f.stopAt.trim() === '' || !(stop >= 10 && stop <= 100)) e.stopAt = 'enter a percentage from 10 to 100';
  const tps = Number(f.minTps);
  if (f.minTps.trim() === '' || !(tps >= 0)) e.minTps = 'enter a number of tokens per second, 0 or more';
  if (Object.keys(e).length) return { request: null, errors: e };
  return {
    request: {
      backendUrl: f.url.trim(),
      ...(f.kind ? { kind: f.kind } : {}),
      model: f.model.trim(),
      fromTokens: from,
      toTokens: to,
      stopAtPct: stop,
      minTokensPerSecond: tps,
      ...(f.kv ? { kvTypes: [f.kv as 'f16'] } : {}),
    },
    errors: {},
  };
}

export const eta = (ms: number | null) => (ms === null ? '' : ms < 90_000 ? `about ${Math.max(1, Math.round(ms / 1000))} s left` : `about ${Math.round(ms / 60_000)} min left`);

