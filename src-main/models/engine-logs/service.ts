/**
 * "Measured by the engine": finds each server's load log (configured path, else the engine's
 * default location on this OS), reads its tail in the background when the file changed, and gives
 * the latest load of each loaded model as a Snapshot `measured` block. Calls made on the monitor
 * tick never touch the disk; a read result is used from a later tick on.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { BackendReading, LoadedModel, MeasuredMemory } from '../../../shared/model/snapshot';
import type { Logger } from '../../util/logger';
import { latestLoadFor, parseEngineLog, type EngineLoad } from './parse';
import { defaultLogLocations, newestLogIn, readLoads, type EngineKind } from './read';

/** A log file is re-read at most this often, and only when its size or mtime changed. */
const RECHECK_MS = 5000;

interface FileState {
  loads: EngineLoad[];
  size: number;
  mtimeMs: number;
  checkedAt: number;
  bytesRead: number;
  busy: boolean;
}

export interface EngineLogOptions {
  /** The log path configured for a backend (settings `backends[].logPath`), else null. */
  logPathFor?: (backend: Pick<BackendReading, 'id' | 'kind' | 'url'>) => string | null;
  logger: Logger;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  home?: string;
  now?: () => number;
}

export class EngineLogService {
  private readonly files = new Map<string, FileState>();
  /** Backend id → resolved log path (null: none found), and when it was resolved. */
  private readonly paths = new Map<string, { path: string | null; at: number; busy: boolean }>();

  constructor(private readonly options: EngineLogOptions) {}

  /** What the engine logged for `m`'s latest load, or null when no readable log names it. */
  measuredFor(b: BackendReading, m: LoadedModel, modelPath: string | null): MeasuredMemory | null {
    if (b.kind !== 'llamacpp' && b.kind !== 'ollama' && b.kind !== 'lmstudio') return null;
    const path = this.pathFor(b, b.kind);
    if (!path) return null;
    const state = this.fileState(path);
    if (!state) return null;
    // With one model loaded, the latest load in its server's log is that model's.
    const load = latestLoadFor(state.loads, { path: modelPath, name: m.name, singleModel: b.models.length === 1 });
    if (!load) return null;
    return toMeasured(load, path, state.bytesRead);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private pathFor(b: BackendReading, kind: EngineKind): string | null {
    const configured = this.options.logPathFor?.(b) ?? null;
    if (configured) return configured;
    const hit = this.paths.get(b.id);
    if (hit && (hit.busy || this.now() - hit.at < 60_000)) return hit.path;
    const entry = { path: hit?.path ?? null, at: this.now(), busy: true };
    this.paths.set(b.id, entry);
    void this.resolveDefault(kind).then((p) => {
      this.paths.set(b.id, { path: p, at: this.now(), busy: false });
    });
    return entry.path;
  }

  private async resolveDefault(kind: EngineKind): Promise<string | null> {
    const { files, dirs } = defaultLogLocations(kind, this.options.platform, this.options.env, this.options.home);
    for (const f of files) {
      try {
        if ((await stat(f)).isFile()) return f;
      } catch {
        /* not there */
      }
    }
    for (const d of dirs) {
      const f = await newestLogIn(d);
      if (f) return f;
    }
    return null;
  }

  private fileState(path: string): FileState | null {
    let st = this.files.get(path);
    if (!st) {
      st = { loads: [], size: -1, mtimeMs: -1, checkedAt: Number.NEGATIVE_INFINITY, bytesRead: 0, busy: false };
      this.files.set(path, st);
    }
    if (!st.busy && this.now() - st.checkedAt >= RECHECK_MS) {
      st.busy = true;
      st.checkedAt = this.now();
      const s = st;
      void this.refresh(path, s).finally(() => {
        s.busy = false;
      });
    }
    return st.size >= 0 ? st : null;
  }

  private async refresh(path: string, s: FileState): Promise<void> {
    try {
      const info = await stat(path);
      if (info.size === s.size && info.mtimeMs === s.mtimeMs) return;
      // A server log mostly grows by request lines: when the appended part has no load or memory
      // line, keep what was parsed and read nothing more than the appended bytes.
      if (s.size > 0 && info.size > s.size && info.size - s.size <= APPEND_SCAN_BYTES && !(await appendedHasFigures(path, s.size, info.size))) {
        s.size = info.size;
        s.mtimeMs = info.mtimeMs;
        return;
      }
      const { loads, tail } = await readLoads(path);
      s.loads = loads;
      s.size = info.size;
      s.mtimeMs = info.mtimeMs;
      s.bytesRead = tail.bytesRead;
    } catch (error) {
      if (s.size !== -2) this.options.logger.warn(`cannot read the engine log ${path}: ${(error as Error).message}`);
      s.loads = [];
      s.size = -2;
    }
  }
}

/** Appended parts up to this size are scanned for load lines before a tail re-read. */
const APPEND_SCAN_BYTES = 4 * 1024 * 1024;

/** True when bytes [from, to) of `path` hold a load start or a memory figure line. */
async function appendedHasFigures(path: string, from: number, to: number): Promise<boolean> {
  const fh = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const buf = Buffer.alloc(to - from);
    const { bytesRead } = await fh.read(buf, 0, buf.length, from);
    return parseEngineLog(buf.subarray(0, bytesRead).toString('utf8')).length > 0 || LOAD_LINE.test(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}
const LOAD_LINE = /llama_model_loader: loaded meta data|msg="starting (?:runner|llama server)"/;

/** The Snapshot block for one load: compute includes the host output (logits) buffer. */
export function toMeasured(load: EngineLoad, path: string, bytesRead: number): MeasuredMemory {
  const engine = load.engine === 'ollama' ? 'Ollama' : 'llama.cpp';
  const compute = load.computeBytes === null && load.outputBytes === null ? null : (load.computeBytes ?? 0) + (load.outputBytes ?? 0);
  const rounding = load.engine === 'ollama' && load.caches.length === 0 ? '; Ollama rounds sizes to 0.1 of a unit' : '';
  return {
    kvBytes: load.kvBytes,
    weightsBytes: load.weightsBytes,
    computeBytes: compute,
    source: `${engine} load log ${path} (line ${load.line} of the last ${Math.max(1, Math.round(bytesRead / 1024))} KiB)${rounding}`,
    devices: load.devices.map((d) => ({ device: d.device, kvBytes: d.kvBytes, weightsBytes: d.weightsBytes, computeBytes: d.computeBytes })),
  };
}
