/**
 * The newest llama.cpp architecture list this machine can read: `src/llama-arch.cpp` out of the git
 * bundle node-llama-cpp ships (`node_modules/node-llama-cpp/llama/gitRelease.bundle`, the source of its
 * prebuilt binaries, which the bench loads). Falls back to the list committed in
 * shared/estimator/llama-cpp-arch-names.ts, and says so, when git or the bundle is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LLAMA_CPP_ARCH_NAMES, LLAMA_CPP_ARCH_NAMES_SOURCE, parseLlmArchNames } from '../../shared/estimator/llama-cpp-arch-names';

export interface ArchNameList {
  names: readonly string[];
  /** Where the list came from, printed by the bench. */
  source: string;
}

function bundlePath(): string | null {
  let dir: string;
  try {
    // The package's exports hide package.json: start from its entry point and walk up to the package root.
    dir = dirname(createRequire(import.meta.url).resolve('node-llama-cpp'));
  } catch {
    return null;
  }
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'llama', 'gitRelease.bundle');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return null;
}

export function llamaCppArchNames(): ArchNameList {
  const bundle = bundlePath();
  if (!bundle) return { names: LLAMA_CPP_ARCH_NAMES, source: `${LLAMA_CPP_ARCH_NAMES_SOURCE} (committed copy: node-llama-cpp's gitRelease.bundle not found)` };
  const dir = mkdtempSync(join(tmpdir(), 'headroom-llama-arch-'));
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    git('init', '-q', '--bare', '.');
    git('fetch', '-q', bundle, 'HEAD');
    const commit = git('rev-parse', '--short', 'FETCH_HEAD').trim();
    const date = git('log', '-1', '--format=%cs', 'FETCH_HEAD').trim();
    const names = parseLlmArchNames(git('show', 'FETCH_HEAD:src/llama-arch.cpp'));
    if (!names) return { names: LLAMA_CPP_ARCH_NAMES, source: `${LLAMA_CPP_ARCH_NAMES_SOURCE} (committed copy: the bundle's llama-arch.cpp has no LLM_ARCH_NAMES table this parser knows)` };
    return { names, source: `node-llama-cpp gitRelease.bundle, llama.cpp ${commit} (${date}), src/llama-arch.cpp` };
  } catch (e) {
    return { names: LLAMA_CPP_ARCH_NAMES, source: `${LLAMA_CPP_ARCH_NAMES_SOURCE} (committed copy: reading the bundle failed: ${(e as Error).message.split('\n')[0]})` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
