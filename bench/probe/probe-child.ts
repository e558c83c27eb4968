/**
 * Child process of the probe benchmark: runs `headroom probe` (the CLI command, with the GPU
 * stream from the given nvidia-smi) against a fake Ollama, then prints the CPU time it spent
 * from the start of the probe to its end (start-up and module loading excluded).
 */
import { PassThrough } from 'node:stream';
import { probeCommand } from '../../src-main/cli/commands/probe';

const [url, smi, dataDir] = process.argv.slice(2);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let steps = 0;
{
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const code = await probeCommand(['--backend', `ollama=${url}`, '--model', 'qwen2.5-coder:14b', '--from', '2k', '--to', '64k', '--yes', '--json', '--nvidia-smi', smi!, '--data-dir', dataDir!], { stdin: new PassThrough(), stdout: out, stderr: new PassThrough() });
  if (code !== 0) throw new Error(`probe exited ${code}`);
  steps = (JSON.parse(text) as { steps: unknown[] }).steps.length;
}
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0, steps })}\n`);
process.exit(0);
