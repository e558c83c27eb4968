/**
 * Issue 11 item 8: remedies and one-click fixes name the command for the user's OS and shell.
 * On Windows that is PowerShell: `setx NAME value` stores a user variable (Microsoft docs, setx:
 * "creates or modifies environment variables in the user or system environment ... without
 * requiring programming or scripting"; it does not change the current console, hence `$env:`),
 * and the Ollama tray app reads variables when it starts (Ollama docs, "Setting environment
 * variables on Windows": quit Ollama from the taskbar, edit the variables, start Ollama again).
 * A POSIX `VAR=x cmd` line does nothing useful in PowerShell or cmd.exe.
 */
import { describe, expect, it } from 'vitest';
import { commandShellFor, commandShellFromUserAgent, contextRemedy, freeVramRemedy, ollamaKvCacheRestart, spillRemedy } from './remedies';

/** A POSIX environment prefix: `NAME=value command`. */
const POSIX_ENV_PREFIX = /(^|\n|\s)[A-Z_][A-Z0-9_]*=\S+\s+\S/;

describe('remedies for the user\'s shell', () => {
  it('picks PowerShell on Windows (process.platform or a browser on Windows)', () => {
    expect(commandShellFor('win32')).toBe('powershell');
    expect(commandShellFor('linux')).toBe('posix');
    expect(commandShellFor('darwin')).toBe('posix');
    expect(commandShellFromUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Headroom/0.1.0 Chrome/140.0 Electron/45.5.0 Safari/537.36')).toBe('powershell');
    expect(commandShellFromUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36')).toBe('posix');
    expect(commandShellFromUserAgent('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15')).toBe('posix');
  });

  it('Windows: setx (+ $env: for this shell) and a restart of the Ollama tray app, no VAR=x cmd', () => {
    const lines = ollamaKvCacheRestart('powershell');
    expect(lines[0]).toBe("setx OLLAMA_KV_CACHE_TYPE q8_0; $env:OLLAMA_KV_CACHE_TYPE = 'q8_0'");
    expect(lines[1]).toBe("setx OLLAMA_FLASH_ATTENTION 1; $env:OLLAMA_FLASH_ATTENTION = '1'");
    expect(lines.join('\n')).toContain('Start-Process "$env:LOCALAPPDATA\\Programs\\Ollama\\ollama app.exe"');
    expect(lines.join('\n')).not.toMatch(POSIX_ENV_PREFIX);
    expect(ollamaKvCacheRestart('posix')).toEqual(['OLLAMA_KV_CACHE_TYPE=q8_0 OLLAMA_FLASH_ATTENTION=1 ollama serve']);
  });

  it.each([
    ['freeVramRemedy', freeVramRemedy('ollama', 'qwen2.5:14b', 8192, 'powershell')],
    ['spillRemedy', spillRemedy('ollama', 'qwen2.5:14b', 8192, 'powershell')],
    ['contextRemedy', contextRemedy('ollama', 'qwen2.5:14b', 'powershell')],
  ])('%s on Windows says setx and the tray app', (_name, text) => {
    expect(text).toContain('`setx OLLAMA_KV_CACHE_TYPE q8_0`');
    expect(text).toMatch(/restart the Ollama tray app/);
    expect(text).not.toContain('OLLAMA_KV_CACHE_TYPE=q8_0');
  });
});
