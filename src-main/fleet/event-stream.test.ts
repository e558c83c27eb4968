/**
 * The watcher's own HTTP/1.1 reading of an event stream, against raw TCP and TLS servers on
 * 127.0.0.1 (port 0) that write their answers in pieces cut anywhere.
 */
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { openRawStream, type RawStreamHandlers } from './event-stream';
import { SELF_SIGNED_CERT, SELF_SIGNED_KEY } from './tls-fixture';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A server that records the request and answers with `pieces`, one write each (then ends, unless `keepOpen`). */
async function rawServer(pieces: (string | Buffer)[], opts: { keepOpen?: boolean; secure?: boolean } = {}) {
  const requests: string[] = [];
  let written = 0;
  const onSocket = (socket: net.Socket) => {
    let req = '';
    socket.on('data', async (c: Buffer) => {
      req += c.toString('latin1');
      if (!req.includes('\r\n\r\n')) return;
      requests.push(req);
      for (const p of pieces) {
        if (socket.destroyed) return;
        socket.write(p);
        written += Buffer.byteLength(p, typeof p === 'string' ? 'latin1' : undefined);
        // Let each piece arrive as its own read.
        await new Promise((r) => setTimeout(r, 5));
      }
      if (!opts.keepOpen) socket.end();
    });
    socket.on('error', () => undefined);
  };
  const server = opts.secure ? tls.createServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERT }, onSocket) : net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, requests, written: () => written };
}

/** Opens a stream and collects what it reports until it ends. */
function collect(url: string, connectTo?: string, extra: Partial<RawStreamHandlers> = {}, headers: Record<string, string> = { accept: 'text/event-stream' }) {
  const got = { status: 0, headers: {} as Record<string, string>, text: '', refusal: null as string | null, error: null as Error | null };
  const ended = new Promise<typeof got>((resolve) => {
    const stop = openRawStream(
      { url: new URL(url), headers, ...(connectTo ? { connectTo } : {}) },
      {
        onHead: (status, h) => {
          got.status = status;
          got.headers = h;
          return extra.onHead?.(status, h) ?? (status === 200 ? 'body' : 'refusal');
        },
        onText: (t) => (got.text += t),
        onRefusal: (b) => (got.refusal = b),
        onEnd: (e) => {
          got.error = e;
          resolve(got);
        },
      },
    );
    cleanups.push(() => stop.close());
  });
  return ended;
}

/** Polls `fn` until it is true. */
async function until(fn: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const head = (extra: string) => `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n${extra}\r\n`;

/** `text` as HTTP chunks of the given byte sizes (UTF-8), then the last chunk. */
function chunked(text: string, sizes: number[]): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: string[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, bytes.length - at);
    out.push(`${n.toString(16)}\r\n${bytes.subarray(at, at + n).toString('latin1')}\r\n`);
    at += n;
  }
  out.push('0\r\n\r\n');
  return out;
}

/** Cuts the byte string `s` into pieces at the given offsets. */
function cut(s: string, at: number[]): Buffer[] {
  const b = Buffer.from(s, 'latin1');
  const points = [0, ...at.filter((x) => x > 0 && x < b.length).sort((x, y) => x - y), b.length];
  return points.slice(1).map((end, i) => b.subarray(points[i], end));
}

const events = 'event: snapshotPublished\ndata: {"atMs":1,"name":"GPU “Ünïcode” 🚀"}\n\n: heartbeat\n\nevent: snapshotPublished\ndata: {"atMs":2}\n\n';

