/**
 * A lean HTTP/1.1 GET over plain `net.Socket`s kept alive per origin, for polling the same few
 * local servers every second (issue 12). Node's `http` client costs about three times the CPU
 * per request (ClientRequest, IncomingMessage, agent and stream machinery); measured from
 * outside the process this client saves about 0.3 ms of CPU per request.
 *
 * It keeps every bound `httpRequest` promises: one deadline for the whole exchange (connect,
 * headers, body, decompression), the abort signal, the body cap counted on the wire and again
 * after decompression (gzip, deflate, br), endless chunked bodies and trickles, and every
 * failure as a value with a sentence. Nothing here throws. Plain `http:` GETs only: HTTPS and
 * POST stay on Node's client (see util/http.ts, which routes here).
 */
import net from 'node:net';
import zlib from 'node:zlib';
import type { HttpFailureKind, HttpResponse } from './http';

export interface LeanGetOptions {
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Status line and headers together; real servers send well under 2 KB. */
const MAX_HEAD_BYTES = 64 * 1024;
/** A chunk-size line ("1a2b;ext=…\r\n"). */
const MAX_CHUNK_LINE_BYTES = 1024;
/** Idle sockets kept per origin, and how long one may sit idle. */
const MAX_IDLE_PER_ORIGIN = 8;
const IDLE_MS = 10_000;

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * One kept-alive connection. Its listeners are set once, when it opens, and hand what arrives to
 * the exchange using it (none while it waits in the pool): no listener churn per request.
 * Incoming bytes land in one shared buffer (`onread`), without Node's stream machinery; each
 * read is copied out before the next can arrive.
 */
interface Conn {
  socket: net.Socket;
  /** The request reading from this connection; null while it waits in the pool. */
  exchange: { data(c: Buffer): void; ended(error: unknown): void } | null;
  /** When it was put back in the pool. */
  sinceMs: number;
  /** Where it waits while idle (null while in use or once dropped). */
  pool: Conn[] | null;
}

/** Where every connection's reads land (the event loop runs one callback at a time). */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/**
 * Idle connections per origin, newest last. Staleness is checked by time when they are taken or
 * returned (no timer per socket: re-arming one per request costs more than the request's parse).
 */
const idle = new Map<string, Conn[]>();

/** Idle keep-alive sockets held now (tests). */
export function idleSocketCount(): number {
  let n = 0;
  for (const list of idle.values()) n += list.length;
  return n;
}

/** Closes every idle socket (tests, shutdown). */
export function closeIdleSockets(): void {
  for (const list of idle.values()) for (const c of list.splice(0)) drop(c);
  idle.clear();
}

function open(host: string, port: number): Conn {
  const conn = { exchange: null, sinceMs: 0, pool: null } as Omit<Conn, 'socket'> as Conn;
  conn.socket = net.connect({
    host,
    port,
    noDelay: true,
    onread: {
      buffer: READ_BUFFER,
      callback: (n: number, buf: Uint8Array): boolean => {
        // The server sent something unasked while the connection was idle: it is not reusable.
        if (!conn.exchange) {
          drop(conn);
          return false;
        }
        // A copy: the shared buffer is overwritten by the next read anywhere.
        conn.exchange.data(Buffer.from(buf.subarray(0, n)));
        return true;
      },
    },
  });
  const socket = conn.socket;
  // Closed, reset or ended by the server: an idle one leaves the pool, a busy one ends its exchange.
  const ended = (error: unknown) => (conn.exchange ? conn.exchange.ended(error) : drop(conn));
  socket.on('error', ended);
  socket.on('end', () => ended(null));
  socket.on('close', () => ended(null));
  return conn;
}

/** Destroys a connection and takes it out of its pool. */
function drop(conn: Conn): void {
  conn.exchange = null;
  conn.socket.destroy();
  const list = conn.pool;
  conn.pool = null;
  if (list) {
    const at = list.indexOf(conn);
    if (at >= 0) list.splice(at, 1);
  }
}

function takeIdle(origin: string): Conn | null {
  const list = idle.get(origin);
  const now = Date.now();
  while (list && list.length > 0) {
    const conn = list.pop()!;
    conn.pool = null;
    if (conn.socket.destroyed || !conn.socket.writable || now - conn.sinceMs > IDLE_MS) {
      drop(conn);
      continue;
    }
    conn.socket.ref();
    return conn;
  }
  return null;
}

/** Closes sockets idle for longer than IDLE_MS, everywhere (origins no longer polled included). */
function sweep(now: number): void {
  for (const [origin, list] of idle) {
    while (list.length > 0 && now - list[0]!.sinceMs > IDLE_MS) drop(list[0]!);
    if (list.length === 0) idle.delete(origin);
  }
}

function putIdle(origin: string, conn: Conn): void {
  conn.exchange = null;
  const now = Date.now();
  sweep(now);
  let list = idle.get(origin);
  if (!list) idle.set(origin, (list = []));
  if (list.length >= MAX_IDLE_PER_ORIGIN || conn.socket.destroyed) return void drop(conn);
  conn.sinceMs = now;
  conn.pool = list;
  conn.socket.unref();
  list.push(conn);
}

type BodyMode = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' };

interface Head {
  status: number;
  contentType: string;
  encoding: string;
  keepAlive: boolean;
  mode: BodyMode;
}

type Failure = { ok: false; kind: HttpFailureKind; message: string };
const failure = (kind: HttpFailureKind, message: string): Failure => ({ ok: false, kind, message });

/** Parses a status line and headers (without the blank line). A sentence where it is not HTTP. */
function parseHead(text: string, maxBytes: number): Head | Failure {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] ?? '');
  if (!status) return failure('malformed', 'it did not answer with HTTP');
  const minor = status[1] === '0' ? 0 : 1;
  const code = Number(status[2]);
  let contentLength: string | null = null;
  let chunked = false;
  let connection = '';
  let contentType = '';
  let encoding = 'identity';
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const colon = l.indexOf(':');
    if (colon <= 0) return failure('malformed', 'its response headers are malformed');
    const name = l.slice(0, colon).trim().toLowerCase();
    const value = l.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (contentLength !== null && contentLength !== value) return failure('malformed', 'it sent two different Content-Length headers');
      contentLength = value;
    } else if (name === 'transfer-encoding') chunked = chunked || /(?:^|,)\s*chunked\s*$/i.test(value);
    else if (name === 'connection') connection = value.toLowerCase();
    else if (name === 'content-type') contentType = value;
    else if (name === 'content-encoding') encoding = value.toLowerCase();
  }
  const keepAlive = minor === 1 ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  let mode: BodyMode;
  if (code === 204 || code === 304) mode = { kind: 'none' };
  else if (chunked) mode = { kind: 'chunked' };
  else if (contentLength !== null) {
    if (!/^\d{1,15}$/.test(contentLength)) return failure('malformed', 'its Content-Length is not a number');
    const declared = Number(contentLength);
    if (declared > maxBytes) return failure('too-large', `response is ${declared} bytes, over the ${maxBytes}-byte limit`);
    mode = { kind: 'length', left: declared };
  } else mode = { kind: 'close' };
  return { status: code, contentType, encoding, keepAlive: keepAlive && mode.kind !== 'close', mode };
}

