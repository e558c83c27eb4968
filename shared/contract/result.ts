/** Error codes that cross a boundary (IPC, HTTP). Never throw across one: return a Result. */
/** `unauthorized` (no or wrong token) and `forbidden` (a role that may not, or a refused origin) come from `headroom serve`. */
export type ErrorCode = 'timeout' | 'unavailable' | 'bad-request' | 'internal' | 'unauthorized' | 'forbidden';

/** A value or an error with a sentence naming the thing, the cause and the next step. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err<T = never>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}
