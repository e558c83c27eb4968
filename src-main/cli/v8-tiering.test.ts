/**
 * `headroom serve` runs with V8's baseline compiler as the top tier (v8-tiering.ts): after it
 * has started, no function is sent to the optimising compiler however hot it gets. V8's own
 * `--trace-opt` lines are the evidence ("completed compiling … (target TURBOFAN)"); the same run
 * with HEADROOM_V8_OPTIMIZE=1 shows that the load used here does make functions hot enough.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { limitTieringForServe, SERVE_V8_FLAGS } from './v8-tiering';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const bin = join(repo, 'src-main/cli/bin.ts');
const fakeSmi = join(repo, 'e2e/fakes/nvidia-smi');

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts serve with --trace-opt, makes its request path hot, returns the TurboFan compiles traced after it listened. */
async function turbofanCompilesUnderLoad(env: NodeJS.ProcessEnv): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-tiering-'));
  dirs.push(dir);
  const state = join(dir, 'smi.state');
  writeFileSync(state, '0, GPU-t-0, Test GPU, 24564, 4000, 20264, 300, 10, 40, 100.5, 595.71.05');
  const args = ['--trace-opt', '--import', 'tsx', bin, 'serve', '--port', '0', '--interval-ms', '250', '--no-discover', '--nvidia-smi', fakeSmi, '--data-dir', join(dir, 'data'), '--log-format', 'json'];
  const child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, ...env, FAKE_NVIDIA_SMI_STATE: state }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const started = Date.now();
  while (!/"url":"http:\/\/127\.0\.0\.1:\d+"/.test(out)) {
    if (Date.now() - started > 30_000 || child.exitCode !== null) throw new Error(`serve did not start: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)![1]!;
  const from = out.length;
  // 4,000 requests, 8 at a time: the request path runs hot.
  for (let i = 0; i < 500; i++) await Promise.all(Array.from({ length: 8 }, () => fetch(`${url}/api/health`).then((r) => r.arrayBuffer())));
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  return (out.slice(from).match(/completed compiling[^\n]*target TURBOFAN/g) ?? []).length;
}

describe('V8 tiering of headroom serve', () => {
  it('sets --max-opt=1 unless HEADROOM_V8_OPTIMIZE=1', () => {
    const set: string[] = [];
    expect(limitTieringForServe({}, (f) => set.push(f))).toBe(true);
    expect(limitTieringForServe({ HEADROOM_V8_OPTIMIZE: '1' }, (f) => set.push(f))).toBe(false);
    expect(limitTieringForServe({ HEADROOM_V8_OPTIMIZE: '0' }, (f) => set.push(f))).toBe(true);
    expect(set).toEqual([SERVE_V8_FLAGS, SERVE_V8_FLAGS]);
    expect(SERVE_V8_FLAGS).toBe('--max-opt=1');
  });

  it('serve optimises nothing after it starts, under a load that does get functions optimised otherwise', async () => {
    const [limited, full] = await Promise.all([turbofanCompilesUnderLoad({}), turbofanCompilesUnderLoad({ HEADROOM_V8_OPTIMIZE: '1' })]);
    expect(full).toBeGreaterThan(0);
    expect(limited).toBe(0);
  }, 90_000);
});
