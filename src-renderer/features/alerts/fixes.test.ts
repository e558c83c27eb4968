/** Issue 11 item 8: the one-click reload guidance names commands for the viewer's shell. */
import { describe, expect, it } from 'vitest';
import { ollamaKvCacheRestart } from '../../../shared/alerts/remedies';
import type { BackendReading, LoadedModel } from '../../../shared/model/snapshot';
import { reloadGuidance } from './fixes';

/** A POSIX environment prefix: `NAME=value command`. */
const POSIX_ENV_PREFIX = /(^|\n|\s)[A-Z_][A-Z0-9_]*=\S+\s+\S/;

describe('reload guidance', () => {
  it('the one-click reload guidance for an Ollama model follows the shell', () => {
    const backend = { id: 'ollama@127.0.0.1:11434', kind: 'ollama', status: 'up', models: [] } as unknown as BackendReading;
    const model = { name: 'qwen2.5-coder:14b', contextLength: 16384 } as LoadedModel;
    const win = reloadGuidance({ backend, model }, 'powershell')!;
    expect(win.command.split('\n')).toEqual([
      'ollama stop qwen2.5-coder:14b',
      ...ollamaKvCacheRestart('powershell'),
      'ollama run qwen2.5-coder:14b',
      '/set parameter num_ctx 8192',
    ]);
    expect(win.command).not.toMatch(POSIX_ENV_PREFIX);
    expect(reloadGuidance({ backend, model })!.command).toContain('OLLAMA_KV_CACHE_TYPE=q8_0 OLLAMA_FLASH_ATTENTION=1 ollama serve');
  });
});
