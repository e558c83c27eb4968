/** RSS of an idle `headroom serve` (1 GPU + Ollama fakes) after 60 s, read from /proc. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasProcfs, line, sleep, startFakeBackends, startServe } from './serve-harness';

export async function benchServeRss(): Promise<{ lines: string[] }> {
  if (!hasProcfs()) return { lines: [line('RSS of idle headroom serve', 'skipped', 'needs Linux /proc')] };
  const seconds = process.env.HEADROOM_BENCH_QUICK ? 20 : 60;
  const dir = mkdtempSync(join(tmpdir(), 'headroom-rss-'));
  const fakes = await startFakeBackends(1);
  const serve = startServe({ name: 'rss', gpus: 1, servers: [{ kind: 'ollama', url: fakes.urls.ollama }] }, dir);
  try {
    await sleep(seconds * 1000);
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serve.child.pid}/status`, 'utf8'))?.[1] ?? NaN);
    const mb = kb / 1024;
    return { lines: [line(`RSS of idle headroom serve after ${seconds} s`, `${mb.toFixed(1)} MB`, '≤ 120 MB', mb <= 120)] };
  } finally {
    await serve.stop(); // it writes its last history lines on the way out
    fakes.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
