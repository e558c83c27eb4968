import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { architectureFromGgufMetadata } from '../../../shared/estimator/gguf-metadata';
import { llamaCppKvCache } from '../../../shared/estimator/kv-cache';
import type { BackendReading } from '../../../shared/model/snapshot';
import { silentLogger } from '../../util/logger';
import { latestLoadFor, parseEngineLog } from './parse';
import { defaultLogLocations, newestLogIn, readLogTail } from './read';
import { EngineLogService } from './service';

const MiB = 1048576;
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), 'utf8');
const mib = (x: number) => Math.round(x * MiB);

describe('parseEngineLog: logs generated with node-llama-cpp 3.21.1 (llama.cpp, CPU)', () => {
  it('two contexts on one load: the latest context counts, and its KV matches the prediction', () => {
    const loads = parseEngineLog(fixture('node-llama-cpp-llama-two-contexts.log'));
    expect(loads).toHaveLength(1);
    const l = loads[0]!;
    expect(l).toMatchObject({ engine: 'llama.cpp', modelPath: '/tmp/headroom-logs/tiny-llama.gguf', modelName: 'tiny-llama', weightsBytes: mib(9.02), kvBytes: mib(4.25), computeBytes: mib(8.51) });
    expect(l.caches).toEqual([{ kind: 'kv', bytes: mib(4.25), cells: 4096, layers: 4, seqs: 2, streams: 2, typeK: 'q8_0', kBytes: mib(2.12), typeV: 'q8_0', vBytes: mib(2.12) }]);
    expect(l.devices).toEqual([{ device: 'CPU_Mapped', weightsBytes: mib(9.02), kvBytes: 0, computeBytes: 0 }, { device: 'CPU', weightsBytes: 0, kvBytes: mib(4.25), computeBytes: mib(8.51) }]);
    const arch = architectureFromGgufMetadata({
      'general.architecture': 'llama', 'llama.block_count': 4, 'llama.embedding_length': 256, 'llama.attention.head_count': 8, 'llama.attention.head_count_kv': 2,
    });
    const pred = arch.ok ? llamaCppKvCache(arch.value, { contextTokens: 8192, parallel: 2, cacheTypeK: 'q8_0', cacheTypeV: 'q8_0' }) : null;
    expect(pred?.ok && Math.abs(pred.value.bytes - l.kvBytes!)).toBeLessThanOrEqual(0.005 * MiB);
  });
  it('iSWA without flash attention: both caches summed', () => {
    const l = parseEngineLog(fixture('node-llama-cpp-gemma3-iswa.log'))[0]!;
    expect(l.caches.map((c) => c.cells)).toEqual([8192, 1280]);
    expect(l.kvBytes).toBe(l.caches[0]!.bytes + l.caches[1]!.bytes);
    expect(l.computeBytes).toBeGreaterThan(0);
  });
});

describe('parseEngineLog: Qwen3.5 hybrid (node-llama-cpp 3.21.1)', () => {
  it('KV cache plus the recurrent state (the "… seqs  0 rs_seq" format)', () => {
    const l = parseEngineLog(fixture('node-llama-cpp-qwen35-hybrid.log'))[0]!;
    expect(l.caches.map((c) => [c.kind, c.cells, c.streams])).toEqual([['kv', 2048, 3], ['recurrent', 3, null]]);
    expect(l.recurrentBytes).toBe(mib(0.1));
    expect(l.kvBytes).toBe(mib(6) + mib(0.1));
  });
});

