import type { BackendKind } from '../model/snapshot';

/**
 * Remedy sentences with the exact command or setting for each backend. Pure; each returns
 * one or two sentences that end with a full stop. `model` is the backend's model name.
 * Flags and variables: ../shared/reference/backends.md (Ollama env table, llama-server flags).
 */

/**
 * The shell a command is written for. Windows users get PowerShell (`setx` for the variables the
 * Ollama tray app reads at start, `$env:` for the current session), never a POSIX `VAR=x cmd`.
 */
export type CommandShell = 'posix' | 'powershell';

/** The shell for the OS Headroom (and the LLM servers it watches) runs on. */
export function commandShellFor(platform: string): CommandShell {
  return platform === 'win32' ? 'powershell' : 'posix';
}

/** The shell for a browser's OS, from its user agent (the dashboard shows commands for it). */
export function commandShellFromUserAgent(userAgent: string): CommandShell {
  return /\bWindows\b|\bWin(?:32|64)\b/.test(userAgent) ? 'powershell' : 'posix';
}

/**
 * Lines that restart Ollama with a q8_0 KV cache and flash attention (which q8_0 needs).
 * Windows: Ollama runs as a tray app that reads user environment variables when it starts, so
 * `setx` stores them, `$env:` sets them for this PowerShell (a process it starts inherits them,
 * setx does not change the running shell), and the tray app is restarted
 * (`%LOCALAPPDATA%\Programs\Ollama\ollama app.exe`, Ollama's Windows install location).
 */
export function ollamaKvCacheRestart(shell: CommandShell): string[] {
  if (shell === 'powershell') {
    return [
      "setx OLLAMA_KV_CACHE_TYPE q8_0; $env:OLLAMA_KV_CACHE_TYPE = 'q8_0'",
      "setx OLLAMA_FLASH_ATTENTION 1; $env:OLLAMA_FLASH_ATTENTION = '1'",
      "Stop-Process -Name 'ollama app', 'ollama' -ErrorAction SilentlyContinue",
      'Start-Process "$env:LOCALAPPDATA\\Programs\\Ollama\\ollama app.exe"',
    ];
  }
  return ['OLLAMA_KV_CACHE_TYPE=q8_0 OLLAMA_FLASH_ATTENTION=1 ollama serve'];
}

/** The same advice in a sentence: "set … and reload" (POSIX) or "`setx` …, then restart the Ollama tray app" (Windows). */
function ollamaKvCacheAdvice(shell: CommandShell, then: string): string {
  return shell === 'powershell'
    ? `run \`setx OLLAMA_KV_CACHE_TYPE q8_0\` and \`setx OLLAMA_FLASH_ATTENTION 1\`, then quit and restart the Ollama tray app and ${then}`
    : `set OLLAMA_KV_CACHE_TYPE=q8_0 with OLLAMA_FLASH_ATTENTION=1 and ${then}`;
}

/** A smaller context to suggest: half the current one, at least 2048 tokens. */
export function smallerContext(contextTokens: number | null | undefined): number | null {
  if (!contextTokens || contextTokens <= 2048) return null;
  return Math.max(2048, Math.floor(contextTokens / 2 / 1024) * 1024);
}

/** What to do when VRAM is nearly full and `kind` serves `model` on that GPU. */
export function freeVramRemedy(kind: BackendKind | null, model: string | null, contextTokens?: number | null, shell: CommandShell = 'posix'): string {
  const m = model ?? '<model>';
  const smaller = smallerContext(contextTokens);
  switch (kind) {
    case 'ollama':
      return `Unload a model (\`ollama stop ${m}\`), or ${ollamaKvCacheAdvice(shell, 'reload to halve its KV cache.')}`;
    case 'llamacpp':
      return `Restart llama-server with a smaller context (\`-c ${smaller ?? '<smaller>'}\`) or a quantized KV cache (\`--cache-type-k q8_0 --cache-type-v q8_0 -fa on\`).`;
    case 'vllm':
      return 'Restart vLLM with a lower `--max-model-len` or `--gpu-memory-utilization`.';
    case 'lmstudio':
      return `Unload a model (\`lms unload ${m}\`), or reload it with a smaller context length or KV cache quantization in its load settings.`;
    case 'openai':
      return 'Unload a model on that server or restart it with a smaller context.';
    default:
      return 'Close apps that use the GPU, or unload a model.';
  }
}

