/**
 * Finds a model's `config.json` in the local Hugging Face cache, where vLLM downloaded it:
 * `$HF_HUB_CACHE` or `$HF_HOME/hub` or `~/.cache/huggingface/hub`, then
 * `models--<org>--<name>/snapshots/<revision>/config.json` (newest revision). Null when absent.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function hfHubDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'huggingface', 'hub');
}

export function findHfConfigPath(modelId: string, hubDir = hfHubDir()): string | null {
  if (!/^[\w.-]+\/[\w.-]+$/.test(modelId)) return null;
  const snapshots = join(hubDir, `models--${modelId.replace('/', '--')}`, 'snapshots');
  let revisions: string[];
  try {
    revisions = readdirSync(snapshots);
  } catch {
    return null;
  }
  const candidates = revisions
    .map((r) => join(snapshots, r, 'config.json'))
    .filter((p) => existsSync(p))
    .map((p) => ({ p, t: statSync(p).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  return candidates[0]?.p ?? null;
}
