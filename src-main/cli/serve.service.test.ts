/**
 * `headroom serve` as a service: started from a config file (as systemd does), JSON-line logs
 * on a pipe, /api/health and /api/ready, and SIGTERM: event streams get a last event and close,
 * history reaches the disk, the process exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const bin = join(repo, 'src-main/cli/bin.ts');
const fakeSmi = join(repo, 'e2e/fakes/nvidia-smi');

let child: ChildProcess | null = null;
let dir = '';
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function waitFor(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  return new Promise((ok, fail) => {
    const started = Date.now();
    const t = setInterval(() => {
      if (check()) {
        clearInterval(t);
        ok();
      } else if (Date.now() - started > ms) {
        clearInterval(t);
        fail(new Error(`timed out waiting for ${what}`));
      }
    }, 50);
  });
}

describe('headroom serve as a service', () => {
  it('reads --config, logs JSON lines, reports ready, and on SIGTERM closes streams, flushes history and exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-service-'));
    const state = join(dir, 'smi.state');
    writeFileSync(state, '0, GPU-svc-0, Test GPU, 24564, 4000, 20264, 300, 10, 40, 100.5, 595.71.05');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ port: 0, intervalMs: 250, discover: false, nvidiaSmi: fakeSmi, dataDir: join(dir, 'data'), logFormat: 'auto' }));
    child = spawn(process.execPath, ['--import', 'tsx', bin, 'serve', '--config', config], { cwd: repo, env: { ...process.env, FAKE_NVIDIA_SMI_STATE: state }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    await waitFor(() => /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(out), `the listening line (stdout: ${out}, stderr: ${err})`);
    const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out)![1]!;

    expect((await fetch(`${url}/api/health`)).status).toBe(200);
    let ready = 503;
    await waitFor(() => {
      void fetch(`${url}/api/ready`).then((r) => (ready = r.status), () => {});
      return ready === 200;
    }, '/api/ready 200');

    // An event-stream client, reading.
    let stream = '';
    let streamEnded = false;
    const req = http.get(`${url}/api/events`, (res) => {
      res.on('data', (c: Buffer) => (stream += c.toString()));
      res.on('end', () => (streamEnded = true));
    });
    req.on('error', () => (streamEnded = true));
    await waitFor(() => (stream.match(/event: snapshotPublished/g) ?? []).length >= 2, 'two snapshots on the stream');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await waitFor(() => streamEnded, 'the stream to end');
    expect(stream).toContain('event: serverClosing');

    // Every stdout line is a JSON log record.
    const lines = out.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const msgs = lines.map((l) => (JSON.parse(l) as { msg: string; level: string }).msg);
    expect(msgs).toEqual(expect.arrayContaining([`config: ${config}`, 'SIGTERM: stopping (closing event streams, flushing history)', 'stopped']));
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', service: 'headroom' });

    // History is on disk.
    const historyDir = join(dir, 'data', 'history');
    const files = readdirSync(historyDir).filter((f) => f.endsWith('.ndjson'));
    expect(files.length).toBeGreaterThan(0);
    const samples = files.flatMap((f) => readFileSync(join(historyDir, f), 'utf8').trim().split('\n'));
    expect(samples.length).toBeGreaterThanOrEqual(2);
  }, 40_000);

  it('refuses to bind a non-loopback address without a token, in one line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-service-'));
    child = spawn(process.execPath, ['--import', 'tsx', bin, 'serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child!.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(err).toBe('headroom serve: refusing to bind 0.0.0.0 without a token; create one with "headroom token create --role admin" (or pass --token TOKEN).\n');
  }, 20_000);
});
