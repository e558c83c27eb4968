/**
 * Writes fake GPU tools (tiny `#!/usr/bin/env node` executables) into a directory, for unit
 * tests, the GPU stream benchmark and e2e. Each fake runs `fake-gpu-tool.mjs` with a JSON
 * behaviour baked in, so tests need no environment variables. POSIX only (shebang + chmod).
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Absolute path of a recorded fixture under `e2e/fixtures/backends/`. */
export function gpuFixture(relative: string): string {
  return path.resolve(here, '..', '..', 'fixtures', 'backends', relative);
}

export interface FakeStream {
  header?: string;
  frames?: string[];
  framesFile?: string;
  intervalMs?: number;
  repeat?: boolean;
  stallAfterFrames?: number;
  exitAfterFrames?: number;
  exitCode?: number;
}

export interface FakeRule {
  /** Every listed string must appear in (or equal) one of the arguments. */
  whenArgs?: string[];
  stdout?: string;
  stdoutFile?: string;
  stderr?: string;
  exitCode?: number;
  delayMs?: number;
  crlf?: boolean;
  stream?: FakeStream;
}

export interface FakeBehaviour {
  /** One JSON line `{argv, pid}` is appended here per start (count spawns, check args). */
  logFile?: string;
  rules: FakeRule[];
}

/** Writes `<dir>/<name>` and returns its path. */
export async function writeFakeTool(dir: string, name: string, behaviour: FakeBehaviour): Promise<string> {
  const runner = pathToFileURL(path.join(here, 'fake-gpu-tool.mjs')).href;
  const file = path.join(dir, name);
  await writeFile(file, `#!/usr/bin/env node\nimport(${JSON.stringify(runner)}).then((m) => m.run(${JSON.stringify(behaviour)}));\n`);
  await chmod(file, 0o755);
  return file;
}

export interface FakeBinDir {
  dir: string;
  /** `dir` first, then the rest of PATH (so `node` itself is still found). */
  pathEnv: string;
  remove(): Promise<void>;
}

export async function makeFakeBinDir(prefix = 'headroom-gpu-'): Promise<FakeBinDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    pathEnv: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The invocations a fake logged (see `FakeBehaviour.logFile`). */
export async function readInvocations(logFile: string): Promise<{ argv: string[]; pid: number }[]> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { argv: string[]; pid: number });
  } catch {
    return [];
  }
}