describe('parseEngineLog: logs users posted publicly', () => {
  it('llama.cpp 2024, two GPUs (llm_load_tensors, KV self size)', () => {
    const l = parseEngineLog(fixture('public-llama-cpp-2024-two-gpus.log'))[0]!;
    expect(l.weightsBytes).toBe(mib(1640.62) + mib(5434.38) + mib(13989.53));
    expect(l.kvBytes).toBe(5120 * MiB);
    expect(l.outputBytes).toBe(mib(1.95));
    expect(l.devices.find((d) => d.device === 'CUDA1')).toEqual({ device: 'CUDA1', weightsBytes: mib(13989.53), kvBytes: 3584 * MiB, computeBytes: 0 });
    expect(l.devices.find((d) => d.device === 'CUDA0')!.computeBytes).toBe(mib(672.01));
  });
  it('llama-cpp-python 2024: the post starts at the context; compute per device', () => {
    const l = parseEngineLog(fixture('public-llama-cpp-python-2024.log'))[0]!;
    expect({ weights: l.weightsBytes, kv: l.kvBytes, compute: l.computeBytes }).toEqual({ weights: null, kv: 2560 * MiB, compute: mib(400.01) + mib(596.02) + mib(32.02) });
  });
  it('llama-server 2025, eight GPUs, cut mid-context: KV from the buffer lines it has', () => {
    const l = parseEngineLog(fixture('public-llama-server-2025-eight-gpus.log'))[0]!;
    expect(l.weightsBytes).toBe(mib(25338.47) * 4 + mib(22171.16) + mib(19728.83));
    expect(l.kvBytes).toBe((5824 * 3 + 5096) * MiB);
    expect(l.computeBytes).toBeNull();
  });
  it('Ollama engine 2025: a load whose start is cut off, then a new runner that logged nothing yet', () => {
    const loads = parseEngineLog(fixture('public-ollama-engine-2025.log'));
    expect(loads).toHaveLength(1);
    expect(loads[0]).toMatchObject({ engine: 'ollama', modelPath: null, kvBytes: 936 * MiB, computeBytes: 106 * MiB, weightsBytes: null });
  });
});

describe('parseEngineLog: tolerance', () => {
  it.each([
    { name: 'empty', text: '' },
    { name: 'unrelated lines', text: 'hello\n[GIN] 200 | POST /api/chat\nslot launch_slot_: id 0\n' },
    { name: 'a broken size line', text: 'llama_kv_cache: size = lots MiB (cells)\n' },
    { name: 'binary noise', text: '\u0000\u0001\u0002'.repeat(1000) },
  ])('$name → no loads', ({ text }) => {
    expect(parseEngineLog(text)).toEqual([]);
  });
  it('skips absurdly long lines', () => {
    expect(parseEngineLog(`llama_kv_cache: size = 1.00 MiB (256 cells, 1 layers, 1/1 seqs), K (f16): 0.50 MiB, V (f16): 0.50 MiB${' '.repeat(5000)}`)).toEqual([]);
  });
  it('strips colour codes of llama-server console logs', () => {
    const text = '\x1b[34m0.00.612.797\x1b[0m \x1b[32mI \x1b[0mload_tensors:        CUDA0 model buffer size =  1024.00 MiB';
    expect(parseEngineLog(text)[0]!.weightsBytes).toBe(1024 * MiB);
  });
  it('Ollama runner + embedded llama.cpp loader lines are one load, matched by blob path', () => {
    const text = [
      'time=2025-01-01T00:00:00Z level=INFO msg="starting llama server" cmd="/usr/bin/ollama runner --model /m/blobs/sha256-aa --ctx-size 8192"',
      'llama_model_loader: loaded meta data with 30 key-value pairs and 291 tensors from /m/blobs/sha256-aa (version GGUF V3 (latest))',
      'load_tensors:        CUDA0 model buffer size =  4096.00 MiB',
      'llama_kv_cache:      CUDA0 KV buffer size =  1024.00 MiB',
      'llama_kv_cache: size = 1024.00 MiB (  8192 cells,  32 layers,  1/1 seqs), K (f16):  512.00 MiB, V (f16):  512.00 MiB',
      'llama_context:      CUDA0 compute buffer size =   560.00 MiB',
      'time=2025-01-01T00:01:00Z level=INFO msg="starting llama server" cmd="/usr/bin/ollama runner --model /m/blobs/sha256-bb --ctx-size 4096"',
      'load_tensors:        CUDA0 model buffer size =  2048.00 MiB',
    ].join('\n');
    const loads = parseEngineLog(text);
    expect(loads.map((l) => l.modelPath)).toEqual(['/m/blobs/sha256-aa', '/m/blobs/sha256-bb']);
    expect(latestLoadFor(loads, { path: '/m/blobs/sha256-aa' })?.kvBytes).toBe(1024 * MiB);
    expect(latestLoadFor(loads, { name: 'nothing' })).toBeNull();
    expect(latestLoadFor(loads, { singleModel: true })?.modelPath).toBe('/m/blobs/sha256-bb');
    expect(latestLoadFor(loads, { path: 'C:\\M\\BLOBS\\sha256-aa' })?.modelPath).toBe('/m/blobs/sha256-aa');
  });
});

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('readLogTail', () => {
  it('reads only the tail that holds the latest load start', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-log-'));
    const path = join(dir, 'server.log');
    const filler = `${'x'.repeat(99)}\n`.repeat(30_000); // 3 MB of request lines
    writeFileSync(path, `${filler}${fixture('node-llama-cpp-llama-two-contexts.log')}${'y'.repeat(99)}\n`.repeat(1));
    const t = await readLogTail(path, 32 * MiB, 64 * 1024);
    expect(t.bytesRead).toBe(64 * 1024);
    expect(t.fromStart).toBe(false);
    expect(parseEngineLog(t.text)[0]!.kvBytes).toBe(mib(4.25));
  });
  it('doubles the window until a load start is in it, and stops at the limit', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-log-'));
    const path = join(dir, 'server.log');
    writeFileSync(path, `${fixture('node-llama-cpp-llama-two-contexts.log')}${`${'z'.repeat(99)}\n`.repeat(5000)}`);
    const t = await readLogTail(path, 32 * MiB, 4096);
    expect(t.bytesRead).toBeGreaterThan(500_000);
    expect(t.bytesRead).toBeLessThanOrEqual(1024 * 1024);
    expect(parseEngineLog(t.text)).toHaveLength(1);
    const capped = await readLogTail(path, 8192, 4096);
    expect(capped.bytesRead).toBe(8192);
  });
});

