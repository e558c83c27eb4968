/**
 * Captures real llama.cpp load logs (node-llama-cpp 3.21.1, CPU) for the engine-log parser tests:
 * tiny GGUFs from bench/accuracy are loaded and given contexts; every log line is written, as
 * llama.cpp printed it, to src-main/models/engine-logs/fixtures/<name>.log.
 * Run: node --import tsx bench/accuracy/capture-logs.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';
import { writeGguf } from './gguf-writer';
import { buildTinyModel, type TinySpec } from './tiny-models';

const OUT = fileURLToPath(new URL('../../src-main/models/engine-logs/fixtures/', import.meta.url));

interface Capture {
  file: string;
  spec: TinySpec;
  contexts: { contextSize: number; sequences: number; flashAttention?: boolean; typeK?: string; typeV?: string; batchSize?: number }[];
}

const CAPTURES: Capture[] = [
  {
    file: 'node-llama-cpp-llama-two-contexts.log',
    spec: { name: 'tiny-llama', arch: 'llama', layers: 4, embd: 256, heads: 8, kvHeads: 2 },
    contexts: [{ contextSize: 2048, sequences: 1 }, { contextSize: 4096, sequences: 2, typeK: 'q8_0', typeV: 'q8_0' }],
  },
  {
    file: 'node-llama-cpp-gemma3-iswa.log',
    spec: { name: 'tiny-gemma3', arch: 'gemma3', layers: 7, embd: 256, heads: 4, kvHeads: 2, headDim: 64, slidingWindow: 512 },
    contexts: [{ contextSize: 8192, sequences: 1, flashAttention: false }],
  },
  {
    file: 'node-llama-cpp-qwen35-hybrid.log',
    spec: { name: 'tiny-qwen35', arch: 'qwen35', layers: 8, embd: 256, heads: 4, kvHeads: 2, headDim: 64, ssm: { state: 16, groups: 2, valueHeads: 4, conv: 4, interval: 4 } },
    contexts: [{ contextSize: 2048, sequences: 3 }],
  },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-logs-'));
  let lines: string[] = [];
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.debug, logger: (_l, message) => lines.push(message) });
  try {
    for (const c of CAPTURES) {
      lines = [];
      const model = buildTinyModel(c.spec);
      const file = join(dir, `${c.spec.name}.gguf`);
      writeFileSync(file, writeGguf(model.metadata, model.tensors));
      const loaded = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
      for (const cc of c.contexts) {
        const ctx = await loaded.createContext({
          contextSize: cc.contextSize, sequences: cc.sequences, flashAttention: cc.flashAttention ?? true, batchSize: cc.batchSize,
          experimentalKvCacheKeyType: cc.typeK?.toUpperCase(), experimentalKvCacheValueType: cc.typeV?.toUpperCase(),
        } as never);
        await ctx.dispose();
      }
      await loaded.dispose();
      const text = lines.join('\n').split('\n').map((l) => l.replace(/\s+$/, '')).filter((l) => l.length > 0);
      writeFileSync(join(OUT, c.file), `${text.map((l) => l.replaceAll(dir, '/tmp/headroom-logs')).join('\n')}\n`);
      process.stdout.write(`${c.file}: ${text.length} lines\n`);
    }
  } finally {
    await llama.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
