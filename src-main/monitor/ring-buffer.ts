/** Fixed-capacity ring buffer with O(1) push and a `since(atMs)` query (items carry `atMs`). */
export class RingBuffer<T extends { atMs: number }> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('capacity must be a positive integer');
    this.items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity;
    this.items[end] = item;
    if (this.count < this.capacity) this.count += 1;
    else this.start = (this.start + 1) % this.capacity;
  }

  oldest(): T | undefined {
    return this.count ? this.items[this.start] : undefined;
  }

  latest(): T | undefined {
    return this.count ? this.items[(this.start + this.count - 1) % this.capacity] : undefined;
  }

  /** Items with `atMs >= sinceMs`, oldest first (assumes pushes in time order). */
  since(sinceMs: number): T[] {
    // binary search for the first index with atMs >= sinceMs
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const item = this.items[(this.start + mid) % this.capacity]!;
      if (item.atMs < sinceMs) lo = mid + 1;
      else hi = mid;
    }
    const out: T[] = [];
    for (let i = lo; i < this.count; i++) out.push(this.items[(this.start + i) % this.capacity]!);
    return out;
  }

  toArray(): T[] {
    return this.since(-Infinity);
  }
}
