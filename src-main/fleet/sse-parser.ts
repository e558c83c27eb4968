/**
 * An incremental parser for `text/event-stream` (WHATWG HTML §9.2.6): lines end in CRLF, LF or
 * CR; `event`, `data` (joined with LF), `id` and `retry` fields; comment lines start with ':'.
 * Pure and bounded: an event (or a line) over `maxEventBytes` is discarded up to its end and
 * reported once, so a hostile or broken server cannot make this process buffer without limit.
 */

export interface SseEvent {
  /** `message` when the server named none. */
  event: string;
  data: string;
  /** The last `id` field seen on the stream (it persists across events), or null. */
  id: string | null;
}

export type SseParsed = { type: 'event'; event: SseEvent } | { type: 'retry'; ms: number } | { type: 'oversized'; bytes: number };

export class SseParser {
  private buffer = '';
  private eventName = '';
  private data: string[] = [];
  private dataChars = 0;
  private lastId: string | null = null;
  /** True while skipping the rest of an oversized event (until its blank line). */
  private discarding = false;
  private discardedChars = 0;
  /** A CR ended the previous chunk: a LF at the start of the next one belongs to it. */
  private pendingCr = false;

  constructor(private readonly maxEventBytes: number) {}

  /** Feeds decoded text; returns what completed in it, in order. */
  push(text: string): SseParsed[] {
    const out: SseParsed[] = [];
    let s = text;
    if (this.pendingCr && s.startsWith('\n')) s = s.slice(1);
    this.pendingCr = false;
    let start = 0;
    // Line ends found with indexOf (native), not a per-character loop: events are kilobytes.
    let lf = s.indexOf('\n', start);
    let cr = s.indexOf('\r', start);
    while (lf !== -1 || cr !== -1) {
      const i = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      const line = this.buffer + s.slice(start, i);
      this.buffer = '';
      this.line(line, out);
      let next = i + 1;
      if (s.charCodeAt(i) === 13) {
        if (next < s.length && s.charCodeAt(next) === 10) next++;
        else if (next === s.length) this.pendingCr = true;
      }
      start = next;
      if (lf !== -1 && lf < start) lf = s.indexOf('\n', start);
      if (cr !== -1 && cr < start) cr = s.indexOf('\r', start);
    }
    const rest = s.slice(start);
    if (this.discarding) this.discardedChars += rest.length;
    else if (this.buffer.length + rest.length + this.dataChars > this.maxEventBytes) this.startDiscarding(this.buffer.length + rest.length);
    else this.buffer += rest;
    return out;
  }

  private startDiscarding(extraChars: number): void {
    this.discarding = true;
    this.discardedChars = this.dataChars + extraChars;
    this.buffer = '';
    this.data = [];
    this.dataChars = 0;
  }

  private line(line: string, out: SseParsed[]): void {
    if (line === '') {
      if (this.discarding) {
        out.push({ type: 'oversized', bytes: this.discardedChars });
        this.discarding = false;
        this.discardedChars = 0;
        this.eventName = '';
        return;
      }
      if (this.data.length) out.push({ type: 'event', event: { event: this.eventName || 'message', data: this.data.join('\n'), id: this.lastId } });
      this.eventName = '';
      this.data = [];
      this.dataChars = 0;
      return;
    }
    if (this.discarding) {
      this.discardedChars += line.length + 1;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventName = value;
        break;
      case 'data':
        this.dataChars += value.length + 1;
        if (this.dataChars > this.maxEventBytes) this.startDiscarding(0);
        else this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) out.push({ type: 'retry', ms: Number(value) });
        break;
      default:
        break;
    }
  }
}
