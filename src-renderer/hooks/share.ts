/**
 * Structural sharing: `next` with every part that deep-equals the same part of `prev` replaced by
 * `prev`'s object. A Snapshot arrives as freshly parsed JSON each tick; sharing its unchanged parts
 * (the GPUs, models, sources, alerts that did not move) lets memoised components skip them.
 * Plain JSON data only (objects, arrays, primitives).
 */
export function share<T>(prev: unknown, next: T): T {
  if (prev === next) return next;
  if (typeof prev !== 'object' || typeof next !== 'object' || prev === null || next === null) return next;
  if (Array.isArray(next)) {
    if (!Array.isArray(prev)) return next;
    let same = prev.length === next.length;
    const out = next.map((v: unknown, i) => {
      const s = share(prev[i], v);
      if (s !== prev[i]) same = false;
      return s;
    });
    return (same ? prev : out) as T;
  }
  if (Array.isArray(prev)) return next;
  const p = prev as Record<string, unknown>;
  const n = next as Record<string, unknown>;
  const keys = Object.keys(n);
  let same = keys.length === Object.keys(p).length;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const s = share(p[k], n[k]);
    out[k] = s;
    if (s !== p[k] || !(k in p)) same = false;
  }
  return (same ? prev : out) as T;
}
