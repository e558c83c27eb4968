import net from 'node:net';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpRequest } from './http';
import { closeIdleSockets, idleSocketCount } from './http-lean';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  closeIdleSockets();
  await Promise.all(closers.splice(0).map((c) => c()));
});

/** A raw TCP server: `answer` gets each request's head and the socket, and writes what it likes. */
async function rawServer(answer: (head: string, socket: net.Socket, n: number) => void): Promise<{ url: string; connections: () => number }> {
  let connections = 0;
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = '';
    socket.on('data', (c) => {
      buf += c.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        answer(head, socket, requests++);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => {
    sockets.forEach((s) => s.destroy());
    return new Promise((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

const get = (url: string, extra: Partial<Parameters<typeof httpRequest>[1]> = {}) => httpRequest(url, { timeoutMs: 2000, ...extra });

describe('lean keep-alive GET', () => {
  it('reuses one connection for polls of the same server (Content-Length and chunked)', async () => {
    const s = await rawServer((head, socket, n) => {
      if (n % 2 === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"n":"é"}'.replace('9', String(Buffer.byteLength('{"n":"é"}'))));
      else socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nab\ncd\r\n3\r\nefg\r\n0\r\nX-Trailer: 1\r\n\r\n');
    });
    for (let i = 0; i < 3; i++) {
      expect(await get(`${s.url}/a`)).toEqual({ ok: true, status: 200, contentType: 'application/json', text: '{"n":"é"}' });
      expect(await get(`${s.url}/b`)).toMatchObject({ ok: true, status: 200, text: 'ab\ncdefg' });
    }
    expect(s.connections()).toBe(1);
    expect(idleSocketCount()).toBe(1);
  });

  it('sends the path, query, Host and the given headers; refuses a header with a line break', async () => {
    let seen = '';
    const s = await rawServer((head, socket) => {
      seen = head;
      socket.write('HTTP/1.1 204 No Content\r\n\r\n');
    });
    expect(await get(`${s.url}/v1/models?x=1`, { headers: { authorization: 'Bearer k' } })).toMatchObject({ ok: true, status: 204, text: '' });
    expect(seen).toMatch(/^GET \/v1\/models\?x=1 HTTP\/1\.1\r\n/);
    expect(seen).toContain(`Host: ${s.url.slice('http://'.length)}`);
    expect(seen).toContain('authorization: Bearer k');
    expect(await get(`${s.url}/`, { headers: { authorization: 'Bearer k\r\nX-Evil: 1' } })).toMatchObject({ ok: false, kind: 'network', message: expect.stringMatching(/authorization/) });
  });

  it('opens a new connection when the server closed the kept one, and after Connection: close', async () => {
    const s = await rawServer((_head, socket, n) => {
      // First answer says keep-alive, then the server hangs up anyway (an idle timeout).
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n${n === 2 ? 'Connection: close\r\n' : ''}\r\n${n}`);
      if (n === 0) setTimeout(() => socket.end(), 20);
    });
    expect(await get(s.url)).toMatchObject({ ok: true, text: '0' });
    await new Promise((r) => setTimeout(r, 100));
    expect(await get(s.url)).toMatchObject({ ok: true, text: '1' });
    expect(await get(s.url)).toMatchObject({ ok: true, text: '2' });
    expect(idleSocketCount()).toBe(0);
    expect(await get(s.url)).toMatchObject({ ok: true, text: '3' });
    expect(s.connections()).toBe(3);
  });

  it('retries once on a fresh connection when a kept socket dies under the request', async () => {
    const s = await rawServer((_head, socket, n) => {
      if (n === 1) {
        socket.destroy(); // reset right as the second request arrives
        return;
      }
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${n}`);
    });
    expect(await get(s.url)).toMatchObject({ ok: true, text: '0' });
    expect(await get(s.url)).toMatchObject({ ok: true, text: '2' });
    expect(s.connections()).toBe(2);
  });

  it('does not reuse a socket idle for more than 10 s', async () => {
    const s = await rawServer((_head, socket, n) => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n${n}`));
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect(await get(s.url)).toMatchObject({ ok: true, text: '0' });
      vi.setSystemTime(Date.now() + 9_000);
      expect(await get(s.url)).toMatchObject({ ok: true, text: '1' });
      expect(s.connections()).toBe(1);
      vi.setSystemTime(Date.now() + 11_000);
      expect(await get(s.url)).toMatchObject({ ok: true, text: '2' });
      expect(s.connections()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads an HTTP/1.0 body that ends with the connection', async () => {
    const s = await rawServer((_head, socket) => {
      socket.write('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nline 1\n');
      setTimeout(() => socket.end('line 2\n'), 10);
    });
    expect(await get(s.url)).toEqual({ ok: true, status: 200, contentType: 'text/plain', text: 'line 1\nline 2\n' });
    expect(idleSocketCount()).toBe(0);
  });

  it.each([
    { name: 'not HTTP at all', reply: 'SSH-2.0-OpenSSH_9.6\r\n\r\n', want: { kind: 'malformed', message: 'it did not answer with HTTP' } },
    { name: 'a header line without a colon', reply: 'HTTP/1.1 200 OK\r\nbroken\r\n\r\n', want: { kind: 'malformed', message: expect.stringMatching(/headers are malformed/) } },
    { name: 'a Content-Length that is not a number', reply: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', want: { kind: 'malformed', message: expect.stringMatching(/Content-Length/) } },
    { name: 'a declared body over the cap', reply: 'HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n', want: { kind: 'too-large', message: 'response is 99999999 bytes, over the 1024-byte limit' } },
    { name: 'a bad chunk size', reply: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', want: { kind: 'malformed', message: expect.stringMatching(/chunked/) } },
    { name: 'a body cut short', reply: 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', end: true, want: { kind: 'network', message: 'connection reset' } },
    { name: 'endless headers', reply: `HTTP/1.1 200 OK\r\nX: ${'a'.repeat(70_000)}`, want: { kind: 'malformed', message: expect.stringMatching(/over 64 KB/) } },
  ])('$name: a failure with a sentence', async ({ reply, end, want }) => {
    const s = await rawServer((_head, socket) => {
      if (end) socket.end(reply);
      else socket.write(reply);
    });
    expect(await get(s.url, { maxBytes: 1024 })).toEqual({ ok: false, ...want });
  });

  it('stops at the abort signal and at a refused connection', async () => {
    const s = await rawServer(() => undefined); // never answers
    const ac = new AbortController();
    const pending = get(s.url, { signal: ac.signal, timeoutMs: 10_000 });
    setTimeout(() => ac.abort(), 50);
    expect(await pending).toEqual({ ok: false, kind: 'aborted', message: 'request cancelled' });
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await get(`http://127.0.0.1:${port}/`)).toEqual({ ok: false, kind: 'refused', message: 'connection refused' });
  });

  it('keeps polling a Node http server on one connection (what the fakes and most servers are)', async () => {
    let connections = 0;
    const server = http.createServer((_req, res) => res.end('{"ok":true}'));
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    for (let i = 0; i < 5; i++) expect(await get(url)).toMatchObject({ ok: true, text: '{"ok":true}' });
    expect(connections).toBe(1);
  });
});
