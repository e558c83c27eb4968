/**
 * Probe runs inside `headroom serve` / the tray app: one at a time, cancellable, each saved as it
 * finishes; the dashboard starts, polls, lists, cancels and exports them through the contract.
 */
import { randomBytes } from 'node:crypto';
import type { ExportFile } from '../../shared/contract/requests';
import type { ProbeReport, ProbeRequest, ProbeSummary } from '../../shared/contract/probe';
import { err, ok, type Result } from '../../shared/contract/result';
import type { KvCacheType } from '../../shared/estimator/ggml-types';
import type { BackendKind } from '../../shared/model/snapshot';
import type { Logger } from '../util/logger';
import { createDriver } from './create-driver';
import type { GpuWatch } from './gpu-watch';
import { runProbe } from './loop';
import { probeToCsv, ProbeStore, summarize } from './store';

export interface ProbeServiceOptions {
  store: ProbeStore | null;
  gpu: GpuWatch | null;
  logger: Logger;
  /** KV type the Ollama server runs with, as far as Headroom knows (OLLAMA_KV_CACHE_TYPE). */
  defaultKvType: KvCacheType;
  /** Detects a server's kind when the request leaves it out. */
  identify: (url: string) => Promise<BackendKind | null>;
  /** API key for a configured server, if any. */
  apiKeyFor?: (url: string) => string | null;
  now?: () => number;
  /** Per-step wait for the GPU stream's next reading. */
  settleMs?: number;
}

export function newProbeId(nowMs: number): string {
  return `${new Date(nowMs).toISOString().slice(0, 19).replace(/[:T]/g, '-')}-${randomBytes(3).toString('hex')}`;
}

export class ProbeService {
  private running: { report: ProbeReport; abort: AbortController; done: Promise<void> } | null = null;
  private readonly recent = new Map<string, ProbeReport>();

  constructor(private readonly options: ProbeServiceOptions) {}

  async start(req: ProbeRequest): Promise<Result<ProbeReport>> {
    if (this.running) return err('unavailable', `A probe is already running (${this.running.report.model}); cancel it or wait for it to finish.`);
    const url = normalize(req.backendUrl);
    if (!url) return err('bad-request', `backendUrl: "${req.backendUrl}" is not an http(s) address.`);
    const kind = req.kind ?? (await this.options.identify(url));
    if (!kind) return err('bad-request', `backendUrl: no known LLM server answers at ${url}. Is it running, and is the port right?`);
    const now = this.options.now ?? Date.now;
    const id = newProbeId(now());
    const abort = new AbortController();
    const driver = createDriver(kind, url, req.model, this.options.apiKeyFor?.(url) ?? null);
    let first: ProbeReport | null = null;
    const entry = { report: null as unknown as ProbeReport, abort, done: Promise.resolve() };
    entry.done = runProbe({
      id,
      driver,
      backend: { kind, url },
      model: req.model,
      settings: {
        fromTokens: req.fromTokens ?? 4096,
        toTokens: req.toTokens ?? null,
        kvTypes: req.kvTypes ?? [this.options.defaultKvType],
        stopAtPct: req.stopAtPct ?? 90,
        minTokensPerSecond: req.minTokensPerSecond ?? 5,
        generateTokens: req.generateTokens ?? 32,
        gpuId: req.gpuId ?? null,
      },
      gpu: this.options.gpu,
      signal: abort.signal,
      now,
      ...(this.options.settleMs !== undefined ? { settleMs: this.options.settleMs } : {}),
      onUpdate: (r) => {
        first ??= r;
        entry.report = r;
      },
    }).then(
      async (final) => {
        entry.report = final;
        this.recent.set(final.id, final);
        this.running = null;
        this.options.logger.info(`probe ${final.id} (${final.model}): ${final.status}${final.stopReason ? `: ${final.stopReason}` : ''}; ${final.restore?.message ?? ''}`);
        if (this.options.store) {
          try {
            await this.options.store.save(final);
          } catch (error) {
            this.options.logger.error(`probe ${final.id}: cannot save the report: ${(error as Error).message}`);
          }
        }
      },
      (error: unknown) => {
        this.running = null;
        this.options.logger.error(`probe ${id}: ${(error as Error).message}`);
      },
    );
    this.running = entry;
    return ok(first ?? entry.report);
  }

  cancel(id: string): Result<{ message: string }> {
    if (!this.running || this.running.report.id !== id) {
      return err('bad-request', this.recent.has(id) ? `id: probe ${id} has already finished.` : `id: no running probe ${id}.`);
    }
    this.running.abort.abort();
    return ok({ message: 'Cancelling: the current request is stopped and the server restored.' });
  }

  async get(id: string): Promise<Result<ProbeReport>> {
    if (this.running?.report.id === id) return ok(this.running.report);
    const r = this.recent.get(id) ?? (await this.options.store?.read(id)) ?? null;
    return r ? ok(r) : err('bad-request', `id: no probe ${id}.`);
  }

  async list(): Promise<ProbeSummary[]> {
    const saved = (await this.options.store?.list()) ?? [];
    const extra = [...this.recent.values()].filter((r) => !saved.some((s) => s.id === r.id)).map(summarize);
    const live = this.running ? [summarize(this.running.report)] : [];
    return [...live, ...extra, ...saved].sort((a, b) => b.startedAtMs - a.startedAtMs);
  }

  async export(id: string, format: 'csv' | 'json'): Promise<Result<ExportFile>> {
    const r = await this.get(id);
    if (!r.ok) return r;
    return ok({
      fileName: `headroom-probe-${id}.${format}`,
      mimeType: format === 'csv' ? 'text/csv' : 'application/json',
      text: format === 'csv' ? probeToCsv(r.value) : `${JSON.stringify(r.value, null, 1)}\n`,
      skippedLines: 0,
    });
  }

  /** Stops a running probe and waits for its restore (shutdown). */
  async dispose(): Promise<void> {
    const r = this.running;
    if (!r) return;
    r.abort.abort();
    await r.done;
  }
}

function normalize(raw: string): string | null {
  try {
    const u = new URL(/^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}
