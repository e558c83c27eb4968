/**
 * Reads a file line by line in fixed-size chunks (never the whole file in one string), with the
 * byte offset reached, so a day file of 86 400 lines costs one 256 KiB buffer, not 10 MB.
 */
import { open } from 'node:fs/promises';

const DEFAULT_CHUNK = 256 * 1024;
const NL = 0x0a;

export interface LineReadResult {
  /** Byte offset just past the last complete line ('\n'-terminated). */
  endOffset: number;
  /** Text after the last newline (a torn or still-being-written line), '' when none. */
  tail: string;
  /** False when the file could not be opened or read. */
  readable: boolean;
}

/**
 * Calls `onLine` for each complete line from byte `start` up to `end` (default: the size at open),
 * yielding to the event loop between chunks so a long read never blocks the server. When
 * `onLine` returns a promise (a full output buffer), reading waits for it.
 */
export async function forEachLine(path: string, onLine: (line: string) => void | Promise<void>, start = 0, end?: number, chunkBytes = DEFAULT_CHUNK): Promise<LineReadResult> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return { endOffset: start, tail: '', readable: false };
  }
  try {
    const size = end ?? (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(chunkBytes);
    let carry: Buffer | null = null;
    let pos = start;
    let endOffset = start;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(chunkBytes, size - pos), pos);
      if (bytesRead <= 0) break;
      pos += bytesRead;
      let from = 0;
      for (let nl = buf.indexOf(NL, 0); nl !== -1 && nl < bytesRead; nl = buf.indexOf(NL, from)) {
        let wait: void | Promise<void>;
        if (carry) {
          wait = onLine(Buffer.concat([carry, buf.subarray(from, nl)]).toString('utf8'));
          carry = null;
        } else wait = onLine(buf.toString('utf8', from, nl));
        if (wait) await wait;
        from = nl + 1;
        endOffset = pos - bytesRead + from;
      }
      if (from < bytesRead) carry = carry ? Buffer.concat([carry, buf.subarray(from, bytesRead)]) : Buffer.from(buf.subarray(from, bytesRead));
      if (pos < size) await new Promise<void>((r) => setImmediate(r));
    }
    return { endOffset, tail: carry ? carry.toString('utf8') : '', readable: true };
  } catch {
    return { endOffset: start, tail: '', readable: false };
  } finally {
    await fh.close();
  }
}
