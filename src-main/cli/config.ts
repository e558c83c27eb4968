/**
 * The service config file: `--config FILE`, else `/etc/headroom/config.json` where it exists
 * (not on Windows). Every `serve` flag has a key here (camelCase of the flag); a flag given on
 * the command line wins over the file, the file wins over saved dashboard settings. Tokens
 * live here only as SHA-256 hashes (`headroom token create`). Unknown keys and bad values are
 * refused with one sentence naming the key.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { backendKindSchema } from '../../shared/model/snapshot';
import type { MonitorFlags, Parsed } from './args';
import { normalizeUrl } from './args';

export const DEFAULT_CONFIG_PATH = '/etc/headroom/config.json';

const httpUrl = z.string().regex(/^https?:\/\/\S+$/, 'must be an http(s) URL');
const hostName = z.string().regex(/^[\w.:[\]-]+$/, 'must be a host name or address');

export const storedTokenSchema = z.strictObject({
  role: z.enum(['viewer', 'admin', 'scrape']),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits (the SHA-256 of the token)'),
  label: z.string().max(200).optional(),
  createdAt: z.string().max(40).optional(),
});

export const configSchema = z.strictObject({
  host: hostName.optional(),
  port: z.number().int().min(0).max(65535).optional(),
  intervalMs: z.number().int().min(100).max(60_000).optional(),
  backends: z
    .array(z.strictObject({ kind: backendKindSchema.optional(), url: z.string().min(1), apiKey: z.string().min(1).nullable().optional() }))
    .max(64)
    .optional(),
  discover: z.boolean().optional(),
  nvidiaSmi: z.string().min(1).optional(),
  demo: z.boolean().optional(),
  warningPct: z.number().int().min(1).max(100).optional(),
  criticalPct: z.number().int().min(1).max(100).optional(),
  dataDir: z.string().min(1).optional(),
  retentionDays: z.number().int().min(1).max(3650).optional(),
  webhook: httpUrl.optional(),
  webhookFormat: z.enum(['auto', 'json', 'slack', 'teams']).optional(),
  /** Names clients use to reach this server (the public name behind Nginx). */
  publicHosts: z.array(hostName).max(32).optional(),
  /** Origins allowed cross-origin (CORS), e.g. a fleet dashboard. None by default. */
  corsOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be an origin like https://fleet.example.com')).max(32).optional(),
  maxConnections: z.number().int().min(16).max(100_000).optional(),
  maxSseClients: z.number().int().min(1).max(10_000).optional(),
  /** `auto`: JSON lines when stdout is not a terminal. */
  logFormat: z.enum(['auto', 'json', 'text']).optional(),
  /** Context per user for the Capacity page's headline ("room for N more users at 8k"). */
  capacityContextTokens: z.number().int().min(256).max(10_000_000).optional(),
  /** OLLAMA_NUM_PARALLEL of the monitored Ollama (its API does not report it). */
  ollamaNumParallel: z.number().int().min(1).max(256).optional(),
  /** Headroom servers to watch (issue 15): URL, optional viewer token and label. */
  watch: z
    .array(z.strictObject({ url: z.string().min(1), token: z.string().min(1).max(4096).nullable().optional(), label: z.string().max(100).nullable().optional() }))
    .max(32)
    .optional(),
  /** The name `/api/health` reports (what watching Headrooms show). */
  name: z.string().regex(/^[\w.:-]{1,64}$/, "must be 1–64 letters, digits, '.', '-', '_' or ':'").optional(),
  tokens: z.array(storedTokenSchema).max(256).optional(),
});

export type ServeConfig = z.infer<typeof configSchema>;