function decompress(encoding: string, body: Buffer, maxBytes: number, done: (r: Buffer | Failure) => void): void {
  const opts = { maxOutputLength: Math.max(1, maxBytes) };
  const cb = (error: Error | null, out: Buffer) => {
    if (!error) done(out);
    else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      done(failure('too-large', `response is over the ${maxBytes}-byte limit once decompressed`));
    } else done(failure('malformed', `its ${encoding}-compressed body is corrupt`));
  };
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      zlib.gunzip(body, opts, cb);
      return;
    case 'deflate':
      zlib.inflate(body, opts, cb);
      return;
    case 'br':
      zlib.brotliDecompress(body, opts, cb);
      return;
  }
}

function isReadable(encoding: string): boolean {
  return ['', 'identity', 'gzip', 'x-gzip', 'deflate', 'br'].includes(encoding);
}

function classify(error: unknown): Failure {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ECONNREFUSED') return failure('refused', 'connection refused');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return failure('network', 'host not found');
  if (code === 'ECONNRESET' || code === 'EPIPE') return failure('network', 'connection reset');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return failure('network', 'host unreachable');
  return failure('network', (error as Error)?.message ?? String(error));
}

/**
 * The request line and headers, built once per URL and header set: the same few endpoints are
 * polled every second with the same headers (a bounded map per headers object).
 */
