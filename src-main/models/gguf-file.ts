/**
 * Reads the header of a local GGUF file named by a server (llama.cpp `/props` `model_path`, an
 * Ollama blob, an LM Studio model folder) without trusting the path: a hostile or odd path (a FIFO,
 * `/dev/zero`, a directory, a symbolic-link loop, a huge or truncated file) is refused with a
 * sentence and never hangs or floods the reader.
 * - the path is checked with `stat` and then opened non-blocking (`O_NONBLOCK`: opening a FIFO
 *   never waits for a writer) and checked again with `fstat` on the open descriptor: regular files
 *   only, so nothing can swap the file between the check and the read;
 * - at most `maxBytes` of header are read (the header holds the vocabulary: ~15 MB for a
 *   262k-token model), in 2 MB ranges, and the whole read stops after `timeoutMs`;
 * - a header that runs past the end of the file is reported as truncated.
 * Parsing is `@huggingface/gguf` (its own limits on counts, strings and depth), fed through its
 * range-reader interface from the one descriptor this function opened.
 */
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { gguf } from '@huggingface/gguf';

/** A GGUF header as the resolver needs it: metadata and tensor infos, no tensor data. */
export interface GgufHeader {
  metadata: Record<string, unknown>;
  tensorInfos: { name: string; shape: readonly bigint[]; dtype: number }[];
}

export interface GgufReadLimits {
  /** Most header bytes read. Default 48 MB (the parser's own buffer stops at 50 MB). */
  maxBytes?: number;
  /** Most time for the whole read, ms. Default 5000. */
  timeoutMs?: number;
}

/** A refusal or failure, with a sentence for a person in `message`. */
export class GgufFileError extends Error {
  /** True when asking again later may succeed (no such file yet, permission); false for a refusal. */
  constructor(message: string, readonly transient = false) {
    super(message);
    this.name = 'GgufFileError';
  }
}

export const GGUF_HEADER_MAX_BYTES = 48_000_000;
export const GGUF_HEADER_TIMEOUT_MS = 5000;
/** Longest path accepted from a server (Windows long paths are 32767; real model paths are far shorter). */
const MAX_PATH_CHARS = 4096;
/** Magic (4) + version (4) + tensor count (8) + metadata count (8). */
const MIN_GGUF_BYTES = 24;
/** The range size `@huggingface/gguf` asks for. */
const CHUNK = 2_000_000;
// O_NONBLOCK does not exist on Windows (0 there); named pipes are not opened by path there anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  if (s.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function isTransient(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EBUSY' || code === 'EMFILE' || code === 'ENFILE';
}

