import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeReport } from '../../../shared/contract/probe';
import { GiB } from '../../../shared/units/bytes';
import { startFakeOllamaProbe, type FakeOllamaProbe } from '../../../e2e/fakes/backends/ollama-probe';
import { GpuWatchHub } from '../../probe/gpu-watch';
import { parseProbeArgs, probeCommand } from './probe';

describe('parseProbeArgs', () => {
  it('reads every flag', () => {
    const r = parseProbeArgs(['--backend', 'ollama=127.0.0.1:11434', '--model', 'qwen2.5-coder:14b', '--from', '8k', '--to', '64k', '--kv', 'f16,q8_0', '--stop-at', '85%', '--min-tokens-per-s', '7.5', '--json', '--yes']);
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ kind: 'ollama', url: 'http://127.0.0.1:11434', fromTokens: 8192, toTokens: 65536, kvTypes: ['f16', 'q8_0'], stopAtPct: 85, minTokensPerSecond: 7.5, json: true, yes: true }) });
  });
  it('defaults: 4k to the model maximum, 90%, 5 tokens/s', () => {
    const r = parseProbeArgs(['--backend', 'http://127.0.0.1:8080', '--model', 'm', '--to', 'model-max']);
    expect(r).toEqual({ ok: true, value: expect.objectContaining({ kind: null, fromTokens: 4096, toTokens: null, stopAtPct: 90, minTokensPerSecond: 5, yes: false }) });
  });
  it.each([
    { argv: ['--model', 'm'], want: '--backend URL is required (e.g. --backend ollama=http://127.0.0.1:11434)' },
    { argv: ['--backend', 'x=http://h:1', '--model', 'm'], want: '--backend kind must be one of ollama, vllm, llamacpp, lmstudio, openai, got "x"' },
    { argv: ['--backend', 'http://h:1'], want: '--model NAME is required' },
    { argv: ['--backend', 'http://h:1', '--model', 'm', '--from', 'lots'], want: '--from: "lots" is not a token count (try 4k)' },
    { argv: ['--backend', 'http://h:1', '--model', 'm', '--stop-at', '120%'], want: '--stop-at: "120%" must be a percentage from 10 to 100 (e.g. 90%)' },
    { argv: ['--backend', 'http://h:1', '--model', 'm', '--kv', 'f16,q9'], want: expect.stringMatching(/^--kv: /) },
    { argv: ['--backend', 'http://h:1', '--model', 'm', '--from', '64k', '--to', '8k'], want: '--to: must not be below the first context (65536)' },
    { argv: ['--backend', 'http://h:1', '--model', 'm', '--wat', '1'], want: 'unknown option --wat' },
    { argv: ['--backend', 'http://h:1', '--model'], want: '--model needs a value' },
  ])('$want', ({ argv, want }) => expect(parseProbeArgs(argv)).toEqual({ ok: false, message: want }));
});

function io(input = '') {
  const stdin = new PassThrough();
  stdin.end(input);
  let out = '';
  let errText = '';
  const stdout = new PassThrough();
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  const stderr = new PassThrough();
  stderr.on('data', (c: Buffer) => (errText += c.toString()));
  return { io: { stdin, stdout, stderr }, out: () => out, err: () => errText };
}

let fake: FakeOllamaProbe | null = null;
let dir: string | null = null;
let ticker: NodeJS.Timeout | null = null;
afterEach(async () => {
  if (ticker) clearInterval(ticker);
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  fake = null;
  dir = null;
});

async function fakeWithGpu(total = 24 * GiB) {
  let used = 0;
  fake = await startFakeOllamaProbe({ gpuTotalBytes: total }, (b) => (used = b));
  const hub = new GpuWatchHub();
  const push = () => hub.push([{ id: 'gpu:0', index: 0, vendor: 'nvidia', name: 'Fake GPU', uuid: null, memoryTotalBytes: total, memoryUsedBytes: used, memoryFreeBytes: total - used, utilizationPct: null, temperatureC: null, powerWatts: null }]);
  push();
  ticker = setInterval(push, 10);
  dir = mkdtempSync(join(tmpdir(), 'headroom-probe-cli-'));
  return hub;
}

