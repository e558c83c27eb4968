/** File operations for the settings store: injectable (tests), atomic writes, Windows retries. */
import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';

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
  readFile: (p, enc) => nodeFs.readFile(p, enc),
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

