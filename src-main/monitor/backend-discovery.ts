/**
 * Which LLM servers the monitor polls: the configured ones, plus (unless discovery is off) any
 * found at the default local addresses. Re-probes every `reprobeMs` for servers that come and go.
 */
import { toDisposable, type Disposable } from '../../shared/lifecycle/disposable';
import type { BackendKind, SourceStatus } from '../../shared/model/snapshot';
import { createBackendCollector } from '../collectors/backends/create-backend-collector';
import { DEFAULT_DISCOVERY_URLS, identifyBackend } from '../collectors/backends/discovery';
import type { BackendCollector } from '../collectors/types';
import { hostPort } from '../util/http';
import type { Logger } from '../util/logger';

export interface BackendSpec {
  kind: BackendKind | null;
  url: string;
  apiKey: string | null;
}

export interface BackendDiscoveryOptions {
  configured: BackendSpec[];
  discover: boolean;
  timeoutMs: number;
  logger: Logger;
  reprobeMs?: number;
  /** Default addresses to probe; default: Ollama (OLLAMA_HOST or :11434), vLLM :8000, llama.cpp :8080/:9931, LM Studio :1234. */
  candidates?: string[];
  createCollector?: (kind: BackendKind, url: string, apiKey: string | null) => BackendCollector;
  identify?: (url: string, apiKey: string | null) => Promise<BackendKind | null>;
}

export function defaultOllamaUrl(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.OLLAMA_HOST?.trim();
  if (!host) return 'http://127.0.0.1:11434';
  const withScheme = /^https?:\/\//.test(host) ? host : `http://${host}`;
  try {
    const u = new URL(withScheme);
    if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
    if (!u.port) u.port = '11434';
    return u.origin;
  } catch {
    return 'http://127.0.0.1:11434';
  }
}

export class BackendDiscovery implements Disposable {
  private readonly collectors = new Map<string, BackendCollector>();
  /** Discovered (not configured) collectors and how many probes in a row found nothing there. */
  private readonly discovered = new Map<string, number>();
  private readonly configuredSpecs = new Map<string, BackendSpec>();
  private readonly listeners = new Set<(c: BackendCollector[]) => void>();
  private timer: NodeJS.Timeout | null = null;
  private disposed = false;
  private probing = false;
  private readonly candidates: string[];
  private unresolved: BackendSpec[] = [];

  private readonly options: BackendDiscoveryOptions;

  constructor(options: BackendDiscoveryOptions) {
    this.options = { ...options };
    this.candidates = options.candidates ?? [...new Set([defaultOllamaUrl(), ...DEFAULT_DISCOVERY_URLS])];
  }

  async start(): Promise<void> {
    for (const spec of this.options.configured) {
      if (spec.kind) this.add(spec.kind, spec.url, spec.apiKey);
      else this.unresolved.push(spec);
    }
    await this.probe();
    if (this.unresolved.length || this.options.discover) {
      this.timer = setInterval(() => void this.probe(), this.options.reprobeMs ?? 30_000);
      this.timer.unref();
    }
  }

  /** Replaces the configured servers (settings changed): removed ones stop, new ones start. */
  async setConfigured(specs: BackendSpec[]): Promise<void> {
    const key = (s: { url: string }) => s.url.replace(/\/+$/, '');
    const wanted = new Map(specs.map((s) => [key(s), s]));
    for (const c of [...this.collectors.values()]) {
      if (this.discovered.has(c.id)) continue;
      const spec = wanted.get(key(c));
      const prev = this.configuredSpecs.get(c.id);
      if (!spec || (spec.kind && spec.kind !== c.kind) || (prev && prev.apiKey !== spec.apiKey)) this.remove(c.id, 'removed or changed in settings');
    }
    this.unresolved = [];
    for (const spec of wanted.values()) {
      const existing = [...this.collectors.values()].find((c) => key(c) === key(spec) && !this.discovered.has(c.id));
      if (existing) continue;
      // A configured server replaces a discovered collector for the same address.
      const found = [...this.collectors.values()].find((c) => key(c) === key(spec));
      if (found) this.remove(found.id, 'now configured in settings');
      if (spec.kind) this.add(spec.kind, spec.url, spec.apiKey);
      else this.unresolved.push(spec);
    }
    if (this.unresolved.length) await this.probe();
  }

  /** Turns discovery of default addresses on or off. */
  setDiscover(discover: boolean): void {
    if (this.options.discover === discover) return;
    this.options.discover = discover;
    if (!discover) for (const id of [...this.discovered.keys()]) this.remove(id, 'discovery turned off');
    if (discover && !this.timer) {
      this.timer = setInterval(() => void this.probe(), this.options.reprobeMs ?? 30_000);
      this.timer.unref();
    }
    if (discover) void this.probe();
  }

