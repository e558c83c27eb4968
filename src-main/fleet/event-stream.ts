/**
 * One watched server's `/api/events` stream over a plain TCP or TLS socket, with the HTTP/1.1
 * response read here (status line, headers, chunked or close-delimited body).
 *
 * Why not node:http: a watcher receives one event per watched server per tick, and in a process
 * that does little else that code never gets hot in the JIT, so each event paid for two layers of
 * Node streams (socket, then response: push, emit, nextTick, read-more) before a byte reached the
 * SSE parser — about as much as everything else per event. Here the socket reads into one buffer
 * kept for the stream's life (`onread`: no Buffer per read, no stream machinery), the body is
 * de-chunked in place and decoded once. The rules are node:http's where they matter: the same
 * request headers (Host from the URL, `Authorization: Bearer`, `Last-Event-ID`), certificates
 * verified against the URL's host name, timeouts and size caps; a refusal (401/403) still yields
 * the server's sentence.
 */
import net, { isIP } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import tls from 'node:tls';

/** Largest response head (status line and headers) accepted. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Largest error body read for its sentence. */
const MAX_REFUSAL_BYTES = 4096;
/** Bytes read from the socket at a time, into one buffer per stream. */
const READ_BUFFER_BYTES = 64 * 1024;

export interface RawStreamRequest {
  url: URL;
  /** Header name (lower case) → value; values with CR, LF or NUL are refused before connecting. */
  headers: Record<string, string>;
  /** Connect here instead of resolving the URL's host (Host and the TLS name stay the URL's). */
  connectTo?: string;
  /**
   * Hold the body of a 200 answer as it is read (a copy of the bytes, nothing else done with them)
   * until `flush()`; `onHeld` says that something is held. Past `maxBytes` it is read at once,
   * and so is what is held when the connection ends.
   */
  hold?: { maxBytes: number; onHeld(): void };
}

export interface RawStream {
  /** Reads what is held (`hold`): its text goes to `onText` now. */
  flush(): void;
  /** Closes the connection; no callback after. */
  close(): void;
  /** Reads so far (head or body): a number that moves while the connection is alive. */
  readonly reads: number;
}

export interface RawStreamHandlers {
  /** The response head: status, lower-case header names. */
  onHead(status: number, headers: Record<string, string>): 'body' | 'refusal' | 'stop';
  /** Decoded body text of a 200 answer, in order. */
  onText(text: string): void;
  /** The body of a refused answer (up to 4 KiB), once it is read. */
  onRefusal(body: string): void;
  /** The connection ended: `error` when it failed, null when the server ended the body or closed. */
  onEnd(error: Error | null): void;
}

const CR = 13;
const LF = 10;

