import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { backendSchema, type BackendReading } from '../../../../shared/model/snapshot';
import { httpRequest } from '../../../util/http';
import { prometheusLimitViolation, parsePrometheusText } from '../vllm/prometheus-text.parse';
import { decodeJson } from './backend-http';
import { jsonLimitViolation } from './json-limits';
import { readingForCrash, sanitizeBackendReading } from './sanitize-reading';
import { z } from 'zod';

const who = { id: 'vllm@127.0.0.1:8000', kind: 'vllm' as const, url: 'http://127.0.0.1:8000' };

describe('jsonLimitViolation', () => {
  it.each([
    { name: 'a real payload', text: '{"data":[{"id":"a"},{"id":"b"}]}', want: null },
    { name: 'brackets inside strings do not count', text: `{"a":"${'['.repeat(1000)}"}`, want: null },
    { name: 'escaped quote inside a string', text: `{"a":"\\"[[[[","b":[1,2]}`, want: null },
    { name: '10⁵-deep arrays', text: '['.repeat(100_000) + ']'.repeat(100_000), want: /nested more than 32 levels/ },
    { name: '10⁵-deep objects', text: '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000), want: /nested more than 32 levels/ },
    { name: 'a list of 50,000 entries', text: `[${Array.from({ length: 50_000 }, () => '1').join(',')}]`, want: /list of more than 4,096 entries/ },
    { name: 'commas in objects are not list entries', text: `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":1`).join(',')}}`, want: null },
  ])('$name', ({ text, want }) => {
    const got = jsonLimitViolation(text);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });

  it('refuses deep JSON before parsing, with a sentence-ready detail', () => {
    const r = decodeJson('/v1/models', 200, '['.repeat(100_000) + ']'.repeat(100_000), z.unknown());
    expect(r).toMatchObject({ ok: false, failure: { kind: 'too-large', detail: expect.stringMatching(/^response is nested/) } });
  });
});

describe('prometheus limits', () => {
  it.each([
    { name: 'a real body', text: 'vllm:num_requests_running{engine="0"} 1\n', want: null },
    { name: 'a million series', text: 'vllm:x 1\n'.repeat(1_000_000), want: /more than 50,000 lines/ },
    { name: 'one 1 MB line', text: `vllm:x{a="${'x'.repeat(1_000_000)}"} 1\n`, want: /line of more than 16,384 characters/ },
  ])('$name', ({ text, want }) => {
    const got = prometheusLimitViolation(text);
    if (want === null) expect(got).toBeNull();
    else expect(got).toMatch(want);
  });

  it('keeps at most maxSamples series and reads no hex or empty values', () => {
    expect(parsePrometheusText('a 1\n'.repeat(20), () => true, 5)).toHaveLength(5);
    expect(parsePrometheusText('a 0x10\nb 1e3\nc +Inf\n').map((s) => [s.name, s.value])).toEqual([['b', 1000], ['c', Infinity]]);
  });
});

describe('sanitizeBackendReading', () => {
  const hostile = {
    ...who,
    status: 'up',
    message: 'x'.repeat(5_000_000),
    version: 'v\u0000\u001b[31m1',
    note: null,
    models: Array.from({ length: 10_000 }, (_, i) => ({
      name: i === 0 ? 'n'.repeat(1_000_000) : `m${i}`,
      contextLength: i === 0 ? Infinity : -5,
      sizeBytes: NaN,
      vramBytes: 2 ** 60,
      kvBytesPerToken: 1.5,
      kvCacheBytes: null,
      kvCacheUsageRatio: 7,
      requestsRunning: -1,
      slots: Array.from({ length: 1000 }, (_, j) => ({ id: j, contextTokens: NaN, usedTokens: 1e300, processing: 'yes' })),
      preemptionsTotal: Infinity,
      promptTokensPerSecond: -3,
      cacheConfig: { blockSize: 0, gpuBlocks: -1, cacheDtype: 'a'.repeat(10_000), gpuMemoryUtilizationRatio: NaN },
    })),
  } as unknown as BackendReading;

  it('passes the schema, stays small and drops impossible numbers', () => {
    const r = sanitizeBackendReading(hostile, who);
    expect(backendSchema.safeParse(r).success).toBe(true);
    expect(JSON.stringify(r).length).toBeLessThan(2_000_000);
    expect(r.models).toHaveLength(64);
    expect(r.note).toMatch(/first 64 of 10000 models/);
    const m = r.models[0]!;
    expect(m.name.length).toBeLessThanOrEqual(200);
    expect(m).toMatchObject({ contextLength: null, sizeBytes: null, vramBytes: null, kvBytesPerToken: 2, kvCacheUsageRatio: 1, requestsRunning: null, preemptionsTotal: null, promptTokensPerSecond: null });
    expect(m.slots).toHaveLength(256);
    expect(m.slots![0]).toEqual({ id: 0, contextTokens: 0, usedTokens: null, processing: false });
    expect(m.cacheConfig).toEqual({ blockSize: null, gpuBlocks: null, cacheDtype: 'a'.repeat(79) + '…', gpuMemoryUtilizationRatio: null });
    expect(r.version).toBe('v [31m1');
    expect(r.message!.length).toBeLessThanOrEqual(600);
    expect(r.message).toMatch(/[.?!)]$/);
  });

  it.each([
    { raw: 'qwen2.5-coder:7b-instruct-q4_K_M', want: 'qwen2.5-coder:7b-instruct-q4_K_M' },
    { raw: 'Meta Llama 3.1 8B', want: 'Meta Llama 3.1 8B' },
    { raw: '  two  spaces ', want: 'two spaces' },
    { raw: 'tab\there\nline', want: 'tab here line' },
    { raw: 'ünïcode ✓', want: 'ünïcode ✓' },
    { raw: 'lone \ud800 surrogate', want: 'lone \ufffd surrogate' },
    { raw: ' ', want: '(unnamed model)' },
    { raw: 'x'.repeat(250), want: 'x'.repeat(199) + '…' },
  ])('model names: $raw → $want (plain names pass as they are, the rest is cleaned)', ({ raw, want }) => {
    const r = sanitizeBackendReading({ ...who, status: 'up', message: null, version: null, models: [{ name: raw, contextLength: null, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null }] }, who);
    expect(r.models[0]!.name).toBe(want);
  });

  it('leaves a good reading as it was', () => {
    const good: BackendReading = { ...who, status: 'up', message: null, version: '0.11.0', models: [{ name: 'qwen', contextLength: 8192, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null, kvCacheUsageRatio: 0.5 }] };
    expect(sanitizeBackendReading(good, who)).toEqual(good);
  });

  it.each([
    { name: 'stack overflow', error: new RangeError('Maximum call stack size exceeded'), want: /too large or too deeply nested/ },
    { name: 'array length', error: new RangeError('Invalid array length'), want: /too large or too deeply nested/ },
    { name: 'anything else', error: new TypeError('x is undefined'), want: /details are in the log/ },
  ])('a collector that threw ($name) gets a sentence, not the raw error', ({ error, want }) => {
    const r = readingForCrash(who, error);
    expect(r.message).toMatch(want);
    expect(r.message).not.toMatch(error.message);
    expect(r.message).toMatch(/^vLLM at 127\.0\.0\.1:8000: .*\?$/);
  });
});

describe('httpRequest bounds', () => {
  let server: http.Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    server = null;
  });
  const serve = async (handler: http.RequestListener): Promise<string> => {
    server = http.createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  };

  it.each([
    { name: 'gzip', encoding: 'gzip', pack: (b: Buffer) => zlib.gzipSync(b) },
    { name: 'deflate', encoding: 'deflate', pack: (b: Buffer) => zlib.deflateSync(b) },
    { name: 'brotli', encoding: 'br', pack: (b: Buffer) => zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }) },
  ])('a $name bomb stops at the cap counted after decompression', async ({ encoding, pack }) => {
    const bomb = pack(Buffer.alloc(8 * 1024 * 1024, 0x20)); // ~8 KB on the wire
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': encoding, 'content-type': 'application/json' });
      res.end(bomb);
    });
    const r = await httpRequest(url, { timeoutMs: 5000, maxBytes: 1024 * 1024 });
    expect(r).toEqual({ ok: false, kind: 'too-large', message: 'response is over the 1048576-byte limit once decompressed' });
  });

  it('reads a small compressed answer', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('{"ok":true}'));
    });
    expect(await httpRequest(url, { timeoutMs: 2000 })).toMatchObject({ ok: true, text: '{"ok":true}' });
  });

  it('ends an endless chunked body at the cap and a slow trickle at the deadline', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(req.url === '/endless' ? Buffer.alloc(64 * 1024, 0x31) : '1'), req.url === '/endless' ? 1 : 50);
      res.on('close', () => clearInterval(timer));
    });
    const endless = await httpRequest(`${url}endless`, { timeoutMs: 10_000, maxBytes: 512 * 1024 });
    expect(endless).toMatchObject({ ok: false, kind: 'too-large' });
    const started = Date.now();
    const trickle = await httpRequest(`${url}trickle`, { timeoutMs: 400 });
    expect(trickle).toEqual({ ok: false, kind: 'timeout', message: 'an answer that did not finish within 400 ms' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses an encoding it does not read, and a corrupt gzip body, with a reason', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-encoding': req.url === '/zstd' ? 'zstd' : 'gzip' });
      res.end('not gzip at all');
    });
    expect(await httpRequest(`${url}zstd`, { timeoutMs: 2000 })).toMatchObject({ ok: false, kind: 'malformed', message: expect.stringMatching(/"zstd"/) });
    expect(await httpRequest(`${url}corrupt`, { timeoutMs: 2000 })).toMatchObject({ ok: false, kind: 'malformed', message: expect.stringMatching(/corrupt/) });
  });
});