  onChange(listener: (c: BackendCollector[]) => void): Disposable {
    this.listeners.add(listener);
    listener(this.list());
    return toDisposable(() => this.listeners.delete(listener));
  }

  list(): BackendCollector[] {
    return [...this.collectors.values()];
  }

  /** Source lines: the empty state, and configured servers whose kind could not be identified. */
  sourceStatus(): SourceStatus[] {
    const out: SourceStatus[] = [];
    for (const spec of this.unresolved) {
      out.push({ id: `backend:${hostPort(spec.url)}`, label: 'LLM server', status: 'error', message: `No known LLM server answers at ${hostPort(spec.url)} (tried Ollama). Is it running? Give its kind with --backend KIND=URL.` });
    }
    if (this.options.discover && this.collectors.size === 0) {
      out.push({ id: 'discovery', label: 'LLM servers', status: 'unavailable', message: `No LLM server found at ${this.candidates.map(hostPort).join(', ')}. Start one, or add one with --backend KIND=URL.` });
    } else if (!this.options.discover && this.collectors.size === 0 && this.unresolved.length === 0) {
      out.push({ id: 'discovery', label: 'LLM servers', status: 'unavailable', message: 'Discovery is off (--no-discover) and no server is configured: add one with --backend KIND=URL.' });
    }
    return out;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearInterval(this.timer);
    for (const c of this.collectors.values()) c.dispose();
    this.collectors.clear();
    this.listeners.clear();
  }

  private add(kind: BackendKind, url: string, apiKey: string | null, isDiscovered = false): void {
    const collector = (this.options.createCollector ?? defaultCreateCollector(this.options))(kind, url.replace(/\/+$/, ''), apiKey);
    if (this.collectors.has(collector.id)) {
      collector.dispose();
      return;
    }
    this.collectors.set(collector.id, collector);
    if (isDiscovered) this.discovered.set(collector.id, 0);
    else this.configuredSpecs.set(collector.id, { kind, url, apiKey });
    this.options.logger.info(`polling ${collector.id}`);
    this.emit();
  }

  private remove(id: string, why: string): void {
    const c = this.collectors.get(id);
    if (!c) return;
    c.dispose();
    this.collectors.delete(id);
    this.discovered.delete(id);
    this.configuredSpecs.delete(id);
    this.options.logger.info(`stopped polling ${id}: ${why}`);
    this.emit();
  }

  private emit(): void {
    const list = this.list();
    for (const l of this.listeners) l(list);
  }

  private async probe(): Promise<void> {
    if (this.probing || this.disposed) return;
    this.probing = true;
    try {
      const identify = this.options.identify ?? ((url: string, apiKey: string | null) => identifyBackend(url, { timeoutMs: this.options.timeoutMs, apiKey }));
      const still: BackendSpec[] = [];
      for (const spec of this.unresolved) {
        const kind = await identify(spec.url, spec.apiKey);
        if (this.disposed) return;
        if (kind) this.add(kind, spec.url, spec.apiKey);
        else still.push(spec);
      }
      this.unresolved = still;
      if (this.options.discover) {
        const configured = new Set([...this.collectors.values()].filter((c) => !this.discovered.has(c.id)).map((c) => hostPort(c.url)));
        const kinds = await Promise.all(this.candidates.map((url) => (configured.has(hostPort(url)) ? Promise.resolve(undefined) : identify(url, null))));
        if (this.disposed) return;
        this.candidates.forEach((url, i) => {
          const kind = kinds[i];
          if (kind === undefined) return;
          const existing = [...this.collectors.values()].find((c) => this.discovered.has(c.id) && hostPort(c.url) === hostPort(url));
          if (existing && kind && existing.kind !== kind) {
            // The same port now answers as another kind of server: replace the collector.
            this.remove(existing.id, `${hostPort(url)} now answers as ${kind}`);
            this.add(kind, url, null, true);
          } else if (existing && !kind) {
            // Servers come and go: drop a discovered one after two probes in a row find nothing.
            const misses = (this.discovered.get(existing.id) ?? 0) + 1;
            if (misses >= 2) this.remove(existing.id, 'gone for two discovery rounds');
            else this.discovered.set(existing.id, misses);
          } else if (existing) this.discovered.set(existing.id, 0);
          else if (kind) this.add(kind, url, null, true);
        });
      }
    } finally {
      this.probing = false;
    }
  }
}

function defaultCreateCollector(options: BackendDiscoveryOptions) {
  return (kind: BackendKind, url: string, apiKey: string | null): BackendCollector =>
    createBackendCollector(kind, { url, timeoutMs: options.timeoutMs, apiKey, logger: options.logger });
}
