/**
 * `headroom` command line: serve | status | help. Exit codes: 0 ok, 1 runtime failure,
 * 2 bad usage (one clear line on stderr).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCore } from '../create-core';
import { isLoopback, startServer } from '../server/http';
import { parseMonitorFlags, type MonitorFlags } from './args';
import { applyConfig, readConfigFile, resolveConfigPath, type ServeConfig } from './config';
import { createServiceLogger } from './service-logger';
import { limitTieringForServe } from './v8-tiering';
import { TOKEN_USAGE, tokenCommand } from './commands/token';
import { commandLineOverrides, withSavedSettings } from './effective-flags';
import { estimateCommand } from './commands/estimate';
import { exportCommand } from './commands/export';
import { planCommand } from './commands/plan';
import { probeCommand } from './commands/probe';
import { runStatus } from './status';
import { defaultDataDir } from '../util/data-dir';
import { createSettingsStore, noEncryption } from '../settings/settings-store';

const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

const USAGE = `Usage:
  headroom serve  [--host 127.0.0.1] [--port 7878] [--interval-ms 1000] [--backend [KIND=]URL]...
                  [--api-key URL=TOKEN]... [--no-discover] [--nvidia-smi PATH] [--demo]
                  [--warning-pct 80] [--critical-pct 90] [--token TOKEN]
                  [--data-dir DIR] [--retention-days 7] [--webhook URL] [--webhook-format auto|json|slack|teams]
                  [--config FILE] [--public-host NAME]... [--cors-origin ORIGIN]...
                  [--max-connections 1024] [--max-sse-clients 256] [--log-format auto|json|text]
                  [--capacity-context 8k] [--ollama-num-parallel 1]
                  [--watch URL]... [--watch-token URL=TOKEN]... [--name NAME]
                  (every flag also as a key of the config file, --config or /etc/headroom/config.json)
  headroom ${TOKEN_USAGE}
  headroom status [--json] (same source flags as serve)
  headroom estimate --json            < request.json   (KV cache / weights for a model, JSON in and out)
  headroom plan [--gpu 24GiB] [--model NAME|--gguf FILE] [--quant Q4_K_M] [--ctx 32k]
                [--kv f16,q8_0,q4_0] [--users N] [--json]
  headroom export --since 24h [--until 1h] --format csv|json [--gpu gpu:0] [--data-dir DIR] [--out FILE]
  headroom probe --backend [KIND=]URL --model NAME [--from 4k] [--to model-max] [--kv f16,q8_0]
                 [--stop-at 90%] [--min-tokens-per-s 5] [--generate 32] [--yes] [--json]
                 [--nvidia-smi PATH] [--data-dir DIR]   (measures the largest context that really fits)
  headroom help

KIND is one of ollama, vllm, llamacpp, lmstudio, openai.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(rest);
    case 'status':
      return runStatus(rest, process.stdout, process.stderr);
    case 'estimate':
      return estimateCommand(rest, io);
    case 'plan':
      return planCommand(rest, io);
    case 'export':
      return exportCommand(rest, io);
    case 'probe':
      return probeCommand(rest, io);
    case 'token':
      return tokenCommand(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      process.stderr.write(`headroom: unknown command "${command}". Try "headroom help".\n`);
      return 2;
  }
}

function rendererDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [`${here}renderer`, `${here}../dist/renderer`, `${here}../../dist/renderer`];
  return candidates.find((d) => existsSync(`${d}/index.html`)) ?? candidates[0]!;
}

/** `--ollama-num-parallel` / config, else the OLLAMA_NUM_PARALLEL this process sees (as the collectors read it), else 1. */
function ollamaParallel(f: MonitorFlags): number {
  if (f.explicit.includes('ollama-num-parallel')) return f.ollamaNumParallel;
  const env = Number(process.env.OLLAMA_NUM_PARALLEL);
  return Number.isInteger(env) && env >= 1 && env <= 256 ? env : f.ollamaNumParallel;
}

/** Flags, then the config file under them; one sentence on failure. */
export function resolveServeFlags(argv: string[]): { ok: true; flags: MonitorFlags; config: ServeConfig; configPath: string | null } | { ok: false; message: string } {
  const flags = parseMonitorFlags(argv);
  if (!flags.ok) return flags;
  const configPath = resolveConfigPath(flags.value.configPath);
  if (!configPath) return { ok: true, flags: flags.value, config: {}, configPath: null };
  const config = readConfigFile(configPath);
  if (!config.ok) return config;
  return { ok: true, flags: applyConfig(flags.value, config.value), config: config.value, configPath };
}

