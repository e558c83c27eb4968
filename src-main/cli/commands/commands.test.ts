import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { estimateCommand } from './estimate';
import { parsePlanArgs, parseSize, parseTokens, planCommand } from './plan';

function streams(input = '') {
  const stdin = new PassThrough();
  stdin.end(input);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let errText = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (errText += String(d)));
  return { io: { stdin, stdout, stderr }, out: () => out, err: () => errText };
}

const llama8b = {
  'general.architecture': 'llama', 'llama.block_count': 32, 'llama.embedding_length': 4096,
  'llama.attention.head_count': 32, 'llama.attention.head_count_kv': 8, 'llama.context_length': 131072,
};

describe('estimateCommand', () => {
  it.each([
    { name: 'llama.cpp defaults, 4096', req: { ggufMetadata: llama8b, contextLength: 4096 }, bytes: 512 * 2 ** 20, streams: 1, cells: 4096 },
    { name: 'ollama multiplies num_ctx by parallel', req: { ggufMetadata: llama8b, engine: 'ollama', contextLength: 8192, parallel: 2 }, bytes: 2 * 2 ** 30, streams: 2, cells: 8192 },
    { name: 'llama.cpp splits -c across slots', req: { ggufMetadata: llama8b, contextLength: 8192, parallel: 3 }, bytes: 8448 * 131072, streams: 3, cells: 2816 },
    { name: 'unified', req: { ggufMetadata: llama8b, contextLength: 8192, parallel: 4, kvUnified: true }, bytes: 2 ** 30, streams: 1, cells: 8192 },
    { name: 'hfConfig input', req: { hfConfig: { model_type: 'llama', num_hidden_layers: 32, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8 }, contextLength: 4096 }, bytes: 512 * 2 ** 20, streams: 1, cells: 4096 },
  ])('$name', async ({ req, bytes, streams: s, cells }) => {
    const t = streams(JSON.stringify(req));
    expect(await estimateCommand(['--json'], t.io)).toBe(0);
    const res = JSON.parse(t.out());
    expect(res.kv).toMatchObject({ bytes, streams: s, cellsPerStream: cells });
    expect(res.kv.layers).toHaveLength(32);
    expect(res.kv.layers[0]).toMatchObject({ index: 0, kind: 'full' });
    expect(res).toHaveProperty('bytesPerToken', 131072);
    expect(res).toHaveProperty('weightsBytes', null);
    expect(Array.isArray(res.notes)).toBe(true);
  });

  it('engineBuild applies that build\'s rules and names them', async () => {
    const old = streams(JSON.stringify({ ggufMetadata: llama8b, contextLength: 4000, flashAttention: false, engineBuild: 4615 }));
    expect(await estimateCommand(['--json'], old.io)).toBe(0);
    const o = JSON.parse(old.out());
    expect(o.ruleSet).toBe('llama.cpp b4615 rules');
    expect(o.kv.cellsPerStream).toBe(4000);
    expect(o.notes.some((n: string) => /before b7108 \(#17046\)/.test(n))).toBe(true);
    const cur = streams(JSON.stringify({ ggufMetadata: llama8b, contextLength: 4000, flashAttention: false }));
    expect(await estimateCommand(['--json'], cur.io)).toBe(0);
    expect(JSON.parse(cur.out())).toMatchObject({ ruleSet: 'current llama.cpp rules', kv: { cellsPerStream: 4096, recurrentBytes: 0 } });
  });

  it('Qwen3.5 hybrid: recurrent state is part of kv.bytes and reported alone', async () => {
    const qwen35 = {
      'general.architecture': 'qwen35moe', 'qwen35moe.block_count': 40, 'qwen35moe.embedding_length': 2048, 'qwen35moe.attention.head_count': 16,
      'qwen35moe.attention.head_count_kv': 2, 'qwen35moe.attention.key_length': 256, 'qwen35moe.attention.value_length': 256,
      'qwen35moe.ssm.conv_kernel': 4, 'qwen35moe.ssm.inner_size': 4096, 'qwen35moe.ssm.state_size': 128, 'qwen35moe.ssm.group_count': 16,
      'qwen35moe.full_attention_interval': 4,
    };
    const t = streams(JSON.stringify({ ggufMetadata: qwen35, contextLength: 32768 }));
    expect(await estimateCommand(['--json'], t.io)).toBe(0);
    const r = JSON.parse(t.out());
    expect(r.kv.recurrentBytes).toBe(65863680);
    expect(r.kv.bytes).toBe(640 * 2 ** 20 + 65863680);
  });

  it('vllm needs the GPU size and reports the pool', async () => {
    const t = streams(JSON.stringify({ ggufMetadata: llama8b, engine: 'vllm', contextLength: 8192, gpuMemoryTotalBytes: 24 * 2 ** 30 }));
    expect(await estimateCommand(['--json'], t.io)).toBe(0);
    expect(JSON.parse(t.out()).bytesPerToken).toBe(131072);
  });

  it.each([
    { name: 'not JSON', input: '{', field: /not JSON/ },
    { name: 'no contextLength', input: JSON.stringify({ ggufMetadata: llama8b }), field: /"contextLength"/ },
    { name: 'negative contextLength', input: JSON.stringify({ ggufMetadata: llama8b, contextLength: -1 }), field: /"contextLength"/ },
    { name: 'bad cache type', input: JSON.stringify({ ggufMetadata: llama8b, contextLength: 4096, cacheTypeV: 'q4_k' }), field: /"cacheTypeV"/ },
    { name: 'bad engine', input: JSON.stringify({ ggufMetadata: llama8b, contextLength: 4096, engine: 'tgi' }), field: /"engine"/ },
    { name: 'both model inputs', input: JSON.stringify({ ggufMetadata: llama8b, hfConfig: {}, contextLength: 4096 }), field: /"ggufMetadata"/ },
    { name: 'no model input', input: JSON.stringify({ contextLength: 4096 }), field: /"ggufMetadata"/ },
    { name: 'unknown field', input: JSON.stringify({ ggufMetadata: llama8b, contextLength: 4096, ctx: 1 }), field: /ctx|request/ },
    { name: 'engineBuild not an integer', input: JSON.stringify({ ggufMetadata: llama8b, contextLength: 4096, engineBuild: 'b4615' }), field: /"engineBuild"/ },
    { name: 'unknown architecture', input: JSON.stringify({ ggufMetadata: { ...llama8b, 'general.architecture': 'frobnicator', 'frobnicator.block_count': 2 }, contextLength: 4096 }), field: /unknown architecture "frobnicator"/ },
    { name: 'not loadable by llama.cpp', input: JSON.stringify({ ggufMetadata: { ...llama8b, 'general.architecture': 'clip', 'clip.block_count': 2 }, contextLength: 4096 }), field: /architecture "clip" is not loadable by llama\.cpp: .*--mmproj/ },
    { name: 'vllm without GPU size', input: JSON.stringify({ ggufMetadata: llama8b, contextLength: 4096, engine: 'vllm' }), field: /"gpuMemoryTotalBytes"/ },
    { name: 'missing head count', input: JSON.stringify({ ggufMetadata: { 'general.architecture': 'llama', 'llama.block_count': 32 }, contextLength: 4096 }), field: /cannot predict: missing llama\.attention\.head_count/ },
    { name: 'quantized V without FA', input: JSON.stringify({ ggufMetadata: llama8b, contextLength: 4096, cacheTypeV: 'q8_0', flashAttention: false }), field: /flash attention/ },
  ])('exit 2: $name', async ({ input, field }) => {
    const t = streams(input);
    expect(await estimateCommand(['--json'], t.io)).toBe(2);
    expect(t.err()).toMatch(field);
    expect(t.out()).toBe('');
  });

  it('exit 2 without --json', async () => {
    const t = streams('{}');
    expect(await estimateCommand([], t.io)).toBe(2);
  });
});

describe('plan arguments', () => {
  it.each([
    { text: '24GiB', want: 24 * 2 ** 30 }, { text: '24', want: 24 * 2 ** 30 }, { text: '24GB', want: 24e9 }, { text: '512MiB', want: 512 * 2 ** 20 },
    { text: 'lots', want: null }, { text: '0', want: null }, { text: '-4G', want: null },
  ])('parseSize($text)', ({ text, want }) => expect(parseSize(text)).toBe(want));
  it.each([
    { text: '32k', want: 32768 }, { text: '4096', want: 4096 }, { text: '1m', want: 1048576 }, { text: '0', want: null }, { text: '3.5k', want: null },
  ])('parseTokens($text)', ({ text, want }) => expect(parseTokens(text)).toBe(want));
  it.each([
    { name: 'no model', argv: ['--gpu', '24GiB'], msg: /--model NAME or --gguf FILE/ },
    { name: 'both', argv: ['--model', 'a', '--gguf', 'b'], msg: /not both/ },
    { name: 'bad gpu', argv: ['--model', 'a', '--gpu', 'big'], msg: /--gpu/ },
    { name: 'bad kv', argv: ['--model', 'a', '--kv', 'f16,q3'], msg: /--kv/ },
    { name: 'bad users', argv: ['--model', 'a', '--users', '0'], msg: /--users/ },
    { name: 'missing value', argv: ['--model'], msg: /--model needs a value/ },
    { name: 'unknown flag', argv: ['--model', 'a', '--fast', '1'], msg: /unknown option --fast/ },
    { name: 'bad engine build', argv: ['--model', 'a', '--engine-build', 'latest'], msg: /--engine-build: "latest" is not a llama.cpp build number/ },
  ])('rejects $name', ({ argv, msg }) => {
    const r = parsePlanArgs(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(msg);
  });
});

describe('planCommand', () => {
  it('prints the table for a catalog model', async () => {
    const t = streams();
    expect(await planCommand(['--model', 'qwen2.5-coder:14b', '--gpu', '24GiB', '--ctx', '32k'], t.io)).toBe(0);
    expect(t.out()).toMatch(/f16\s+\|\s+192\.0 \|\s+6\.0 GiB/);
    expect(t.out()).toMatch(/concurrent users/);
  });
  it('--json gives the numbers', async () => {
    const t = streams();
    expect(await planCommand(['--model', 'llama-3.1-8b', '--gpu', '24GiB', '--ctx', '32k', '--kv', 'f16', '--users', '2', '--json'], t.io)).toBe(0);
    const r = JSON.parse(t.out());
    expect(r.atContext[0]).toMatchObject({ cacheType: 'f16', kvBytes: 4 * 2 ** 30 });
    expect(r.users.rows[0]).toMatchObject({ cacheType: 'f16', kvBytes: 8 * 2 ** 30 });
    expect(r.weightsIsEstimate).toBe(true);
  });
  it('--engine-build applies that build\'s rules and says so', async () => {
    const t = streams();
    expect(await planCommand(['--model', 'gemma3:12b', '--ctx', '32k', '--kv', 'f16', '--engine-build', 'b4615', '--json'], t.io)).toBe(0);
    const old = JSON.parse(t.out());
    const c = streams();
    expect(await planCommand(['--model', 'gemma3:12b', '--ctx', '32k', '--kv', 'f16', '--json'], c.io)).toBe(0);
    const cur = JSON.parse(c.out());
    expect(old.ruleSet).toBe('llama.cpp b4615 rules');
    expect(cur.ruleSet).toBe('current llama.cpp rules');
    // No sliding-window cache before b5380: every layer holds the whole context.
    expect(old.atContext[0].kvBytes).toBeGreaterThan(4 * cur.atContext[0].kvBytes);
  });
  it('unknown model → exit 2 naming it', async () => {
    const t = streams();
    expect(await planCommand(['--model', 'nonexistent-model'], t.io)).toBe(2);
    expect(t.err()).toMatch(/nonexistent-model/);
  });
  it('unreadable GGUF → exit 1', async () => {
    const t = streams();
    expect(await planCommand(['--gguf', '/nonexistent/file.gguf'], t.io)).toBe(1);
    expect(t.err()).toMatch(/cannot read the header/);
  });
});
