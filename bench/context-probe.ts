/**
 * Probe figures for `npm run bench`: Headroom's own CPU per probe step (the probe process, beyond
 * start-up; the fake server's work is in another process), the duration of a 6-step probe against
 * the scripted fake Ollama with the fake nvidia-smi stream, and the real llama.cpp run: memory per
 * step measured against the memory model.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MiB } from '../shared/units/bytes';
import { startFakeOllamaProbe } from '../e2e/fakes/backends/ollama-probe';
import { probeTinyModel } from './probe/real-llama';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const fakeSmi = join(root, 'e2e/fakes/nvidia-smi');

function line(name: string, value: string, target: string, pass: boolean | null): string {
  const verdict = pass === null ? '' : pass ? '  PASS' : '  FAIL';
  return `${name.padEnd(58)} ${value.padStart(14)}   target ${target}${verdict}`;
}

function child(args: string[], env: NodeJS.ProcessEnv): Promise<{ cpuMs: number; wallMs: number; steps: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/probe/probe-child.ts'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (b: Buffer) => (out += b.toString()));
    c.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!) as { cpuMs: number; wallMs: number; steps: number }) : reject(new Error(`probe child exited ${code}`))));
  });
}

export async function benchProbe(): Promise<{ lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-probe-'));
  const state = join(dir, 'smi');
  const total = 48 * 1024;
  const write = (bytes: number) => writeFileSync(state, `0, GPU-bench, NVIDIA RTX 6000 Ada, ${total}, ${Math.round(bytes / MiB)}, ${total - Math.round(bytes / MiB)}, 300, 40, 50, 150.00, 595.71.05`);
  const fake = await startFakeOllamaProbe({ gpuTotalBytes: total * MiB }, write);
  const lines: string[] = [];
  try {
    const env = { ...process.env, FAKE_NVIDIA_SMI_STATE: state };
    const run = await child([fake.url, fakeSmi, join(dir, 'data')], env);
    const perStep = run.cpuMs / Math.max(1, run.steps);
    lines.push(line(`Probe CPU per step (Headroom's process; the server is another)`, `${perStep.toFixed(1)} ms`, '≤ 40 ms', perStep <= 40));
    lines.push(line(`Duration of a ${run.steps}-step probe (2k→64k) against the fake Ollama`, `${(run.wallMs / 1000).toFixed(2)} s`, '≤ 6 s', run.steps === 6 && run.wallMs <= 6000));
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const real = await probeTinyModel();
  lines.push('Probe against real llama.cpp (node-llama-cpp, CPU, tiny llama 4×256): memory per step vs the memory model');
  for (const [i, r] of real.rows.entries()) {
    const s = real.report.steps[i]!;
    const kvExact = r.predictedKvBytes !== null && Math.abs(r.kvBytes - r.predictedKvBytes) <= 0.005 * MiB;
    lines.push(
      `  ctx ${String(r.contextTokens).padStart(5)}: KV ${(r.kvBytes / MiB).toFixed(2)} MiB (model ${((r.predictedKvBytes ?? 0) / MiB).toFixed(2)}, ${kvExact ? 'exact' : 'MISMATCH'}), ` +
        `compute ${(r.computeBytes / MiB).toFixed(2)} MiB (${r.predictedComputeBytes === null ? 'no prediction' : `GGUF formula ${(r.predictedComputeBytes / MiB).toFixed(2)}`}), total error ${s.predictionErrorPct?.toFixed(1) ?? '—'}%, ` +
        `TTFT ${s.ttftMs?.toFixed(0)} ms for ${s.promptTokens} tokens, ${s.tokensPerSecond?.toFixed(0) ?? '—'} tok/s`,
    );
  }
  lines.push(line('  KV per step equals llama.cpp’s allocation', `${real.rows.filter((r) => r.predictedKvBytes !== null && Math.abs(r.kvBytes - r.predictedKvBytes) <= 0.005 * MiB).length}/${real.rows.length}`, 'all', real.rows.every((r) => r.predictedKvBytes !== null && Math.abs(r.kvBytes - r.predictedKvBytes) <= 0.005 * MiB)));
  return { lines };
}
