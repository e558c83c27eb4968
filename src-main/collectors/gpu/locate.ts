/**
 * Finding GPU tools on disk: PATH search (with PATHEXT on Windows) plus the fixed places
 * vendors install to. File-system access is passed in so that Windows layouts can be tested
 * on any OS.
 */
import { constants as fsConstants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export interface LocateDeps {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  /** True when `file` exists and can be executed. */
  isExecutable(file: string): Promise<boolean>;
  /** Sub-directory names of `dir`; [] when it cannot be read. */
  listDirs(dir: string): Promise<string[]>;
  /** Modification time in ms, or null when `file` is missing. */
  mtimeMs(file: string): Promise<number | null>;
}

export function defaultLocateDeps(): LocateDeps {
  return {
    platform: process.platform,
    env: process.env,
    async isExecutable(file) {
      try {
        await access(file, process.platform === 'win32' ? fsConstants.F_OK : fsConstants.X_OK);
        return (await stat(file)).isFile();
      } catch {
        return false;
      }
    },
    async listDirs(dir) {
      try {
        return (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
      } catch {
        return [];
      }
    },
    async mtimeMs(file) {
      try {
        return (await stat(file)).mtimeMs;
      } catch {
        return null;
      }
    },
  };
}

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** `PATH` is `Path` on Windows and environment keys are case-insensitive there. */
function envValue(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
  return key === undefined ? undefined : env[key];
}

/** Searches PATH for `name` (adding PATHEXT extensions on Windows). Returns the full path or null. */
export async function findOnPath(name: string, deps: LocateDeps): Promise<string | null> {
  const p = pathApi(deps.platform);
  const dirs = (envValue(deps.env, 'PATH', deps.platform) ?? '').split(p.delimiter).filter((d) => d.trim() !== '');
  const exts =
    deps.platform === 'win32' && p.extname(name) === ''
      ? (envValue(deps.env, 'PATHEXT', deps.platform) ?? '.COM;.EXE;.BAT;.CMD').split(';').filter(Boolean).map((e) => e.toLowerCase())
      : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = p.join(dir.replace(/^"|"$/g, ''), name + ext);
      if (await deps.isExecutable(candidate)) return candidate;
    }
  }
  return null;
}

/**
 * Where nvidia-smi lives (backends.md §6.6). Windows: `%WINDIR%\System32`, then the newest
 * DriverStore copy, then the pre-DCH NVSMI folder, then PATH. Elsewhere: PATH only.
 */
export async function locateNvidiaSmi(deps: LocateDeps): Promise<string | null> {
  if (deps.platform !== 'win32') return findOnPath('nvidia-smi', deps);
  const p = path.win32;
  const windir = envValue(deps.env, 'WINDIR', 'win32') ?? envValue(deps.env, 'SystemRoot', 'win32') ?? 'C:\\Windows';
  const system32 = p.join(windir, 'System32', 'nvidia-smi.exe');
  if (await deps.isExecutable(system32)) return system32;
  const repo = p.join(windir, 'System32', 'DriverStore', 'FileRepository');
  let newest: { file: string; mtimeMs: number } | null = null;
  for (const dir of await deps.listDirs(repo)) {
    if (!/^nv/i.test(dir)) continue;
    const file = p.join(repo, dir, 'nvidia-smi.exe');
    const mtimeMs = await deps.mtimeMs(file);
    if (mtimeMs !== null && (newest === null || mtimeMs > newest.mtimeMs) && (await deps.isExecutable(file))) newest = { file, mtimeMs };
  }
  if (newest) return newest.file;
  const programFiles = envValue(deps.env, 'ProgramFiles', 'win32') ?? 'C:\\Program Files';
  const nvsmi = p.join(programFiles, 'NVIDIA Corporation', 'NVSMI', 'nvidia-smi.exe');
  if (await deps.isExecutable(nvsmi)) return nvsmi;
  return findOnPath('nvidia-smi', deps);
}

/** `typeperf.exe` ships in `%WINDIR%\System32`; PATH is the fallback. Null off Windows. */
export async function locateTypeperf(deps: LocateDeps): Promise<string | null> {
  if (deps.platform !== 'win32') return null;
  const windir = envValue(deps.env, 'WINDIR', 'win32') ?? envValue(deps.env, 'SystemRoot', 'win32') ?? 'C:\\Windows';
  const system32 = path.win32.join(windir, 'System32', 'typeperf.exe');
  if (await deps.isExecutable(system32)) return system32;
  return findOnPath('typeperf', deps);
}

/** `sysctl` is `/usr/sbin/sysctl` on macOS; PATH first so tests can put a fake in front. */
export async function locateSysctl(deps: LocateDeps): Promise<string | null> {
  const onPath = await findOnPath('sysctl', deps);
  if (onPath) return onPath;
  for (const file of ['/usr/sbin/sysctl', '/sbin/sysctl']) if (await deps.isExecutable(file)) return file;
  return null;
}

/** rocm-smi / amd-smi: PATH, then the ROCm install folder (`/opt/rocm/bin`). */
export async function locateRocmTool(name: 'rocm-smi' | 'amd-smi', deps: LocateDeps): Promise<string | null> {
  const onPath = await findOnPath(name, deps);
  if (onPath) return onPath;
  if (deps.platform === 'win32') return null;
  const rocm = envValue(deps.env, 'ROCM_PATH', deps.platform) ?? '/opt/rocm';
  const file = path.posix.join(rocm, 'bin', name);
  return (await deps.isExecutable(file)) ? file : null;
}
