import { err, ok, type Result } from '../../shared/contract/result';
import { hostPort, httpRequest, parseJson } from '../util/http';

export interface UnloadOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

function errorField(text: string): string | null {
  const parsed = parseJson(text);
  if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return null;
  const e = (parsed.value as { error?: unknown }).error;
  return typeof e === 'string' ? e : null;
}

/**
 * Unloads `model` from the Ollama server at `baseUrl` now: `POST /api/generate` with
 * `{ model, keep_alive: 0 }` (Ollama docs, "unload a model"). The value is a sentence for the
 * dashboard; an error names the server, the cause and the next step. Never throws.
 */
export async function unloadOllamaModel(baseUrl: string, model: string, options: UnloadOptions = {}): Promise<Result<string>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  if (!/^https?:\/\//i.test(baseUrl)) return err('bad-request', `Ollama address "${baseUrl}" is not an http(s) URL. Check it in Settings.`);
  if (model.trim() === '') return err('bad-request', 'No model name given to unload.');
  const where = `Ollama at ${hostPort(baseUrl)}`;
  const res = await httpRequest(`${baseUrl.replace(/\/+$/, '')}/api/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, keep_alive: 0 }),
    timeoutMs,
    maxBytes: 64 * 1024,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!res.ok) {
    switch (res.kind) {
      case 'timeout':
        return err('timeout', `${where}: no answer within ${timeoutMs} ms while unloading ${model}. It may still be unloading; check \`ollama ps\`.`);
      case 'refused':
        return err('unavailable', `${where}: connection refused. Is it running?`);
      case 'aborted':
        return err('unavailable', `${where}: unloading ${model} was cancelled.`);
      default:
        return err('unavailable', `${where}: ${res.message} while unloading ${model}. Is the address right?`);
    }
  }
  if (res.status === 404) {
    return err('bad-request', `${where}: ${errorField(res.text) ?? `model "${model}" not found`}. Check the name with \`ollama ps\`.`);
  }
  if (res.status < 200 || res.status >= 300) {
    const detail = errorField(res.text);
    return err('unavailable', `${where}: answered HTTP ${res.status}${detail ? ` (${detail})` : ''} while unloading ${model}. Try \`ollama stop ${model}\`.`);
  }
  return ok(`Unloaded ${model} from ${where}; its memory is free once \`ollama ps\` no longer lists it.`);
}
