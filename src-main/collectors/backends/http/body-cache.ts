/**
 * Reuses what was made of a response body when the next body from the same endpoint is
 * byte-identical (issue 12): an idle server answers the same JSON or Prometheus text every
 * second, and comparing two strings costs far less than `JSON.parse`, a zod walk or a
 * Prometheus parse. A changed body (even one byte) is decoded afresh. Results the caller marks
 * as not reusable (failures) are never kept.
 *
 * Callers must treat a returned value as read-only: the same object comes back on every hit.
 */
export class BodyCache {
  private readonly entries = new Map<string, { text: string; value: unknown }>();

  /**
   * `decode(text)`, or the value decoded from the previous body under `key` when `text` is
   * identical to it. `isReusable` (default: always) decides whether a fresh result is kept.
   */
  decode<T>(key: string, text: string, decode: (text: string) => T, isReusable: (value: T) => boolean = () => true): T {
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.text === text) return hit.value as T;
    const value = decode(text);
    if (isReusable(value)) this.entries.set(key, { text, value });
    else this.entries.delete(key);
    return value;
  }

  /** Forget one endpoint (e.g. after it failed). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forget everything (the server went away: whatever it serves next is read afresh). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