/** Opens the connection and sends the GET. */
export function openRawStream(req: RawStreamRequest, handlers: RawStreamHandlers): RawStream {
  let closed = false;
  let socket: net.Socket | null = null;
  let reads = 0;
  /** Held body bytes (`hold`): `held[0, heldLength)`. */
  let held: Buffer | null = null;
  let heldLength = 0;
  const flush = () => {
    if (closed || !heldLength || !held) return;
    const bytes = held.subarray(0, heldLength);
    heldLength = 0;
    bodyBytes(bytes, 0, bytes.length);
    // A burst (up to maxBytes) is not kept for the connection's life.
    if (held.length > 4 * READ_BUFFER_BYTES) held = null;
  };
  const end = (error: Error | null) => {
    if (closed) return;
    // What arrived before the end is read first.
    flush();
    if (closed) return;
    closed = true;
    socket?.destroy();
    handlers.onEnd(error);
  };
  for (const [k, v] of Object.entries(req.headers)) {
    if (/[\r\n\0]/.test(v)) {
      queueMicrotask(() => end(new Error(`the ${k} header holds a line break or NUL and cannot be sent`)));
      return { flush: () => undefined, close: () => void (closed = true), reads: 0 };
    }
  }
  const secure = req.url.protocol === 'https:';
  const hostname = req.url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(req.url.port) || (secure ? 443 : 80);
  const path = `${req.url.pathname}${req.url.search}`;
  const lines = [`GET ${path} HTTP/1.1`, `Host: ${req.url.host}`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${v}`), 'Connection: keep-alive', '', ''];

  // The response, read as it comes.
  let phase: 'head' | 'body' | 'refusal' = 'head';
  let head: Buffer[] = [];
  let headBytes = 0;
  let chunked = false;
  /** Bytes of the body left when the answer has a Content-Length; -1 when it has none. */
  let lengthLeft = -1;
  /** Chunked framing: 'size' (reading a size line), 'data' (`chunkLeft` bytes to go), 'crlf' (after data). */
  let chunkPhase: 'size' | 'data' | 'crlf' = 'size';
  let chunkLeft = 0;
  let sizeLine = '';
  const decoder = new StringDecoder('utf8');
  let refusal = '';

  const body = (bytes: Buffer) => {
    if (phase === 'body') {
      const text = decoder.write(bytes);
      if (text) handlers.onText(text);
    } else if (phase === 'refusal') {
      refusal += bytes.toString('utf8');
      if (refusal.length >= MAX_REFUSAL_BYTES) finishRefusal();
    }
  };
  const finishRefusal = () => {
    if (closed) return;
    phase = 'head'; // nothing more is read
    handlers.onRefusal(refusal.slice(0, MAX_REFUSAL_BYTES));
    end(null);
  };
  const endOfBody = () => (phase === 'refusal' ? finishRefusal() : end(null));

  /** The body bytes of `buf[from, to)`, de-chunked where the answer is chunked. */
  const bodyBytes = (buf: Buffer, from: number, to: number) => {
    if (!chunked) {
      if (lengthLeft >= 0) {
        const n = Math.min(lengthLeft, to - from);
        if (n > 0) body(buf.subarray(from, from + n));
        lengthLeft -= n;
        if (lengthLeft === 0 && !closed) endOfBody();
      } else if (to > from) body(buf.subarray(from, to));
      return;
    }
    let i = from;
    while (i < to && !closed) {
      if (chunkPhase === 'data') {
        const n = Math.min(chunkLeft, to - i);
        body(buf.subarray(i, i + n));
        chunkLeft -= n;
        i += n;
        if (chunkLeft === 0) chunkPhase = 'crlf';
      } else if (chunkPhase === 'crlf') {
        // The CR LF after a chunk's data (a lone LF is tolerated).
        const c = buf[i++];
        if (c === LF) chunkPhase = 'size';
        else if (c !== CR) return end(new Error('the event stream is not valid chunked HTTP'));
      } else {
        const lf = buf.indexOf(LF, i);
        const stop = lf === -1 || lf >= to ? to : lf;
        sizeLine += buf.toString('latin1', i, stop);
        if (sizeLine.length > 1024) return end(new Error('the event stream is not valid chunked HTTP'));
        i = stop;
        if (stop === to) break;
        i++; // the LF
        const hex = sizeLine.replace(/;.*$/, '').trim();
        sizeLine = '';
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) return end(new Error('the event stream is not valid chunked HTTP'));
        chunkLeft = parseInt(hex, 16);
        if (chunkLeft === 0) return endOfBody();
        chunkPhase = 'data';
      }
    }
  };

  const readHead = (buf: Buffer, n: number): void => {
    head.push(Buffer.from(buf.subarray(0, n)));
    headBytes += n;
    const all = head.length === 1 ? head[0]! : Buffer.concat(head);
    head = [all];
    const at = all.indexOf('\r\n\r\n');
    if (at === -1) {
      if (headBytes > MAX_HEAD_BYTES) end(new Error(`the answer's headers exceed ${MAX_HEAD_BYTES / 1024} KiB`));
      return;
    }
    head = [];
    const [statusLine, ...headerLines] = all.toString('latin1', 0, at).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(statusLine ?? '');
    if (!m) return end(new Error('the answer is not HTTP/1.1'));
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    chunked = /(?:^|,)\s*chunked\s*$/i.test(headers['transfer-encoding'] ?? '');
    const length = headers['content-length'];
    lengthLeft = !chunked && length !== undefined && /^\d+$/.test(length) ? Number(length) : -1;
    const next = handlers.onHead(Number(m[1]), headers);
    if (closed) return;
    if (next === 'stop') return end(null);
    phase = next;
    if (lengthLeft === 0) return endOfBody();
    if (phase === 'body' && req.hold) hold(all, at + 4, all.length);
    else bodyBytes(all, at + 4, all.length);
  };

  const hold = (buf: Buffer, from: number, to: number) => {
    const n = to - from;
    if (n <= 0) return;
    if (!held || heldLength + n > held.length) {
      const bigger = Buffer.allocUnsafe(Math.max(READ_BUFFER_BYTES, 2 * (heldLength + n)));
      if (held) held.copy(bigger, 0, 0, heldLength);
      held = bigger;
    }
    buf.copy(held, heldLength, from, to);
    const was = heldLength;
    heldLength += n;
    if (heldLength > req.hold!.maxBytes) flush();
    else if (!was) req.hold!.onHeld();
  };
  const onread = (n: number, buf: Buffer): boolean => {
    if (closed) return false;
    reads++;
    if (phase === 'body' && req.hold) hold(buf, 0, n);
    else if (phase === 'head') readHead(buf, n);
    else bodyBytes(buf, 0, n);
    return !closed;
  };
  const options = { host: req.connectTo ?? hostname, port, onread: { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: onread } };
  const sock: net.Socket = secure
    ? tls.connect({
        ...options,
        ...(isIP(hostname) ? {} : { servername: hostname }),
        // The certificate must name the URL's host, wherever the connection goes (connectTo).
        checkServerIdentity: (_host: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(hostname, cert),
      } as tls.ConnectionOptions)
    : net.connect(options);
  socket = sock;
  sock.setNoDelay(true);
  sock.on(secure ? 'secureConnect' : 'connect', () => {
    if (!closed) sock.write(lines.join('\r\n'));
  });
  sock.on('error', (e) => end(e));
  sock.on('end', () => (phase === 'refusal' ? finishRefusal() : end(null)));
  sock.on('close', () => (phase === 'refusal' ? finishRefusal() : end(null)));
  return {
    flush,
    close: () => {
      closed = true;
      sock.destroy();
    },
    get reads() {
      return reads;
    },
  };
}