describe('readLogTail on odd paths', () => {
  it.runIf(process.platform !== 'win32')('a FIFO is refused at once with a sentence, not waited on', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-log-'));
    const fifo = join(dir, 'server.log');
    execFileSync('mkfifo', [fifo]);
    await expect(readLogTail(fifo)).rejects.toThrow(`${fifo} is not a regular file, so Headroom does not read it as an engine log.`);
  });
  it('a directory is refused', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-log-'));
    await expect(readLogTail(dir)).rejects.toThrow(/is not a regular file|EISDIR/);
  });
});

describe('default log locations', () => {
  it.each([
    { kind: 'ollama', platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, want: [join('C:\\Users\\me\\AppData\\Local', 'Ollama', 'server.log')] },
    { kind: 'ollama', platform: 'darwin', env: {}, want: [join('/Users/me', '.ollama', 'logs', 'server.log')] },
    { kind: 'ollama', platform: 'linux', env: {}, want: [] },
    { kind: 'llamacpp', platform: 'linux', env: {}, want: [] },
  ] as const)('$kind on $platform', ({ kind, platform, env, want }) => {
    expect(defaultLogLocations(kind, platform, env, '/Users/me').files).toEqual(want);
  });
  it('LM Studio: the newest .log under ~/.lmstudio/server-logs (month folders)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-lms-'));
    const logs = defaultLogLocations('lmstudio', 'linux', {}, dir).dirs[0]!;
    mkdirSync(join(logs, '2026-10'), { recursive: true });
    mkdirSync(join(logs, '2026-11'), { recursive: true });
    writeFileSync(join(logs, '2026-10', 'a.log'), 'old');
    writeFileSync(join(logs, '2026-11', 'b.log'), 'new');
    writeFileSync(join(logs, '2026-11', 'notes.txt'), 'x');
    utimesSync(join(logs, '2026-10', 'a.log'), new Date(1000), new Date(1000));
    expect(await newestLogIn(logs)).toBe(join(logs, '2026-11', 'b.log'));
    expect(await newestLogIn(join(dir, 'missing'))).toBeNull();
  });
});

