/**
 * Reads only the tail of an engine log that holds the latest model load, and knows where each
 * engine writes its log by default on each OS.
 */
import { constants } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseEngineLog, type EngineLoad } from './parse';

/** First read: the last 1 MiB; doubled while no load start is in it, up to 32 MiB. */
export const TAIL_START_BYTES = 1024 * 1024;
export const TAIL_MAX_BYTES = 32 * 1024 * 1024;

const LOAD_START = /llama_model_loader: loaded meta data|msg="starting (?:runner|llama server)"/;

export interface TailResult {
  text: string;
  /** Bytes read from the end of the file. */
  bytesRead: number;
  fileSize: number;
  /** True when the text reaches the start of the file. */
  fromStart: boolean;
}

/**
 * The smallest tail of `path` (from 1 MiB, doubling, at most `maxBytes`) that contains a model load
 * start, or the whole tail read when none does. The first, partial line is dropped.
 */
export async function readLogTail(path: string, maxBytes = TAIL_MAX_BYTES, startBytes = TAIL_START_BYTES): Promise<TailResult> {
  // Non-blocking and regular files only: a log path that is a FIFO or a device never hangs the read.
  const fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${path.slice(0, 200)} is not a regular file, so Headroom does not read it as an engine log.`);
    const { size } = st;
    let want = Math.min(startBytes, size);
    for (;;) {
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, size - want);
      let text = buf.subarray(0, bytesRead).toString('utf8');
      const fromStart = want >= size;
      if (!fromStart) {
        const nl = text.indexOf('\n');
        text = nl >= 0 ? text.slice(nl + 1) : '';
      }
      if (LOAD_START.test(text) || fromStart || want >= maxBytes) return { text, bytesRead, fileSize: size, fromStart };
      want = Math.min(size, want * 2, maxBytes);
    }
  } finally {
    await fh.close();
  }
}

/** Parses the loads in the needed tail of a log file. */
export async function readLoads(path: string): Promise<{ loads: EngineLoad[]; tail: TailResult }> {
  const tail = await readLogTail(path);
  return { loads: parseEngineLog(tail.text), tail };
}

export type EngineKind = 'llamacpp' | 'ollama' | 'lmstudio';

/**
 * Where an engine logs by default. Ollama: `server.log` under `%LOCALAPPDATA%\Ollama` (Windows) or
 * `~/.ollama/logs` (macOS); on Linux the systemd service logs to the journal, so there is no file
 * unless one is configured. LM Studio: the newest file under `~/.lmstudio/server-logs` (all OSes).
 * llama-server: only where `--log-file` points, so no default.
 */
export function defaultLogLocations(kind: EngineKind, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): { files: string[]; dirs: string[] } {
  if (kind === 'ollama') {
    if (platform === 'win32') {
      const local = env.LOCALAPPDATA ?? join(home, 'AppData', 'Local');
      return { files: [join(local, 'Ollama', 'server.log')], dirs: [] };
    }
    if (platform === 'darwin') return { files: [join(home, '.ollama', 'logs', 'server.log')], dirs: [] };
    return { files: [], dirs: [] };
  }
  if (kind === 'lmstudio') return { files: [], dirs: [join(home, '.lmstudio', 'server-logs')] };
  return { files: [], dirs: [] };
}

/** The most recently modified `.log` file in `dir` or one level below (LM Studio's month folders). */
export async function newestLogIn(dir: string): Promise<string | null> {
  let best: { path: string; mtimeMs: number } | null = null;
  const visit = async (d: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory() && depth < 1) await visit(p, depth + 1);
      else if (e.isFile() && e.name.endsWith('.log')) {
        try {
          const st = await stat(p);
          if (!best || st.mtimeMs > best.mtimeMs) best = { path: p, mtimeMs: st.mtimeMs };
        } catch {
          /* vanished between readdir and stat */
        }
      }
    }
  };
  await visit(dir, 0);
  return (best as { path: string } | null)?.path ?? null;
}
