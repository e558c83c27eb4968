/**
 * Parsing of the `serve` / `status` flags (pure, testable). Unknown flags or bad values give a
 * one-line error; the caller exits 2 with it.
 */
import { parseArgs } from 'node:util';
import { backendKindSchema, type BackendKind } from '../../shared/model/snapshot';

export interface MonitorFlags {
  host: string;
  port: number;
  intervalMs: number;
  backends: { kind?: BackendKind; url: string; apiKey?: string | null; logPath?: string | null }[];
  discover: boolean;
  nvidiaSmiPath: string | null;
  demo: boolean;
  token: string | null;
  warningPct: number;
  criticalPct: number;
  json: boolean;
  /** History and settings folder; null → the OS user-data folder. */
  dataDir: string | null;
  retentionDays: number;
  /** URL that receives a JSON POST per alert transition. */
  webhookUrl: string | null;
  /** `--config FILE` (null: /etc/headroom/config.json where it exists). */
  configPath: string | null;
  /** Names clients use for this server besides its address and localhost (Host check). */
  publicHosts: string[];
  /** Origins allowed cross-origin (CORS); none unless given. */
  corsOrigins: string[];
  maxConnections: number | null;
  maxSseClients: number | null;
  logFormat: 'auto' | 'json' | 'text';
  webhookFormat: 'auto' | 'json' | 'slack' | 'teams';
  /** Context per user the Capacity headline counts in (tokens). */
  capacityContextTokens: number;
  /** OLLAMA_NUM_PARALLEL of the monitored Ollama (its API does not say). */
  ollamaNumParallel: number;
  /** Headroom servers to watch (`--watch URL`, tokens from `--watch-token URL=TOKEN`). */
  watch: { url: string; token: string | null; label: null }[];
  /** The name this server reports in `/api/health` (what watchers show); null = the OS host name. */
  name: string | null;
  /** Flags given on the command line (they win over saved settings). */
  explicit: string[];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

export const options = {
  host: { type: 'string' },
  port: { type: 'string' },
  'interval-ms': { type: 'string' },
  backend: { type: 'string', multiple: true },
  'api-key': { type: 'string', multiple: true },
  'no-discover': { type: 'boolean' },
  'nvidia-smi': { type: 'string' },
  demo: { type: 'boolean' },
  token: { type: 'string' },
  'warning-pct': { type: 'string' },
  'critical-pct': { type: 'string' },
  json: { type: 'boolean' },
  'data-dir': { type: 'string' },
  'retention-days': { type: 'string' },
  webhook: { type: 'string' },
  'webhook-format': { type: 'string' },
  config: { type: 'string' },
  'public-host': { type: 'string', multiple: true },
  'cors-origin': { type: 'string', multiple: true },
  'max-connections': { type: 'string' },
  'max-sse-clients': { type: 'string' },
  'log-format': { type: 'string' },
  'capacity-context': { type: 'string' },
  'ollama-num-parallel': { type: 'string' },
  watch: { type: 'string', multiple: true },
  'watch-token': { type: 'string', multiple: true },
  name: { type: 'string' },
} as const;

/** `8k`, `32K`, `8192` → tokens. */
export function parseTokens(raw: string): number | null {
  const m = /^(\d+)(k)?$/i.exec(raw.trim());
  if (!m) return null;
  return Number(m[1]) * (m[2] ? 1024 : 1);
}

function intFlag(name: string, raw: string | undefined, fallback: number, min: number, max: number): Parsed<number> {
  if (raw === undefined) return { ok: true, value: fallback };
  if (!/^\d+$/.test(raw)) return { ok: false, message: `--${name} must be a whole number, got "${raw}".` };
  const n = Number(raw);
  if (n < min || n > max) return { ok: false, message: `--${name} must be between ${min} and ${max}, got ${n}.` };
  return { ok: true, value: n };
}

/** `http://host:port` with no path; bare `host:port` gets `http://`. */
export function normalizeUrl(raw: string): string | null {
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const u = new URL(withScheme);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (!u.hostname) return null;
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return null;
  }
}