describe('openRawStream', () => {
  it('sends GET with the URL’s Host, its path and the given headers', async () => {
    const s = await rawServer([head('Content-Length: 0\r\n')]);
    await collect(`http://127.0.0.1:${s.port}/headroom/api/events?x=1`, undefined, {}, { accept: 'text/event-stream', authorization: 'Bearer hrv_abc', 'last-event-id': '41' });
    expect(s.requests[0]).toMatch(/^GET \/headroom\/api\/events\?x=1 HTTP\/1\.1\r\n/);
    expect(s.requests[0]).toContain(`Host: 127.0.0.1:${s.port}\r\n`);
    expect(s.requests[0]).toContain('authorization: Bearer hrv_abc\r\n');
    expect(s.requests[0]).toContain('last-event-id: 41\r\n');
  });

  it('de-chunks a chunked body however it is cut (after a byte, in the head, in the last chunk, every 3 bytes), multi-byte characters included', async () => {
    const wire = head('Transfer-Encoding: chunked\r\n') + chunked(events, [7, 1, 30, 3]).join('');
    // Each cut point in turn, and pieces of a few bytes.
    const cuts = [[1], [head('Transfer-Encoding: chunked\r\n').length - 2], [wire.length - 3], Array.from({ length: 200 }, (_, i) => i * 3)];
    for (const at of cuts) {
      const s = await rawServer(cut(wire, at));
      const got = await collect(`http://127.0.0.1:${s.port}/api/events`);
      expect(got.status).toBe(200);
      expect(got.headers['content-type']).toBe('text/event-stream');
      expect(got.text).toBe(events);
      expect(got.error).toBeNull();
    }
  });

  it('reads a body delimited by Content-Length, or by the end of the connection', async () => {
    const bytes = Buffer.byteLength(events);
    const a = await rawServer([head(`Content-Length: ${bytes}\r\n`), events.slice(0, 10), `${events.slice(10)}trailing junk`], { keepOpen: true });
    expect((await collect(`http://127.0.0.1:${a.port}/api/events`)).text).toBe(events);
    const b = await rawServer([head(''), events.slice(0, 30), events.slice(30)]);
    expect((await collect(`http://127.0.0.1:${b.port}/api/events`)).text).toBe(events);
  });

  it('hands over a refusal’s body (chunked) for its sentence', async () => {
    const body = JSON.stringify({ ok: false, error: { code: 'forbidden', message: 'Refused: this is a scrape token.' } });
    const s = await rawServer(['HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n', ...chunked(body, [10])]);
    const got = await collect(`http://127.0.0.1:${s.port}/api/events`);
    expect(got.status).toBe(403);
    expect(got.refusal).toBe(body);
  });

  it('refuses what is not HTTP, bad chunking, endless headers and headers that would split the request', async () => {
    const notHttp = await rawServer(['SSH-2.0-OpenSSH_9.6\r\n\r\n']);
    expect((await collect(`http://127.0.0.1:${notHttp.port}/api/events`)).error?.message).toMatch(/not HTTP/);
    const badChunk = await rawServer([head('Transfer-Encoding: chunked\r\n'), 'zz\r\nhello\r\n']);
    expect((await collect(`http://127.0.0.1:${badChunk.port}/api/events`)).error?.message).toMatch(/not valid chunked/);
    const endless = await rawServer([`HTTP/1.1 200 OK\r\n${'X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(500)}`], { keepOpen: true });
    expect((await collect(`http://127.0.0.1:${endless.port}/api/events`)).error?.message).toMatch(/headers exceed/);
    const s = await rawServer([head('Content-Length: 0\r\n')]);
    const got = await collect(`http://127.0.0.1:${s.port}/api/events`, undefined, {}, { authorization: 'Bearer x\r\nX-Injected: 1' });
    expect(got.error?.message).toMatch(/authorization header holds a line break/);
    expect(s.requests).toEqual([]);
  });

  it('holds the body until flush (a copy of the bytes), reads it on flush, at the cap, and at the end', async () => {
    const body = events.repeat(3);
    const s = await rawServer([head('Transfer-Encoding: chunked\r\n'), ...chunked(body, [50, 9]).map((p) => Buffer.from(p, 'latin1'))], { keepOpen: true });
    let heldCalls = 0;
    let text = '';
    const stream = openRawStream(
      { url: new URL(`http://127.0.0.1:${s.port}/api/events`), headers: {}, hold: { maxBytes: 1 << 20, onHeld: () => heldCalls++ } },
      { onHead: () => 'body', onText: (t) => (text += t), onRefusal: () => undefined, onEnd: () => undefined },
    );
    cleanups.push(() => stream.close());
    // Pieces arrive; nothing is read until a flush.
    const wire = Buffer.byteLength(head('Transfer-Encoding: chunked\r\n')) + chunked(body, [50, 9]).join('').length;
    await until(() => heldCalls === 1 && s.written() >= wire, 'the server done, the client holding');
    expect(text).toBe('');
    // Each flush reads what is held so far, in order, whatever the piece boundaries (a character cut in two included).
    await until(() => {
      const before = text.length;
      stream.flush();
      expect(body.startsWith(text)).toBe(true);
      return text === body && text.length >= before;
    }, 'the whole body through flushes');
    stream.flush();
    expect(text).toBe(body);

    // Over the cap: read as it comes. And at the end: what is held is read before onEnd.
    const small = await rawServer([head('Content-Length: 200\r\n'), 'x'.repeat(150), 'y'.repeat(50)]);
    let got = '';
    let endedWith = '';
    await new Promise<void>((resolve) => {
      const capped = openRawStream(
        { url: new URL(`http://127.0.0.1:${small.port}/api/events`), headers: {}, hold: { maxBytes: 100, onHeld: () => undefined } },
        { onHead: () => 'body', onText: (t) => (got += t), onRefusal: () => undefined, onEnd: () => ((endedWith = got), resolve()) },
      );
      cleanups.push(() => capped.close());
    });
    expect(endedWith).toBe(`${'x'.repeat(150)}${'y'.repeat(50)}`);
  });

  it('over TLS: checks the certificate against the URL’s host name, wherever it connects', async () => {
    const s = await rawServer([head('Content-Length: 5\r\n'), 'hello'], { secure: true });
    // Self-signed: refused, with the code the watcher turns into a sentence.
    const refused = await collect(`https://gpu-server-1.example:${s.port}/api/events`, '127.0.0.1');
    expect((refused.error as NodeJS.ErrnoException | null)?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    // Trusted (as with NODE_EXTRA_CA_CERTS): read, and the Host stays the URL's.
    const trusted = tls.rootCertificates;
    const original = tls.createSecureContext;
    const withCa = ((o?: tls.SecureContextOptions) => original({ ...o, ca: [...trusted, SELF_SIGNED_CERT] })) as typeof tls.createSecureContext;
    Object.defineProperty(tls, 'createSecureContext', { value: withCa, configurable: true, writable: true });
    cleanups.push(() => Object.defineProperty(tls, 'createSecureContext', { value: original, configurable: true, writable: true }));
    const ok = await collect(`https://gpu-server-1.example:${s.port}/api/events`, '127.0.0.1');
    expect(ok.error).toBeNull();
    expect(ok.text).toBe('hello');
    expect(s.requests.at(-1)).toContain(`Host: gpu-server-1.example:${s.port}\r\n`);
    // A certificate for another name: refused even though the address answers.
    const other = await collect(`https://127.0.0.1:${s.port}/api/events`);
    expect((other.error as NodeJS.ErrnoException | null)?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
