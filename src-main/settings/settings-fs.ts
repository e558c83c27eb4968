/** File operations for the settings store: injectable (tests), atomic writes, Windows retries. */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import * as nodeFs from 'node:fs/promises';

/** A settings file is a few KB; anything past this is not one. */
export const MAX_SETTINGS_BYTES = 1024 * 1024;

/** Error codes for files Headroom refuses to read (Node has no errno for these). */
export const NOT_REGULAR_FILE = 'not a regular file';
export const FILE_TOO_LARGE = 'larger than 1 MiB';

// O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting forever (it is
// then refused as not a regular file). Windows has no such flag and no FIFOs in the file system.
const OPEN_FLAGS = constants.O_RDONLY | (process.platform === 'win32' ? 0 : (constants.O_NONBLOCK ?? 0));

function refusal(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/**
 * Reads a settings file that must be a regular file of at most MAX_SETTINGS_BYTES: opened
 * non-blocking, checked with fstat on the open handle (no race with a swap), then read.
 */
export async function readRegularFile(path: string): Promise<string> {
  const handle = await nodeFs.open(path, OPEN_FLAGS);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw refusal(NOT_REGULAR_FILE);
    if (stat.size > MAX_SETTINGS_BYTES) throw refusal(FILE_TOO_LARGE);
    const buffer = Buffer.alloc(MAX_SETTINGS_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_SETTINGS_BYTES) throw refusal(FILE_TOO_LARGE);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    await handle.close();
  }
}

/** The same checks, synchronously (one-shot commands such as `headroom status`). */
export function readRegularFileSync(path: string): string {
  const fd = openSync(path, OPEN_FLAGS);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw refusal(NOT_REGULAR_FILE);
    if (stat.size > MAX_SETTINGS_BYTES) throw refusal(FILE_TOO_LARGE);
    const buffer = Buffer.alloc(MAX_SETTINGS_BYTES + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_SETTINGS_BYTES) throw refusal(FILE_TOO_LARGE);
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** The file operations the store uses; tests replace some to inject failures. */
export interface SettingsFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFileDurable(path: string, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  mkdir(path: string): Promise<void>;
  exists(path: string): Promise<boolean>;
}

export const nodeSettingsFs: SettingsFs = {
  readFile: (p) => readRegularFile(p),
  async writeFileDurable(p, data) {
    // 0o600: the file may hold API keys in plain text where no OS encryption exists.
    const handle = await nodeFs.open(p, 'wx', 0o600);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename: (a, b) => nodeFs.rename(a, b),
  unlink: (p) => nodeFs.unlink(p),
  mkdir: async (p) => {
    await nodeFs.mkdir(p, { recursive: true });
  },
  exists: (p) =>
    nodeFs.access(p).then(
      () => true,
      () => false,
    ),
};

const RENAME_RETRIES = 5;
const RENAME_RETRY_MS = 40;

/** The errno code (`ENOENT`, `EACCES`) or, failing that, the message. */
export function errorCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code ?? (e instanceof Error ? e.message : String(e));
}

export async function renameWithRetry(fs: SettingsFs, from: string, to: string): Promise<void> {
  // Windows: a virus scanner or indexer holding the target makes rename fail briefly (EPERM/EBUSY).
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.rename(from, to);
      return;
    } catch (e) {
      const code = errorCode(e);
      if (attempt >= RENAME_RETRIES || !['EPERM', 'EBUSY', 'EACCES'].includes(code)) throw e;
      await new Promise((r) => setTimeout(r, RENAME_RETRY_MS * (attempt + 1)));
    }
  }
}

/** Temp file in the same folder, flushed to disk, then renamed over the target. */
export async function writeFileAtomically(fs: SettingsFs, dir: string, filePath: string, text: string): Promise<void> {
  await fs.mkdir(dir);
  const tmp = `${filePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFileDurable(tmp, text);
    await renameWithRetry(fs, tmp, filePath);
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
}

