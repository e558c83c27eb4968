/**
 * Who holds the VRAM: runs `nvidia-smi --query-compute-apps=…` every few seconds (a one-shot
 * command, never per tick, never overlapping) and keeps the latest parsed list for the monitor.
 */
import { execFile } from 'node:child_process';
import type { Disposable } from '../../../shared/lifecycle/disposable';
import type { Logger } from '../../util/logger';
import { COMPUTE_APPS_ARGS, parseComputeApps, type ComputeAppsResult } from './compute-apps.parse';

export interface ComputeAppsPollerOptions {
  path: string;
  intervalMs?: number;
  timeoutMs?: number;
  logger: Logger;
}

export class ComputeAppsPoller implements Disposable {
  private result: ComputeAppsResult | null = null;
  private error: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private disposed = false;

  constructor(private readonly options: ComputeAppsPollerOptions) {
    this.poll();
    this.timer = setInterval(() => this.poll(), options.intervalMs ?? 5000);
    this.timer.unref();
  }

  /** The latest process list, or null before the first answer / after a failure. */
  latest(): ComputeAppsResult | null {
    return this.result;
  }

  lastError(): string | null {
    return this.error;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
  }

  private poll(): void {
    if (this.running || this.disposed) return;
    this.running = true;
    execFile(this.options.path, [...COMPUTE_APPS_ARGS], { timeout: this.options.timeoutMs ?? 3000, maxBuffer: 1024 * 1024, windowsHide: true, encoding: 'utf8' }, (error, stdout) => {
      this.running = false;
      if (this.disposed) return;
      if (error) {
        const message = `nvidia-smi --query-compute-apps failed: ${(error as Error).message.split('\n')[0]}`;
        if (message !== this.error) this.options.logger.warn(message);
        this.error = message;
        this.result = null;
        return;
      }
      this.error = null;
      this.result = parseComputeApps(stdout);
    });
  }
}
