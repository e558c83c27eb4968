/** JSON over HTTP for the probe drivers: the shared `httpRequest` with the probe's long timeouts, errors as sentences. */
import { hostPort, httpRequest, parseJson } from '../../util/http';

export type JsonReply = { ok: true; status: number; body: unknown; text: string } | { ok: false; message: string; aborted: boolean };

export async function requestJson(url: string, options: { method?: 'GET' | 'POST'; body?: unknown; timeoutMs: number; signal?: AbortSignal; apiKey?: string | null }): Promise<JsonReply> {
  const headers: Record<string, string> = {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const res = await httpRequest(url, {
    method: options.method ?? 'GET',
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    timeoutMs: options.timeoutMs,
    maxBytes: 16 * 1024 * 1024,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const where = hostPort(url);
  if (!res.ok) {
    const why = res.kind === 'refused' ? 'connection refused. Is it running?' : res.kind === 'timeout' ? `${res.message}.` : `${res.message}.`;
    return { ok: false, message: `${where}: ${why}`, aborted: res.kind === 'aborted' };
  }
  const parsed = parseJson(res.text);
  return { ok: true, status: res.status, body: parsed.ok ? parsed.value : null, text: res.text };
}

/** The `error` field of a JSON error body (Ollama `{error}`, OpenAI `{error:{message}}`), else the text. */
export function errorText(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const e = (body as { error?: unknown }).error;
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  }
  return text.slice(0, 300) || 'no detail';
}

export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
