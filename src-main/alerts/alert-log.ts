/** The last N alert transitions, newest first, for the dashboard's alert history. */
import type { AlertTransition } from '../../shared/alerts/rules';

export class AlertLog {
  private readonly entries: AlertTransition[] = [];
  constructor(private readonly capacity = 500) {}

  add(transitions: readonly AlertTransition[]): void {
    for (const t of transitions) {
      this.entries.unshift(t);
      if (this.entries.length > this.capacity) this.entries.pop();
    }
  }

  list(limit = 100): AlertTransition[] {
    return this.entries.slice(0, limit);
  }
}