function shortPath(path: string): string {
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

function fsMessage(path: string, e: NodeJS.ErrnoException): string {
  const p = shortPath(path);
  switch (e.code) {
    case 'ENOENT': return `there is no file at ${p} on this machine.`;
    case 'EACCES':
    case 'EPERM': return `Headroom may not read ${p} (permission denied).`;
    case 'ELOOP': return `${p} is a loop of symbolic links.`;
    case 'ENOTDIR': return `a part of ${p} is not a directory.`;
    case 'ENAMETOOLONG': return `the path ${p} is too long for this system.`;
    case 'EISDIR': return `${p} is a directory, not a GGUF file.`;
    default: return `${p} cannot be opened (${e.code ?? 'unknown error'}).`;
  }
}

/** Checks a path names a regular file Headroom may read; the sentence says why not. */
function refuseStat(path: string, s: Stats): string | null {
  const p = shortPath(path);
  if (!s.isFile()) return `${p} is ${kindOf(s)}, not a GGUF file; Headroom reads model headers only from regular files.`;
  if (s.size < MIN_GGUF_BYTES) return `${p} is ${s.size} bytes, too small to hold a GGUF header.`;
  return null;
}

/**
 * Reads the GGUF header of a local file with the limits above. Rejects with a `GgufFileError`
 * whose message is a sentence (what is wrong with the path or the file).
 */
export async function readGgufHeaderSafely(path: string, limits: GgufReadLimits = {}): Promise<GgufHeader> {
  const maxBytes = Math.min(limits.maxBytes ?? GGUF_HEADER_MAX_BYTES, GGUF_HEADER_MAX_BYTES);
  const timeoutMs = limits.timeoutMs ?? GGUF_HEADER_TIMEOUT_MS;
  if (typeof path !== 'string' || path.length === 0) throw new GgufFileError('the model path is empty.');
  if (path.length > MAX_PATH_CHARS) throw new GgufFileError(`the model path is ${path.length} characters long; Headroom reads paths of at most ${MAX_PATH_CHARS}.`);
  if (path.includes('\u0000')) throw new GgufFileError('the model path contains a NUL character, so it cannot name a file.');

  // stat first: a FIFO or a device is refused without being opened at all.
  let before: Stats;
  try {
    before = await stat(path);
  } catch (e) {
    throw new GgufFileError(fsMessage(path, e as NodeJS.ErrnoException), isTransient(e));
  }
  const early = refuseStat(path, before);
  if (early) throw new GgufFileError(early);

  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, OPEN_FLAGS);
  } catch (e) {
    throw new GgufFileError(fsMessage(path, e as NodeJS.ErrnoException), isTransient(e));
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    // fstat on the descriptor: the file actually opened, whatever happened to the path meanwhile.
    const st = await fh.stat();
    const late = refuseStat(path, st);
    if (late) throw new GgufFileError(late);
    const size = st.size;
    const deadline = Date.now() + timeoutMs;
    let served = 0;
    const p = shortPath(path);
    // The parser's range-reader interface, served from this descriptor only.
    const rangeFetch = async (_uri: string | URL | Request, init?: RequestInit): Promise<Response> => {
      if (Date.now() > deadline) throw new GgufFileError(`reading the header of ${p} took longer than ${timeoutMs} ms; Headroom stopped.`);
      const range = /bytes=(\d+)-(\d+)/.exec(String((init?.headers as Record<string, string> | undefined)?.Range ?? ''));
      const start = range ? Number(range[1]) : 0;
      if (start >= size) throw new GgufFileError(`${p} ends at byte ${size}, inside its GGUF header: the file is truncated.`);
      const want = Math.min(CHUNK, size - start, maxBytes - served);
      if (want <= 0) throw new GgufFileError(`the GGUF header of ${p} is larger than ${maxBytes.toLocaleString('en-US')} bytes; Headroom reads no further.`);
      if (start !== served) throw new GgufFileError(`the GGUF reader asked for bytes out of order in ${p}.`);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, start);
      served += bytesRead;
      return new Response(buf.subarray(0, bytesRead), { status: 206, headers: { 'content-range': `bytes ${start}-${start + bytesRead - 1}/${size}` } });
    };
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new GgufFileError(`reading the header of ${p} took longer than ${timeoutMs} ms; Headroom stopped.`)), timeoutMs);
    });
    // Past the bytes served the parser sees zeros: a header that reaches there is cut by the end of
    // the file (truncated) or by the byte limit, whatever the zeros made the parser say.
    const tooLarge = `the GGUF header of ${p} is larger than ${maxBytes.toLocaleString('en-US')} bytes; Headroom reads no further.`;
    const cutShort = (): GgufFileError | null => {
      if (served >= maxBytes && maxBytes < size) return new GgufFileError(tooLarge);
      return null;
    };
    const parsed = await Promise.race([gguf('http://headroom.invalid/model.gguf', { fetch: rangeFetch as typeof fetch }), timeout]).catch((e: unknown) => {
      if (e instanceof GgufFileError) throw e;
      const cut = cutShort();
      if (cut) throw cut;
      const msg = e instanceof Error ? e.message : String(e);
      if (/magic number/i.test(msg)) throw new GgufFileError(`${p} is not a GGUF file (it does not start with "GGUF").`);
      if (/unsupported version/i.test(msg)) throw new GgufFileError(`${p} is a GGUF file of a version Headroom does not read (${msg.replace(/^.*version\s*/i, '')}).`);
      if (e instanceof RangeError) throw new GgufFileError(`${p} ends inside its GGUF header, or the header is malformed: the file is truncated or damaged.`);
      throw new GgufFileError(`the GGUF header of ${p} is malformed (${msg.slice(0, 200).replace(/\.$/, '')}).`);
    });
    if (Number(parsed.tensorDataOffset) > served && served < size) throw cutShort() ?? new GgufFileError(tooLarge);
    if (Number(parsed.tensorDataOffset) > size) {
      throw new GgufFileError(`${p} ends at byte ${size}, inside its GGUF header (the header needs ${Number(parsed.tensorDataOffset)} bytes): the file is truncated.`);
    }
    return {
      metadata: parsed.metadata as unknown as Record<string, unknown>,
      tensorInfos: parsed.tensorInfos.map((t) => ({ name: t.name, shape: t.shape, dtype: Number(t.dtype) })),
    };
  } finally {
    if (timer) clearTimeout(timer);
    await fh.close().catch(() => undefined);
  }
}