export function parseMonitorFlags(argv: string[]): Parsed<MonitorFlags> {
  let values: Record<string, string | boolean | string[] | undefined>;
  let explicit: string[] = [];
  try {
    const parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    values = parsed.values as typeof values;
    explicit = Object.keys(parsed.values);
  } catch (error) {
    return { ok: false, message: (error as Error).message.split('\n')[0] ?? 'invalid arguments' };
  }
  const port = intFlag('port', values.port as string | undefined, 7878, 0, 65535);
  if (!port.ok) return port;
  const interval = intFlag('interval-ms', values['interval-ms'] as string | undefined, 1000, 100, 60_000);
  if (!interval.ok) return interval;
  const warning = intFlag('warning-pct', values['warning-pct'] as string | undefined, 80, 1, 100);
  if (!warning.ok) return warning;
  const critical = intFlag('critical-pct', values['critical-pct'] as string | undefined, 90, 1, 100);
  if (!critical.ok) return critical;
  if (warning.value > critical.value) return { ok: false, message: `--warning-pct (${warning.value}) must not be above --critical-pct (${critical.value}).` };

  const keys = new Map<string, string>();
  for (const raw of (values['api-key'] as string[] | undefined) ?? []) {
    const eq = raw.lastIndexOf('=');
    const url = eq > 0 ? normalizeUrl(raw.slice(0, eq)) : null;
    const token = eq > 0 ? raw.slice(eq + 1) : '';
    if (!url || !token) return { ok: false, message: `--api-key must be URL=TOKEN, got "${raw.replace(/=.*/, '=…')}".` };
    keys.set(url, token);
  }
  const backends: MonitorFlags['backends'] = [];
  for (const raw of (values.backend as string[] | undefined) ?? []) {
    const m = /^([a-z]+)=(.+)$/i.exec(raw);
    let kind: BackendKind | undefined;
    let urlRaw = raw;
    if (m && !/^https?$/i.test(m[1]!)) {
      const k = backendKindSchema.safeParse(m[1]!.toLowerCase());
      if (!k.success) return { ok: false, message: `--backend kind must be one of ${backendKindSchema.options.join(', ')}, got "${m[1]}".` };
      kind = k.data;
      urlRaw = m[2]!;
    }
    const url = normalizeUrl(urlRaw);
    if (!url) return { ok: false, message: `--backend needs a URL like ollama=http://127.0.0.1:11434, got "${raw}".` };
    backends.push({ ...(kind ? { kind } : {}), url, apiKey: keys.get(url) ?? null });
  }
  for (const url of keys.keys()) {
    if (!backends.some((b) => b.url === url)) backends.push({ url, apiKey: keys.get(url) ?? null });
  }
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  if (!/^[\w.:-]+$/.test(host)) return { ok: false, message: `--host must be an address like 127.0.0.1, got "${host}".` };
  const retention = intFlag('retention-days', values['retention-days'] as string | undefined, 7, 1, 3650);
  if (!retention.ok) return retention;
  const dataDir = values['data-dir'] as string | undefined;
  if (dataDir !== undefined && dataDir.trim() === '') return { ok: false, message: '--data-dir needs a folder.' };
  const webhook = values.webhook as string | undefined;
  if (webhook !== undefined && !/^https?:\/\/[^\s]+$/.test(webhook)) return { ok: false, message: `--webhook must be an http(s) URL, got "${webhook}".` };
  const publicHosts = (values['public-host'] as string[] | undefined) ?? [];
  for (const h of publicHosts) if (!/^[\w.:[\]-]+$/.test(h)) return { ok: false, message: `--public-host must be a host name like headroom.example.com, got "${h}".` };
  const corsOrigins = (values['cors-origin'] as string[] | undefined) ?? [];
  for (const o of corsOrigins) if (!/^https?:\/\/[^/\s]+$/.test(o)) return { ok: false, message: `--cors-origin must be an origin like https://fleet.example.com, got "${o}".` };
  const maxConnections = values['max-connections'] === undefined ? null : intFlag('max-connections', values['max-connections'] as string, 1024, 16, 100_000);
  if (maxConnections && !maxConnections.ok) return maxConnections;
  const maxSse = values['max-sse-clients'] === undefined ? null : intFlag('max-sse-clients', values['max-sse-clients'] as string, 256, 1, 10_000);
  if (maxSse && !maxSse.ok) return maxSse;
  const logFormat = (values['log-format'] as string | undefined) ?? 'auto';
  if (logFormat !== 'auto' && logFormat !== 'json' && logFormat !== 'text') return { ok: false, message: `--log-format must be auto, json or text, got "${logFormat}".` };
  const webhookFormat = (values['webhook-format'] as string | undefined) ?? 'auto';
  if (webhookFormat !== 'auto' && webhookFormat !== 'json' && webhookFormat !== 'slack' && webhookFormat !== 'teams') return { ok: false, message: `--webhook-format must be auto, json, slack or teams, got "${webhookFormat}".` };
  const capRaw = values['capacity-context'] as string | undefined;
  const capacityContextTokens = capRaw === undefined ? 8192 : parseTokens(capRaw);
  if (capacityContextTokens === null || capacityContextTokens < 256) return { ok: false, message: `--capacity-context must be a context like 8k or 32768, got "${capRaw}".` };
  const parallel = intFlag('ollama-num-parallel', values['ollama-num-parallel'] as string | undefined, 1, 1, 256);
  if (!parallel.ok) return parallel;
  const configPath = values.config as string | undefined;
  if (configPath !== undefined && configPath.trim() === '') return { ok: false, message: '--config needs a file.' };
  const watchTokens = new Map<string, string>();
  for (const raw of (values['watch-token'] as string[] | undefined) ?? []) {
    const eq = raw.lastIndexOf('=');
    const url = eq > 0 ? normalizeUrl(raw.slice(0, eq)) : null;
    const token = eq > 0 ? raw.slice(eq + 1) : '';
    if (!url || !token) return { ok: false, message: `--watch-token must be URL=TOKEN, got "${raw.replace(/=.*/, '=…')}".` };
    watchTokens.set(url, token);
  }
  const watch: MonitorFlags['watch'] = [];
  for (const raw of (values.watch as string[] | undefined) ?? []) {
    const url = normalizeUrl(raw);
    if (!url) return { ok: false, message: `--watch needs a Headroom server URL like http://gpu-server-1:7878, got "${raw}".` };
    if (!watch.some((w) => w.url === url)) watch.push({ url, token: watchTokens.get(url) ?? null, label: null });
  }
  for (const url of watchTokens.keys()) {
    if (!watch.some((w) => w.url === url)) return { ok: false, message: `--watch-token is for ${url}, which no --watch names.` };
  }
  const name = values.name as string | undefined;
  if (name !== undefined && !/^[\w.:-]{1,64}$/.test(name)) return { ok: false, message: `--name must be 1–64 letters, digits, '.', '-', '_' or ':', got "${name}".` };
  const nvidiaSmi = values['nvidia-smi'] as string | undefined;
  if (nvidiaSmi !== undefined && nvidiaSmi.trim() === '') return { ok: false, message: '--nvidia-smi needs a path.' };
  return {
    ok: true,
    value: {
      host,
      port: port.value,
      intervalMs: interval.value,
      backends,
      discover: !values['no-discover'],
      nvidiaSmiPath: nvidiaSmi ?? null,
      demo: Boolean(values.demo),
      token: (values.token as string | undefined) ?? null,
      warningPct: warning.value,
      criticalPct: critical.value,
      json: Boolean(values.json),
      dataDir: dataDir ?? null,
      retentionDays: retention.value,
      webhookUrl: webhook ?? null,
      configPath: configPath ?? null,
      publicHosts,
      corsOrigins,
      maxConnections: maxConnections ? maxConnections.value : null,
      maxSseClients: maxSse ? maxSse.value : null,
      logFormat,
      webhookFormat,
      capacityContextTokens,
      ollamaNumParallel: parallel.value,
      watch,
      name: name ?? null,
      explicit,
    },
  };
}