/** The `serve` flags that map to config keys (flag → key). */
const FLAG_KEYS: Record<string, keyof ServeConfig> = {
  host: 'host',
  port: 'port',
  'interval-ms': 'intervalMs',
  'no-discover': 'discover',
  'nvidia-smi': 'nvidiaSmi',
  demo: 'demo',
  'warning-pct': 'warningPct',
  'critical-pct': 'criticalPct',
  'data-dir': 'dataDir',
  'retention-days': 'retentionDays',
  webhook: 'webhook',
  'webhook-format': 'webhookFormat',
  'public-host': 'publicHosts',
  'cors-origin': 'corsOrigins',
  'max-connections': 'maxConnections',
  'max-sse-clients': 'maxSseClients',
  'log-format': 'logFormat',
  'capacity-context': 'capacityContextTokens',
  'ollama-num-parallel': 'ollamaNumParallel',
  watch: 'watch',
  'watch-token': 'watch',
  name: 'name',
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  if (issue.code === 'unrecognized_keys') return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${issue.path.length ? ` in ${where}` : ''}`;
  return `"${where}" ${issue.message}`;
}

/** Validates a parsed config object. */
export function validateConfig(raw: unknown, source: string): Parsed<ServeConfig> {
  const r = configSchema.safeParse(raw);
  if (!r.success) return { ok: false, message: `${source}: ${describeIssue(r.error.issues[0]!)}.` };
  if (r.data.warningPct !== undefined && r.data.criticalPct !== undefined && r.data.warningPct > r.data.criticalPct) {
    return { ok: false, message: `${source}: "warningPct" (${r.data.warningPct}) must not be above "criticalPct" (${r.data.criticalPct}).` };
  }
  for (const b of r.data.backends ?? []) if (!normalizeUrl(b.url)) return { ok: false, message: `${source}: backend URL "${b.url.slice(0, 100)}" is not an http(s) address.` };
  for (const w of r.data.watch ?? []) if (!normalizeUrl(w.url)) return { ok: false, message: `${source}: watched server URL "${w.url.slice(0, 100)}" is not an http(s) address.` };
  return { ok: true, value: r.data };
}

/** Reads a config file: a regular file only (never blocks on a FIFO or device), at most 1 MiB. */
export function readConfigFile(path: string): Parsed<ServeConfig> {
  let text: string;
  try {
    const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return { ok: false, message: `${path} is not a regular file.` };
      if (st.size > 1024 * 1024) return { ok: false, message: `${path} is over 1 MiB; a config file is a few lines of JSON.` };
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { ok: false, message: `config file ${path} does not exist.` };
    if (e.code === 'EACCES') return { ok: false, message: `cannot read ${path}: permission denied.` };
    return { ok: false, message: `cannot read ${path}: ${e.message}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `${path} is not valid JSON (${(error as Error).message}).` };
  }
  return validateConfig(raw, path);
}

/**
 * Which config file applies: `--config FILE` (must exist), else the system one where it exists,
 * else none.
 */
export function resolveConfigPath(given: string | null, platform: NodeJS.Platform = process.platform): string | null {
  if (given) return given;
  if (platform !== 'win32' && existsSync(DEFAULT_CONFIG_PATH)) return DEFAULT_CONFIG_PATH;
  return null;
}

/** Command-line flags over the config file. */
export function applyConfig(f: MonitorFlags, c: ServeConfig): MonitorFlags {
  const given = (flag: string) => f.explicit.includes(flag);
  const explicit = [...f.explicit];
  const pick = <T>(flag: string, fromFlag: T, fromFile: T | undefined): T => {
    if (given(flag) || fromFile === undefined) return fromFlag;
    if (!explicit.includes(flag)) explicit.push(flag); // the file's value also wins over saved settings
    return fromFile;
  };
  const fileBackends = (c.backends ?? [])
    .map((b) => ({ ...(b.kind ? { kind: b.kind } : {}), url: normalizeUrl(b.url)!, apiKey: b.apiKey ?? null }))
    .filter((b) => !f.backends.some((x) => x.url === b.url));
  return {
    ...f,
    host: pick('host', f.host, c.host),
    port: pick('port', f.port, c.port),
    intervalMs: pick('interval-ms', f.intervalMs, c.intervalMs),
    discover: pick('no-discover', f.discover, c.discover),
    nvidiaSmiPath: pick('nvidia-smi', f.nvidiaSmiPath, c.nvidiaSmi),
    demo: pick('demo', f.demo, c.demo),
    warningPct: pick('warning-pct', f.warningPct, c.warningPct),
    criticalPct: pick('critical-pct', f.criticalPct, c.criticalPct),
    dataDir: pick('data-dir', f.dataDir, c.dataDir),
    retentionDays: pick('retention-days', f.retentionDays, c.retentionDays),
    webhookUrl: pick('webhook', f.webhookUrl, c.webhook),
    webhookFormat: pick('webhook-format', f.webhookFormat, c.webhookFormat),
    publicHosts: pick('public-host', f.publicHosts, c.publicHosts),
    corsOrigins: pick('cors-origin', f.corsOrigins, c.corsOrigins),
    maxConnections: pick('max-connections', f.maxConnections, c.maxConnections),
    maxSseClients: pick('max-sse-clients', f.maxSseClients, c.maxSseClients),
    logFormat: pick('log-format', f.logFormat, c.logFormat),
    capacityContextTokens: pick('capacity-context', f.capacityContextTokens, c.capacityContextTokens),
    ollamaNumParallel: pick('ollama-num-parallel', f.ollamaNumParallel, c.ollamaNumParallel),
    backends: [...f.backends, ...fileBackends],
    // Watched servers from the file are added to those given with --watch (a flag's URL wins).
    watch: [
      ...f.watch,
      ...(c.watch ?? [])
        .map((w) => ({ url: normalizeUrl(w.url)!, token: w.token ?? null, label: null }))
        .filter((w) => !f.watch.some((x) => x.url === w.url)),
    ],
    name: pick('name', f.name, c.name),
    explicit,
  };
}

export function configKeyForFlag(flag: string): keyof ServeConfig | undefined {
  return FLAG_KEYS[flag];
}

/** Writes the config atomically (temp file + rename), readable by its owner only. */
export function writeConfigFile(path: string, config: ServeConfig): void {
  const tmp = join(dirname(path), `.${Date.now()}.${process.pid}.config.tmp`);
  writeFileSync(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}
