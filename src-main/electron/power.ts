/**
 * Sleep, resume and the ways a tray app is told to stop (issue 11 item 9).
 *
 * - powerMonitor `suspend` / `resume` (Electron docs, powerMonitor): sampling stops before the
 *   machine sleeps and starts again a few seconds after it wakes (drivers and LLM servers need
 *   a moment), so no stream is judged "silent for 40 minutes" and restarted all at once, and no
 *   alert fires on the first confused sample. A pause the user chose stays.
 * - `SIGTERM`, `SIGINT` and `SIGHUP` quit through `app.quit()` like the tray's Quit, so the
 *   history and settings are flushed. On Windows, closing the console `npm start` runs in
 *   delivers SIGHUP (Node docs, "Signal events": "'SIGHUP' is generated on Windows when the
 *   console window is closed"); powerMonitor `shutdown` (Linux, macOS) delays a system
 *   shutdown until Headroom has exited.
 */
export const QUIT_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export interface PowerPolicyDeps {
  /** Core sampling on/off (create-core `setPaused`). */
  setSampling(on: boolean): void;
  /** The user paused monitoring from the tray: resume must not undo that. */
  isUserPaused(): boolean;
  /** Delay before sampling starts again after `resume`. Default 5 s. */
  resumeDelayMs?: number;
  log?(message: string): void;
}

export interface PowerPolicy {
  onSuspend(): void;
  onResume(): void;
  /** The user toggled pause: a pending resume follows the new choice. */
  readonly isSuspended: boolean;
  dispose(): void;
}

export function createPowerPolicy(deps: PowerPolicyDeps): PowerPolicy {
  let suspended = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const clear = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return {
    onSuspend() {
      clear();
      if (suspended) return;
      suspended = true;
      deps.setSampling(false);
      deps.log?.('System going to sleep: sampling paused.');
    },
    onResume() {
      if (!suspended) return;
      clear();
      timer = setTimeout(() => {
        timer = null;
        suspended = false;
        if (!deps.isUserPaused()) deps.setSampling(true);
        deps.log?.('System resumed: sampling again.');
      }, deps.resumeDelayMs ?? 5_000);
      timer.unref?.();
    },
    get isSuspended() {
      return suspended;
    },
    dispose: clear,
  };
}

/** Wires quit signals to `quit`; returns the function that removes the listeners. */
export function onQuitSignals(proc: Pick<NodeJS.Process, 'on' | 'off'>, quit: (signal: string) => void): () => void {
  const handlers = QUIT_SIGNALS.map((sig) => [sig, () => quit(sig)] as const);
  for (const [sig, h] of handlers) proc.on(sig, h);
  return () => {
    for (const [sig, h] of handlers) proc.off(sig, h);
  };
}
