/**
 * Turns a monotonic counter (Prometheus `_total`) into a rate between two successive reads.
 * The first read, a counter that went backwards (server restarted) and a zero interval give null.
 */
export class CounterRate {
  private last: { value: number; atMs: number } | null = null;

  /** Returns the rate per second since the previous read, or null. */
  update(value: number | null, atMs: number): number | null {
    if (value === null || !Number.isFinite(value)) {
      this.last = null;
      return null;
    }
    const previous = this.last;
    this.last = { value, atMs };
    if (!previous) return null;
    const elapsedMs = atMs - previous.atMs;
    if (elapsedMs <= 0 || value < previous.value) return null;
    return ((value - previous.value) * 1000) / elapsedMs;
  }

  reset(): void {
    this.last = null;
  }
}
