/**
 * One-shot child process for GPU tools (rocm-smi, amd-smi, sysctl, the nvidia-smi probe):
 * `execFile` with an argument array (never a shell string), a timeout, an output cap and
 * `windowsHide`. A child that runs past the timeout (or is aborted) gets SIGTERM, then SIGKILL
 * after a grace period (`kill()` on Windows): it is never left behind.
 * Every failure comes back as a value; nothing here throws.
 */
import { execFile } from 'node:child_process';
import { stopChild, trackChild } from '../child-processes';

export interface RunCommandOptions {
  timeoutMs: number;
  /** Output cap per stream; tools that print more are cut off and reported. */
  maxBufferBytes?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** SIGTERM → SIGKILL grace after a timeout or abort (ms). */
  killGraceMs?: number;
}

export type RunCommandResult =
  | { ok: true; stdout: string; stderr: string }
  | {
      ok: false;
      /** Exit code, spawn error code (`ENOENT`, `EACCES`), or null (killed). */
      code: number | string | null;
      timedOut: boolean;
      aborted: boolean;
      stdout: string;
      stderr: string;
      /** One sentence naming the command and the cause. */
      message: string;
    };

export const DEFAULT_MAX_BUFFER_BYTES = 4 * 1024 * 1024;

export function runCommand(file: string, args: readonly string[], options: RunCommandOptions): Promise<RunCommandResult> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({ ok: false, code: null, timedOut: false, aborted: true, stdout: '', stderr: '', message: `${file}: aborted before start.` });
      return;
    }
    let timedOut = false;
    let aborted = false;
    const child = trackChild(
      execFile(
        file,
        [...args],
        {
          maxBuffer: options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES,
          windowsHide: true,
          encoding: 'utf8',
          // Only used by execFile itself when the output cap is hit.
          killSignal: 'SIGKILL',
          ...(options.env ? { env: options.env } : {}),
        },
        (error, stdout, stderr) => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          const out = String(stdout ?? '');
          const err = String(stderr ?? '');
          if (!error && !timedOut && !aborted) {
            resolve({ ok: true, stdout: out, stderr: err });
            return;
          }
          const e = (error ?? {}) as NodeJS.ErrnoException & { code?: number | string | null };
          const code = typeof e.code === 'number' || typeof e.code === 'string' ? e.code : null;
          let message: string;
          if (aborted) message = `${file}: aborted.`;
          else if (timedOut) message = `${file} timed out after ${options.timeoutMs} ms.`;
          else if (code === 'ENOENT') message = `${file} not found on PATH.`;
          else if (code === 'EACCES') message = `${file} is not executable (permission denied).`;
          else if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') message = `${file} printed more than ${options.maxBufferBytes ?? DEFAULT_MAX_BUFFER_BYTES} bytes.`;
          else {
            const first = (err.trim() || out.trim()).split(/\r?\n/)[0]?.slice(0, 200) ?? '';
            message = `${file} failed${code !== null ? ` (exit ${code})` : ''}${first ? `: ${first}` : '.'}`;
          }
          resolve({ ok: false, code: aborted || timedOut ? null : code, timedOut, aborted, stdout: out, stderr: err, message });
        },
      ),
    );
    const stop = () => void stopChild(child, options.killGraceMs !== undefined ? { graceMs: options.killGraceMs } : {});
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, options.timeoutMs);
    const onAbort = () => {
      if (timedOut) return;
      aborted = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
