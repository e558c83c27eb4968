/**
 * Reads the JSON text of a watched server's `snapshotPublished` events, one reader per host.
 *
 * A Headroom server sends its whole Snapshot every tick, serialized in a fixed key order: the
 * parts that move every tick (`atMs`, `gpus`, `system`) come first, the large parts that seldom
 * change (`backends` with their models and curves, `sources`, `alerts`, `thresholds`, …) after.
 * So most events end with exactly the same text as the last one. The reader keeps that tail (the
 * text from the top-level `,"backends":` to the end) with its parsed members; when the next event
 * ends with the same text, only the head is parsed and the tail's members are reused — the same
 * objects, which lets `parseRemoteSnapshot`'s memo skip validating them again.
 *
 * Exactly `JSON.parse(text)` whatever the input (hostile ones included): if `text` = head + tail
 * and `head + '}'` parses as an object with at least one member, the tokenizer stands between two
 * members of the top-level object where the tail begins, so `text` parses to head's members then
 * the tail's (a key in both: the tail's value, at the head's position, as `JSON.parse` does).
 * When that does not hold (another key order, a `__proto__` key, anything that does not parse),
 * it falls back to `JSON.parse(text)`, which also throws what `JSON.parse` throws.
 */

/** Where the tail begins: the first top-level member that does not move every tick. */
const TAIL_START = ',"backends":';

type Members = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Members => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `text` as the start of an object (`{"a":1,"b":2`): its members, or null when it is not one with at least one member. */
function parseHead(text: string): Members | null {
  let head: unknown;
  try {
    head = JSON.parse(`${text}}`);
  } catch {
    return null;
  }
  if (!isPlainObject(head)) return null;
  for (const k in head) if (Object.hasOwn(head, k)) return head;
  return null;
}

/** `{ ...head, ...tail }` as `JSON.parse` would build it; null where a `__proto__` key makes assignment differ. */
function merge(head: Members, tail: Members): Members | null {
  if (Object.hasOwn(head, '__proto__') || Object.hasOwn(tail, '__proto__')) return null;
  const out: Members = {};
  for (const k of Object.keys(head)) out[k] = head[k];
  for (const k of Object.keys(tail)) out[k] = tail[k];
  return out;
}

export class RemoteFrameReader {
  /** The last full event's text from `TAIL_START` on, and what it parsed to; null when none. */
  private tail: string | null = null;
  private tailMembers: Members | null = null;

  /** How the last `read` went (tests and the benchmark): `tail` = the kept tail was reused. */
  lastPath: 'tail' | 'split' | 'full' = 'full';

  /** `JSON.parse(text)`: the same value, or the same SyntaxError. */
  read(text: string): unknown {
    const tail = this.tail;
    if (tail !== null && text.length > tail.length && text.endsWith(tail)) {
      const head = parseHead(text.slice(0, text.length - tail.length));
      const merged = head && merge(head, this.tailMembers!);
      if (merged) {
        this.lastPath = 'tail';
        return merged;
      }
    }
    // A new tail: parsed in two halves (about the cost of one parse), kept for the next event.
    this.tail = null;
    this.tailMembers = null;
    const at = text.indexOf(TAIL_START);
    if (at > 0) {
      const head = parseHead(text.slice(0, at));
      const rest = head && parseHead(`{${text.slice(at + 1, -1)}`);
      // `rest` was parsed without the closing brace: the text must end with it.
      const merged = head && rest && text.endsWith('}') ? merge(head, rest) : null;
      if (merged && rest) {
        this.tail = text.slice(at);
        this.tailMembers = rest;
        this.lastPath = 'split';
        return merged;
      }
    }
    this.lastPath = 'full';
    return JSON.parse(text);
  }
}
