/**
 * The part every backend collector shares: one AbortController that `dispose()` fires, so an
 * in-flight read ends at once and later reads answer without touching the network.
 */
export class CollectorLifetime {
  private readonly controller = new AbortController();

  get isDisposed(): boolean {
    return this.controller.signal.aborted;
  }

  /** The caller's signal joined with this collector's own. */
  signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal ? AbortSignal.any([signal, this.controller.signal]) : this.controller.signal;
  }

  dispose(): void {
    this.controller.abort();
  }
}
