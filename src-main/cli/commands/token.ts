/**
 * `headroom token create --role viewer|admin|scrape [--label TEXT] [--config FILE]`: makes a
 * token, stores only its SHA-256 in the config file (created if missing, mode 0600) and prints
 * the token once on stdout. `headroom token list` shows what is stored (roles, labels, dates;
 * never a token). A running `serve` reads tokens at start: restart it to apply.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { createToken, type Role } from '../../server/tokens';
import { DEFAULT_CONFIG_PATH, readConfigFile, writeConfigFile, type ServeConfig } from '../config';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export const TOKEN_USAGE = `headroom token create --role viewer|admin|scrape [--label TEXT] [--config FILE]
  headroom token list [--config FILE]`;

export async function tokenCommand(argv: string[], io: Io, defaultPath = process.platform === 'win32' ? null : DEFAULT_CONFIG_PATH): Promise<number> {
  const [sub, ...rest] = argv;
  let values: { role?: string; label?: string; config?: string };
  try {
    values = parseArgs({ args: rest, options: { role: { type: 'string' }, label: { type: 'string' }, config: { type: 'string' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    io.stderr.write(`headroom token: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  const path = values.config ?? defaultPath;
  if (!path) {
    io.stderr.write('headroom token: pass --config FILE (there is no system config path on Windows).\n');
    return 2;
  }
  if (sub !== 'create' && sub !== 'list') {
    io.stderr.write(`headroom token: expected "create" or "list".\nUsage: ${TOKEN_USAGE}\n`);
    return 2;
  }
  let config: ServeConfig = {};
  if (existsSync(path)) {
    const r = readConfigFile(path);
    if (!r.ok) {
      io.stderr.write(`headroom token: ${r.message}\n`);
      return 1;
    }
    config = r.value;
  } else if (sub === 'list') {
    io.stderr.write(`headroom token: ${path} does not exist; no tokens.\n`);
    return 1;
  }
  if (sub === 'list') {
    for (const t of config.tokens ?? []) io.stdout.write(`${t.role}\t${t.createdAt ?? '-'}\t${t.label ?? ''}\t${t.sha256.slice(0, 12)}…\n`);
    return 0;
  }
  const role = values.role;
  if (role !== 'viewer' && role !== 'admin' && role !== 'scrape') {
    io.stderr.write(`headroom token create: --role must be viewer, admin or scrape${role ? `, got "${role}"` : ''}.\n`);
    return 2;
  }
  const { token, stored } = createToken(role as Role, values.label);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeConfigFile(path, { ...config, tokens: [...(config.tokens ?? []), stored] });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    io.stderr.write(`headroom token create: cannot write ${path}: ${e.code === 'EACCES' ? 'permission denied (run it with sudo, or pass --config FILE)' : e.message}.\n`);
    return 1;
  }
  io.stdout.write(`${token}\n`);
  io.stderr.write(`Stored the SHA-256 of this ${role} token in ${path}; the token itself is shown only now. Restart headroom serve to apply.\n`);
  return 0;
}
