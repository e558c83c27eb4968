import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGguf } from '../../bench/accuracy/gguf-writer';
import { buildTinyModel } from '../../bench/accuracy/tiny-models';
import { GgufFileError, readGgufHeaderSafely } from './gguf-file';
import { LruMap } from './lru';
import { ModelResolver } from './resolver';

const posix = process.platform !== 'win32';
let dir: string;
let good: string;
let goodBytes: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-ggufsafe-'));
  const model = buildTinyModel({ name: 'tiny', arch: 'llama', layers: 2, embd: 64, heads: 4, kvHeads: 2, contextTrain: 2048 });
  goodBytes = writeGguf(model.metadata, model.tensors);
  good = join(dir, 'good.gguf');
  writeFileSync(good, goodBytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(path: string, limits?: { maxBytes?: number; timeoutMs?: number }): Promise<string> {
  const started = Date.now();
  try {
    await readGgufHeaderSafely(path, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(GgufFileError);
    // Refusals are immediate: nothing waits on a writer or reads an endless device.
    expect(Date.now() - started).toBeLessThan(2000);
    return (e as Error).message;
  }
  throw new Error(`${path} was read`);
}

describe('readGgufHeaderSafely', () => {
  it('reads a real GGUF header', async () => {
    const h = await readGgufHeaderSafely(good);
    expect(h.metadata['general.architecture']).toBe('llama');
    expect(h.tensorInfos.length).toBeGreaterThan(0);
  });

  it.runIf(posix)('a FIFO is refused at once, without waiting for a writer', async () => {
    const fifo = join(dir, 'pipe.gguf');
    execFileSync('mkfifo', [fifo]);
    expect(await refusal(fifo)).toBe(`${fifo} is a named pipe (FIFO), not a GGUF file; Headroom reads model headers only from regular files.`);
  });

  it.runIf(posix)('/dev/zero is refused (a character device), not read forever', async () => {
    expect(await refusal('/dev/zero')).toBe('/dev/zero is a character device, not a GGUF file; Headroom reads model headers only from regular files.');
  });

  it('a directory is refused', async () => {
    const d = join(dir, 'model.gguf.d');
    mkdirSync(d);
    expect(await refusal(d)).toBe(`${d} is a directory, not a GGUF file; Headroom reads model headers only from regular files.`);
  });

  it('a file truncated inside its header says so', async () => {
    const f = join(dir, 'truncated.gguf');
    writeFileSync(f, goodBytes.subarray(0, 200));
    expect(await refusal(f)).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ends (at byte 200, )?inside its GGUF header.*truncated`));
  });

  it('a file too small for any header, and a file that is not GGUF', async () => {
    const tiny = join(dir, 'tiny.gguf');
    writeFileSync(tiny, 'GGUF');
    expect(await refusal(tiny)).toBe(`${tiny} is 4 bytes, too small to hold a GGUF header.`);
    const text = join(dir, 'readme.gguf');
    writeFileSync(text, 'this is a text file, long enough to pass the size check');
    expect(await refusal(text)).toBe(`${text} is not a GGUF file (it does not start with "GGUF").`);
  });

  it('the header read stops at the byte limit', async () => {
    expect(await refusal(good, { maxBytes: 100 })).toBe(`the GGUF header of ${good} is larger than 100 bytes; Headroom reads no further.`);
  });

  it.runIf(posix)('a symbolic-link loop, a missing file, a NUL in the path', async () => {
    const a = join(dir, 'loop-a.gguf');
    const b = join(dir, 'loop-b.gguf');
    symlinkSync(b, a);
    symlinkSync(a, b);
    expect(await refusal(a)).toBe(`${a} is a loop of symbolic links.`);
    expect(await refusal(join(dir, 'none.gguf'))).toBe(`there is no file at ${join(dir, 'none.gguf')} on this machine.`);
    expect(await refusal('/models/a\u0000b.gguf')).toBe('the model path contains a NUL character, so it cannot name a file.');
    expect(await refusal('/' + 'x'.repeat(5000))).toBe('the model path is 5001 characters long; Headroom reads paths of at most 4096.');
  });
});

describe('ModelResolver with hostile paths', () => {
  it('a refusal is a sentence in the result, cached (not retried every tick)', async () => {
    const r = new ModelResolver();
    const a = await r.fromGgufFile(dir);
    expect(!a.ok && a.error.code).toBe('bad-request');
    expect(!a.ok && a.error.message).toBe(`cannot read the header of the model file: ${dir} is a directory, not a GGUF file; Headroom reads model headers only from regular files.`);
    expect(await r.fromGgufFile(dir)).toBe(a);
  });

  it('its cache is bounded: least recently used paths are dropped first', async () => {
    let reads = 0;
    const r = new ModelResolver({
      cacheEntries: 3,
      readGgufHeader: async () => {
        reads++;
        return { metadata: { 'general.architecture': 'llama', 'llama.block_count': 2, 'llama.embedding_length': 256, 'llama.attention.head_count': 8 }, tensorInfos: [] };
      },
    });
    for (let i = 0; i < 100; i++) await r.fromGgufFile(`/models/m${i}.gguf`);
    expect(r.cacheSize).toBe(3);
    expect(reads).toBe(100);
    await r.fromGgufFile('/models/m99.gguf');
    expect(reads).toBe(100);
    await r.fromGgufFile('/models/m0.gguf');
    expect(reads).toBe(101);
  });
});

describe('LruMap', () => {
  it('drops the least recently used entry; get refreshes', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    expect(m.get('a')).toBe(1);
    m.set('c', 3);
    expect([...m.keys()]).toEqual(['a', 'c']);
    expect(m.get('b')).toBeUndefined();
    expect(() => new LruMap(0)).toThrow(/positive integer/);
  });
});
