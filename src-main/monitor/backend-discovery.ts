/**
 * Which LLM servers the monitor polls: the configured ones, plus (unless discovery is off) any
 * found at the default local addresses. Re-probes every `reprobeMs` for servers that come and go.
 */
import { toDisposable, type Disposable } from '../../shared/lifecycle/disposable';
import type { BackendKind, SourceStatus } from '../../shared/model/snapshot';
import { OllamaCollector } from '../collectors/backends/ollama/ollama.collector';
import { versionSchema } from '../collectors/backends/ollama/ollama.parse';
import type { BackendCollector } from '../collectors/types';
import { hostPort, httpRequest, parseJson } from '../util/http';
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
  /** Default addresses to probe; default: Ollama at OLLAMA_HOST or 127.0.0.1:11434. */
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

/** Identifies an Ollama server by its /api/version answer. */
export async function identifyOllama(url: string, timeoutMs: number): Promise<BackendKind | null> {
  const r = await httpRequest(`${url}/api/version`, { timeoutMs, maxBytes: 64 * 1024 });
  if (!r.ok || r.status !== 200) return null;
  const json = parseJson(r.text);
  return json.ok && versionSchema.safeParse(json.value).success ? 'ollama' : null;
}

export class BackendDiscovery implements Disposable {
  private readonly collectors = new Map<string, BackendCollector>();
  private readonly listeners = new Set<(c: BackendCollector[]) => void>();
  private timer: NodeJS.Timeout | null = null;
  private disposed = false;
  private probing = false;
  private readonly candidates: string[];
  private unresolved: BackendSpec[] = [];

  constructor(private readonly options: BackendDiscoveryOptions) {
    this.candidates = options.candidates ?? [defaultOllamaUrl()];
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

  private add(kind: BackendKind, url: string, apiKey: string | null): void {
    const collector = (this.options.createCollector ?? defaultCreateCollector(this.options))(kind, url.replace(/\/+$/, ''), apiKey);
    if (this.collectors.has(collector.id)) {
      collector.dispose();
      return;
    }
    this.collectors.set(collector.id, collector);
    this.options.logger.info(`polling ${collector.id}`);
    const list = this.list();
    for (const l of this.listeners) l(list);
  }

  private async probe(): Promise<void> {
    if (this.probing || this.disposed) return;
    this.probing = true;
    try {
      const identify = this.options.identify ?? ((url: string) => identifyOllama(url, this.options.timeoutMs));
      const still: BackendSpec[] = [];
      for (const spec of this.unresolved) {
        const kind = await identify(spec.url, spec.apiKey);
        if (this.disposed) return;
        if (kind) this.add(kind, spec.url, spec.apiKey);
        else still.push(spec);
      }
      this.unresolved = still;
      if (this.options.discover) {
        const known = new Set([...this.collectors.values()].map((c) => hostPort(c.url)));
        for (const url of this.candidates) {
          if (known.has(hostPort(url))) continue;
          const kind = await identify(url, null);
          if (this.disposed) return;
          if (kind) this.add(kind, url, null);
        }
      }
    } finally {
      this.probing = false;
    }
  }
}

function defaultCreateCollector(options: BackendDiscoveryOptions) {
  return (kind: BackendKind, url: string, apiKey: string | null): BackendCollector => {
    switch (kind) {
      case 'ollama':
        return new OllamaCollector({ url, timeoutMs: options.timeoutMs, apiKey, logger: options.logger });
      default:
        return new UnsupportedCollector(kind, url);
    }
  };
}

/** Placeholder for kinds whose collector is not wired in yet: says so honestly. */
class UnsupportedCollector implements BackendCollector {
  readonly id: string;
  constructor(
    readonly kind: BackendKind,
    readonly url: string,
  ) {
    this.id = `${kind}@${hostPort(url)}`;
  }
  async sample() {
    return { id: this.id, kind: this.kind, url: this.url, status: 'error' as const, message: `${this.kind} servers are not supported in this build.`, version: null, models: [] };
  }
  dispose(): void {}
}
