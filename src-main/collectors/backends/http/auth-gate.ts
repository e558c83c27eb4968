/**
 * Keeps a collector from hammering protected paths after a 401: once refused, protected paths
 * are asked again only after `retryMs` (30 s by default). Public paths keep being polled.
 */
export class AuthGate {
  private refusedAtMs: number | null = null;
  private lastMessage: string | null = null;

  constructor(
    private readonly now: () => number,
    private readonly retryMs = 30_000,
  ) {}

  /** Whether protected paths may be requested now. */
  canTry(): boolean {
    return this.refusedAtMs === null || this.now() - this.refusedAtMs >= this.retryMs;
  }

  /** Records a 401 and the sentence to repeat until the next try. */
  refused(message: string): void {
    this.refusedAtMs = this.now();
    this.lastMessage = message;
  }

  /** Records that a protected path answered. */
  accepted(): void {
    this.refusedAtMs = null;
    this.lastMessage = null;
  }

  /** The message of the last refusal, while the gate is closed. */
  get message(): string | null {
    return this.canTry() ? null : this.lastMessage;
  }
}