const heads = new WeakMap<object, Map<string, string>>();
const NO_HEADERS: Record<string, string> = {};
const MAX_HEADS_PER_SET = 256;

function requestHead(url: URL, headers: Record<string, string> | undefined): string | Failure {
  const set = headers ?? NO_HEADERS;
  let byUrl = heads.get(set);
  const hit = byUrl?.get(url.href);
  if (hit !== undefined) return hit;
  let head = `GET ${url.pathname || '/'}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of Object.entries(set)) {
    if (/[\r\n\0]/.test(name) || /[\r\n\0]/.test(value) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      return failure('network', `the request header "${name.slice(0, 40)}" holds characters HTTP does not allow`);
    }
    head += `${name}: ${value}\r\n`;
  }
  const request = `${head}Connection: keep-alive\r\n\r\n`;
  if (!byUrl) heads.set(set, (byUrl = new Map()));
  if (byUrl.size >= MAX_HEADS_PER_SET) byUrl.clear();
  byUrl.set(url.href, request);
  return request;
}

/** GET `url` (already parsed, `http:`). Never throws. */
export function leanGet(url: URL, options: LeanGetOptions): Promise<HttpResponse> {
  const maxBytes = options.maxBytes;
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = Number(url.port || 80);
  const origin = `${host}:${port}`;
  const request = requestHead(url, options.headers);
  if (typeof request !== 'string') return Promise.resolve(request);
  if (options.signal?.aborted) return Promise.resolve(failure('aborted', 'request cancelled'));

  return new Promise<HttpResponse>((resolve) => {
    let settled = false;
    let answered = false;
    let conn: Conn | null = null;
    const finish = (r: HttpResponse, reuse = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const c = conn;
      conn = null;
      if (c) {
        if (reuse) putIdle(origin, c);
        else drop(c);
      }
      resolve(r);
    };
    // One deadline for the whole exchange: a server that trickles a byte a second, or streams a
    // chunked body without end, is cut off here like one that never answers.
    const timer = setTimeout(() => {
      finish(failure('timeout', answered ? `an answer that did not finish within ${options.timeoutMs} ms` : `no answer within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const onAbort = () => finish(failure('aborted', 'request cancelled'));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const attempt = (mayReuse: boolean) => {
      const pooled = mayReuse ? takeIdle(origin) : null;
      const c = pooled ?? open(host, port);
      conn = c;
      let pending: Buffer | null = null;
      let parsedHead: Head | null = null;
      const body: Buffer[] = [];
      let wire = 0;
      /** Chunked: bytes left of the current chunk's data, -1 while reading a size line, -2 for the CRLF after data, -3 trailers. */
      let chunkLeft = -1;
      let received = false;

      const complete = () => {
        const h = parsedHead!;
        const leftover = pending !== null && pending.length > 0;
        const raw = body.length === 1 ? body[0]! : Buffer.concat(body, wire);
        const reuse = h.keepAlive && !leftover;
        const done = (r: Buffer | Failure) => {
          if (!Buffer.isBuffer(r)) return finish(r);
          if (r.length > maxBytes) return finish(failure('too-large', `response is over the ${maxBytes}-byte limit${h.encoding === 'identity' || h.encoding === '' ? '' : ' once decompressed'}`));
          finish({ ok: true, status: h.status, contentType: h.contentType, text: r.toString('utf8') }, reuse);
        };
        if (h.encoding === 'identity' || h.encoding === '') return done(raw);
        // The connection is free while the body inflates: hand it back first.
        if (reuse && conn === c) {
          conn = null;
          putIdle(origin, c);
        }
        decompress(h.encoding, raw, maxBytes, (r) => {
          if (!settled) done(r);
        });
      };

      const addBody = (c: Buffer): boolean => {
        wire += c.length;
        if (wire > maxBytes) {
          finish(failure('too-large', `response is over the ${maxBytes}-byte limit`));
          return false;
        }
        body.push(c);
        return true;
      };

      /** Consumes `pending`; false once the exchange is over. */
      const feed = (): boolean => {
        while (pending !== null && pending.length > 0 && !settled) {
          if (!parsedHead) {
            const end = pending.indexOf(HEAD_END);
            if (end < 0) {
              if (pending.length > MAX_HEAD_BYTES) finish(failure('malformed', 'its response headers are over 64 KB'));
              return false;
            }
            if (end > MAX_HEAD_BYTES) return (finish(failure('malformed', 'its response headers are over 64 KB')), false);
            const h = parseHead(pending.toString('latin1', 0, end), maxBytes);
            pending = pending.subarray(end + 4);
            if ('ok' in h) return (finish(h), false);
            if (h.status >= 100 && h.status < 200) continue; // 100 Continue and friends: the real answer follows
            answered = true;
            if (!isReadable(h.encoding)) {
              return (finish(failure('malformed', `response is compressed with "${h.encoding.slice(0, 40)}", which Headroom does not read`)), false);
            }
            parsedHead = h;
            if (h.mode.kind === 'none' || (h.mode.kind === 'length' && h.mode.left === 0)) return (complete(), false);
            continue;
          }
          const mode = parsedHead.mode;
          if (mode.kind === 'close') {
            const c = pending;
            pending = null;
            return addBody(c);
          }
          if (mode.kind === 'length') {
            const take = Math.min(mode.left, pending.length);
            const c = pending.subarray(0, take);
            pending = pending.subarray(take);
            mode.left -= take;
            if (!addBody(c)) return false;
            if (mode.left === 0) return (complete(), false);
            continue;
          }
          // chunked
          if (chunkLeft === -1 || chunkLeft === -3) {
            const eol = pending.indexOf(CRLF);
            if (eol < 0) {
              if (pending.length > MAX_CHUNK_LINE_BYTES) finish(failure('malformed', 'its chunked body is malformed'));
              return false;
            }
            const lineText = pending.toString('latin1', 0, eol);
            pending = pending.subarray(eol + 2);
            if (chunkLeft === -3) {
              if (lineText === '') return (complete(), false); // end of trailers
              continue;
            }
            const size = /^([0-9a-fA-F]{1,8})\s*(?:;.*)?$/.exec(lineText);
            if (!size) return (finish(failure('malformed', 'its chunked body is malformed')), false);
            const n = parseInt(size[1]!, 16);
            chunkLeft = n === 0 ? -3 : n;
            continue;
          }
          if (chunkLeft === -2) {
            if (pending.length < 2) return false;
            if (pending[0] !== 0x0d || pending[1] !== 0x0a) return (finish(failure('malformed', 'its chunked body is malformed')), false);
            pending = pending.subarray(2);
            chunkLeft = -1;
            continue;
          }
          const take = Math.min(chunkLeft, pending.length);
          const c = pending.subarray(0, take);
          pending = pending.subarray(take);
          chunkLeft -= take;
          if (!addBody(c)) return false;
          if (chunkLeft === 0) chunkLeft = -2;
        }
        return !settled;
      };

      c.exchange = {
        data: (chunk: Buffer) => {
          if (settled || conn !== c) return;
          received = true;
          pending = pending && pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
          feed();
        },
        ended: (error: unknown) => {
          if (settled || conn !== c) return;
          // A kept-alive socket the server closed just before our request: once more on a new one.
          if (pooled && !received) {
            conn = null;
            drop(c);
            attempt(false);
            return;
          }
          if (error) return finish(classify(error));
          if (parsedHead?.mode.kind === 'close') return complete();
          finish(failure('network', 'connection reset'));
        },
      };
      c.socket.write(request);
    };
    attempt(true);
  });
}