async function serve(argv: string[]): Promise<number> {
  // Before anything runs hot: V8's baseline compiler is the top tier of a long-running monitor.
  limitTieringForServe();
  const resolved = resolveServeFlags(argv);
  if (!resolved.ok) {
    process.stderr.write(`headroom serve: ${resolved.message}\n`);
    return 2;
  }
  const f = resolved.flags;
  const tokens = resolved.config.tokens ?? [];
  if (!isLoopback(f.host) && !f.token && tokens.length === 0) {
    process.stderr.write(`headroom serve: refusing to bind ${f.host} without a token; create one with "headroom token create --role admin" (or pass --token TOKEN).\n`);
    return 2;
  }
  const logger = createServiceLogger(f.logFormat);
  if (resolved.configPath) logger.info(`config: ${resolved.configPath}`);
  const staticDir = rendererDir();
  if (!existsSync(`${staticDir}/index.html`)) logger.warn(`dashboard not built (${staticDir}/index.html missing): run "npm run build". The API still works.`);
  const dataDir = f.dataDir ?? defaultDataDir();
  // Saved settings (the dashboard's settings page) apply where no flag was given.
  const settingsStore = createSettingsStore({ dir: dataDir, encryptor: noEncryption, logger });
  const loaded = await settingsStore.load();
  const e = withSavedSettings(f, loaded.settings);
  const core = await createCore({
    intervalMs: e.intervalMs,
    demo: e.demo,
    discover: e.discover,
    backends: e.backends,
    nvidiaSmiPath: e.nvidiaSmiPath,
    warningPct: e.warningPct,
    criticalPct: e.criticalPct,
    logger,
    dataDir,
    retentionDays: e.retentionDays,
    // A --webhook flag is used for this run; the saved one comes through the settings store.
    alertSettings: { delivery: { ...(f.webhookUrl ? { webhookUrl: f.webhookUrl } : {}), webhookFormat: f.webhookFormat } },
    settingsStore,
    keyStorage: 'plain-text',
    commandLine: commandLineOverrides(f),
    watch: f.watch,
    localLabel: f.name ?? undefined,
  });
  let server;
  try {
    server = await startServer(core, {
      host: f.host,
      port: f.port,
      staticDir,
      token: f.token,
      tokens,
      publicHosts: f.publicHosts,
      corsOrigins: f.corsOrigins,
      maxConnections: f.maxConnections ?? undefined,
      maxSseClients: f.maxSseClients ?? undefined,
      capacity: { perUserContextTokens: f.capacityContextTokens, ollamaNumParallel: ollamaParallel(f) },
      logger,
      name: f.name,
    });
  } catch (error) {
    await core.dispose();
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${f.port} is already in use; pick another with --port` : e.message;
    process.stderr.write(`headroom serve: ${why}\n`);
    return 1;
  }
  const tokenRequired = Boolean(f.token) || tokens.length > 0;
  // In JSON mode the line is a log record (never with a token in it: logs are kept).
  const shownUrl = f.token && !logger.json ? `${server.url}/?token=${encodeURIComponent(f.token)}` : server.url;
  if (logger.json) logger.event(`Headroom dashboard: ${shownUrl} (${f.demo ? 'demo mode' : 'open it in a browser'})`, { url: server.url, host: f.host, port: server.port, tokenRequired });
  else process.stdout.write(`Headroom dashboard: ${shownUrl}${f.demo ? ' (demo mode)' : ''}\n`);
  if (tokenRequired) logger.info(`listening on ${f.host}: every request must carry a token`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) process.exit(130); // a second signal exits at once
      stopping = true;
      logger.info(`${signal}: stopping (closing event streams, flushing history)`);
      const force = setTimeout(() => {
        logger.error('shutdown took over 10 s; exiting anyway');
        process.exit(1);
      }, 10_000);
      force.unref();
      // Stop answering first (event streams get a last "serverClosing" event), then the core
      // (collectors stopped, history written to disk).
      void server
        .close()
        .then(() => core.dispose())
        .then(() => {
          logger.info('stopped');
          resolve(0);
        });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