describe('headroom probe', () => {
  it('without a terminal and without --yes it asks for --yes and changes nothing', async () => {
    const gpu = await fakeWithGpu();
    const t = io();
    const code = await probeCommand(['--backend', `ollama=${fake!.url}`, '--model', 'qwen2.5-coder:14b', '--data-dir', dir!], t.io, { gpu, isTty: false });
    expect(code).toBe(2);
    expect(t.err()).toContain('Pass --yes to confirm');
    expect(fake!.requests.filter((r) => r.path === '/api/generate')).toEqual([]);
  });

  it('at the prompt, anything but yes does not start', async () => {
    const gpu = await fakeWithGpu();
    const t = io('n\n');
    const code = await probeCommand(['--backend', `ollama=${fake!.url}`, '--model', 'qwen2.5-coder:14b', '--data-dir', dir!], t.io, { gpu, isTty: true });
    expect(code).toBe(0);
    expect(t.err()).toContain('Start? [y/N]');
    expect(t.err()).toContain('not started');
    expect(fake!.requests.filter((r) => r.path === '/api/generate')).toEqual([]);
  });

  it('runs, prints progress and the table, saves the report, restores the model', async () => {
    const gpu = await fakeWithGpu();
    const t = io('y\n');
    const code = await probeCommand(['--backend', `ollama=${fake!.url}`, '--model', 'qwen2.5-coder:14b', '--data-dir', dir!], t.io, { gpu, isTty: true });
    expect(code).toBe(0);
    expect(t.out()).toMatch(/step 1\/6: loading at 4,096 tokens/);
    expect(t.out()).toMatch(/step 2\/6: loading at 8,192 tokens \(about \d+ s left\)/);
    expect(t.out()).toContain('Largest context under 90% at ≥ 5 tokens/s: 32,768 tokens');
    expect(t.out()).toMatch(/Result: stopped — VRAM reached 9\d% \(threshold 90%\) at 65,536 tokens/);
    expect(t.out()).toContain('reloaded qwen2.5-coder:14b at 4,096 tokens');
    const files = readdirSync(join(dir!, 'probes'));
    expect(files).toHaveLength(1);
    const saved = JSON.parse(readFileSync(join(dir!, 'probes', files[0]!), 'utf8')) as ProbeReport;
    expect(saved.steps).toHaveLength(5);
    expect(fake!.loaded()).toEqual([{ model: 'qwen2.5-coder:14b', contextLength: 4096 }]);
  });

  it('--json prints the report on stdout and progress on stderr; Ctrl+C cancels and restores', async () => {
    const gpu = await fakeWithGpu(48 * GiB);
    fake!.script.stepDelayMs = 30;
    const t = io();
    let interrupt: () => void = () => {};
    let steps = 0;
    t.io.stderr.on('data', (c: Buffer) => {
      if (/tokens: ok/.test(c.toString()) && ++steps === 2) interrupt();
    });
    const code = await probeCommand(['--backend', `ollama=${fake!.url}`, '--model', 'qwen2.5-coder:14b', '--data-dir', dir!, '--yes', '--json'], t.io, {
      gpu,
      onInterrupt: (h) => {
        interrupt = h;
        return () => {};
      },
    });
    expect(code).toBe(130);
    const report = JSON.parse(t.out()) as ProbeReport;
    expect(report.status).toBe('cancelled');
    expect(report.steps.length).toBeGreaterThanOrEqual(2);
    expect(t.err()).toContain('Cancelling: finishing the current request');
    expect(fake!.loaded()).toEqual([{ model: 'qwen2.5-coder:14b', contextLength: 4096 }]);
  });
});