describe('EngineLogService', () => {
  const backend = (url: string, kind: BackendReading['kind']): BackendReading => ({
    id: `${kind}@${url}`, kind, url, status: 'up', message: null, version: null,
    models: [{ name: 'tiny', contextLength: 4096, sizeBytes: null, vramBytes: null, kvBytesPerToken: null, kvCacheBytes: null }],
  });
  it('reads a configured llama-server --log-file in the background, then reports and follows it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-svc-'));
    const path = join(dir, 'llama.log');
    writeFileSync(path, fixture('node-llama-cpp-llama-two-contexts.log'));
    let now = 0;
    const svc = new EngineLogService({ logPathFor: () => path, logger: silentLogger, now: () => now });
    const b = backend('http://127.0.0.1:8080', 'llamacpp');
    expect(svc.measuredFor(b, b.models[0]!, null)).toBeNull();
    let m = null;
    for (let i = 0; i < 100 && !m; i++) {
      await new Promise((r) => setTimeout(r, 10));
      m = svc.measuredFor(b, b.models[0]!, null);
    }
    expect(m).toMatchObject({ kvBytes: mib(4.25), weightsBytes: mib(9.02), computeBytes: mib(8.51) });
    expect(m!.source).toMatch(/^llama\.cpp load log .*llama\.log \(line \d+ of the last \d+ KiB\)$/);
    // A new load appended: picked up after the re-check interval.
    appendFileSync(path, fixture('node-llama-cpp-gemma3-iswa.log'));
    now += 6000;
    let next = svc.measuredFor(b, b.models[0]!, null);
    for (let i = 0; i < 100 && next?.kvBytes === mib(4.25); i++) {
      await new Promise((r) => setTimeout(r, 10));
      next = svc.measuredFor(b, b.models[0]!, null);
    }
    expect(next?.kvBytes).not.toBe(mib(4.25));
  });
  it('request lines appended to the log do not trigger a re-read of the tail', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-svc-'));
    const path = join(dir, 'server.log');
    writeFileSync(path, fixture('node-llama-cpp-llama-two-contexts.log'));
    let now = 0;
    const svc = new EngineLogService({ logPathFor: () => path, logger: silentLogger, now: () => now });
    const b = backend('http://127.0.0.1:8080', 'llamacpp');
    let m = null;
    for (let i = 0; i < 100 && !m; i++) {
      svc.measuredFor(b, b.models[0]!, null);
      await new Promise((r) => setTimeout(r, 10));
      m = svc.measuredFor(b, b.models[0]!, null);
    }
    const source = m!.source;
    appendFileSync(path, `${'[GIN] 2026/11/30 | 200 | POST "/v1/chat/completions"\n'.repeat(2000)}`);
    now += 6000;
    svc.measuredFor(b, b.models[0]!, null);
    await new Promise((r) => setTimeout(r, 50));
    // Same figures and the same "last N KiB" read as before: the appended request lines were only scanned.
    expect(svc.measuredFor(b, b.models[0]!, null)).toMatchObject({ kvBytes: mib(4.25), source });
  });
  it('no log configured and no default file → null, and vLLM is never read', async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-svc-'));
    const svc = new EngineLogService({ logger: silentLogger, platform: 'linux', home: dir });
    const b = backend('http://127.0.0.1:11434', 'ollama');
    expect(svc.measuredFor(b, b.models[0]!, null)).toBeNull();
    await new Promise((r) => setTimeout(r, 30));
    expect(svc.measuredFor(b, b.models[0]!, null)).toBeNull();
    expect(svc.measuredFor(backend('http://127.0.0.1:8000', 'vllm'), b.models[0]!, null)).toBeNull();
  });
  it('an unreadable configured path gives null, not an error', async () => {
    const svc = new EngineLogService({ logPathFor: () => join(tmpdir(), 'headroom-no-such-dir', 'x.log'), logger: silentLogger });
    const b = backend('http://127.0.0.1:8080', 'llamacpp');
    svc.measuredFor(b, b.models[0]!, null);
    await new Promise((r) => setTimeout(r, 30));
    expect(svc.measuredFor(b, b.models[0]!, null)).toBeNull();
  });
});