/** What to do when a model spilled part of itself to system RAM. */
export function spillRemedy(kind: BackendKind, model: string, contextTokens?: number | null, shell: CommandShell = 'posix'): string {
  if (kind === 'ollama') {
    const ctx = smallerContext(contextTokens);
    return `Free VRAM (\`ollama stop <other model>\`, close GPU apps), reload with a smaller num_ctx${ctx ? ` (e.g. ${ctx})` : ''}, or ${
      shell === 'powershell'
        ? ollamaKvCacheAdvice(shell, `run ${model} again.`)
        : `set OLLAMA_KV_CACHE_TYPE=q8_0 with OLLAMA_FLASH_ATTENTION=1, then \`ollama stop ${model}\` and run it again.`
    }`;
  }
  return freeVramRemedy(kind, model, contextTokens, shell);
}

/** What to do when a conversation fills (or will fill) a slot's context window. */
export function contextRemedy(kind: BackendKind, model: string | null, shell: CommandShell = 'posix'): string {
  switch (kind) {
    case 'ollama':
      return shell === 'powershell'
        ? 'Start a new conversation, or raise num_ctx; a q8_0 KV cache (`setx OLLAMA_KV_CACHE_TYPE q8_0` and `setx OLLAMA_FLASH_ATTENTION 1`, then restart the Ollama tray app) fits twice the context in the same VRAM.'
        : 'Start a new conversation, or raise num_ctx; OLLAMA_KV_CACHE_TYPE=q8_0 with OLLAMA_FLASH_ATTENTION=1 fits twice the context in the same VRAM.';
    case 'llamacpp':
      return 'Start a new conversation, or restart llama-server with a larger `-c` and `--cache-type-k q8_0 --cache-type-v q8_0 -fa on` to fit it in the same VRAM.';
    case 'vllm':
      return 'Start a new conversation; requests longer than `--max-model-len` are rejected.';
    case 'lmstudio':
      return `Start a new conversation, or reload ${model ?? 'the model'} with a larger context length (and KV cache quantization to fit it).`;
    default:
      return 'Start a new conversation, or reload the model with a larger context.';
  }
}

/** vLLM preempting or queueing requests because its KV cache is full. */
export function vllmPressureRemedy(): string {
  return 'Lower `--max-num-seqs` or `--max-model-len`, or raise `--gpu-memory-utilization` if the GPU has room.';
}

/** A backend that stopped answering. */
export function backendDownRemedy(kind: BackendKind): string {
  switch (kind) {
    case 'ollama':
      return 'Start it (`ollama serve` or the Ollama app), or check its address in Settings.';
    case 'vllm':
      return 'Restart `vllm serve` and check its log for an out-of-memory error.';
    case 'llamacpp':
      return 'Restart llama-server and check its log for an out-of-memory error.';
    case 'lmstudio':
      return 'Start the LM Studio server (`lms server start`).';
    default:
      return 'Restart the server, or check its address in Settings.';
  }
}

/** A backend that refused Headroom's credentials. */
export function unauthorizedRemedy(kind: BackendKind): string {
  switch (kind) {
    case 'llamacpp':
      return 'Enter the key llama-server was started with (`--api-key`) in Settings.';
    case 'vllm':
      return 'Enter the key vLLM was started with (`--api-key`) in Settings.';
    case 'lmstudio':
      return 'Create an API token in LM Studio and enter it in Settings.';
    default:
      return 'Enter its API key in Settings.';
  }
}

/** Another application holding VRAM a model needs. */
export function otherAppRemedy(appName: string): string {
  return `Close ${appName} or turn off its hardware acceleration, or unload a model.`;
}
