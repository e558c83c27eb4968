/**
 * `headroom` command line: serve | status | help. Exit codes: 0 ok, 1 runtime failure,
 * 2 bad usage (one clear line on stderr).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCore } from '../create-core';
import { startServer } from '../server/http';
import { createConsoleLogger } from '../util/logger';
import { parseMonitorFlags } from './args';
import { withSavedSettings } from './effective-flags';
import { estimateCommand } from './commands/estimate';
import { exportCommand } from './commands/export';
import { planCommand } from './commands/plan';
import { runStatus } from './status';
import { defaultDataDir } from '../util/data-dir';
import { createSettingsStore, noEncryption } from '../settings/settings-store';

const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

const USAGE = `Usage:
  headroom serve  [--host 127.0.0.1] [--port 7878] [--interval-ms 1000] [--backend [KIND=]URL]...
                  [--api-key URL=TOKEN]... [--no-discover] [--nvidia-smi PATH] [--demo]
                  [--warning-pct 80] [--critical-pct 90] [--token TOKEN]
                  [--data-dir DIR] [--retention-days 7] [--webhook URL]
                  [--watch URL]... [--watch-token URL=TOKEN]... [--name NAME]
  headroom status [--json] (same source flags as serve)
  headroom estimate --json            < request.json   (KV cache / weights for a model, JSON in and out)
  headroom plan [--gpu 24GiB] [--model NAME|--gguf FILE] [--quant Q4_K_M] [--ctx 32k]
                [--kv f16,q8_0,q4_0] [--users N] [--json]
  headroom export --since 24h [--until 1h] --format csv|json [--gpu gpu:0] [--data-dir DIR] [--out FILE]
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

async function serve(argv: string[]): Promise<number> {
  const flags = parseMonitorFlags(argv);
  if (!flags.ok) {
    process.stderr.write(`headroom serve: ${flags.message}\n`);
    return 2;
  }
  const f = flags.value;
  if (f.host !== '127.0.0.1' && f.host !== 'localhost' && f.host !== '::1' && !f.token) {
    process.stderr.write(`headroom serve: binding ${f.host} exposes the dashboard to the network; pass --token TOKEN (every request must then carry it).\n`);
    return 2;
  }
  const logger = createConsoleLogger('headroom');
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
    alertSettings: f.webhookUrl ? { delivery: { webhookUrl: f.webhookUrl } } : undefined,
    settingsStore,
    keyStorage: 'plain-text',
    watch: f.watch,
    localLabel: f.name ?? undefined,
  });
  let server;
  try {
    server = await startServer(core, { host: f.host, port: f.port, staticDir, token: f.token, logger, name: f.name });
  } catch (error) {
    await core.dispose();
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${f.port} is already in use; pick another with --port` : e.message;
    process.stderr.write(`headroom serve: ${why}\n`);
    return 1;
  }
  const shownUrl = f.token ? `${server.url}/?token=${encodeURIComponent(f.token)}` : server.url;
  process.stdout.write(`Headroom dashboard: ${shownUrl}${f.demo ? ' (demo mode)' : ''}\n`);
  if (f.token) logger.info(`listening on ${f.host}: every request must carry the token`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) process.exit(130); // a second signal exits at once
      stopping = true;
      void Promise.all([server.close(), core.dispose()]).then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
