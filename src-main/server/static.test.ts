import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsEncoding, serveStatic } from './static';

describe('acceptsEncoding', () => {
  it.each([
    ['gzip, deflate, br, zstd', 'br', true],
    ['gzip, deflate, br, zstd', 'gzip', true],
    ['gzip', 'br', false],
    ['BR;q=0.5, gzip', 'br', true],
    ['br;q=0, gzip', 'br', false],
    ['br ; q = 0.0', 'br', false],
    ['*', 'br', true],
    ['*;q=0', 'gzip', false],
    ['gzip;q=1, *;q=0', 'gzip', true],
    ['identity', 'gzip', false],
    ['', 'gzip', false],
    [undefined, 'gzip', false],
  ])('%j allows %s: %s', (header, coding, want) => {
    expect(acceptsEncoding(header, coding)).toBe(want);
  });
});

describe('serveStatic: stored compressed copies', () => {
  let dir: string;
  let server: http.Server;
  let base: string;
  const js = 'export const answer = 42;\n'.repeat(200);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'headroom-static-enc-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><head></head><title>x</title>');
    writeFileSync(join(dir, 'index.html.gz'), gzipSync('stale copy of the page'));
    writeFileSync(join(dir, 'assets/app.js'), js);
    writeFileSync(join(dir, 'assets/app.js.br'), brotliCompressSync(js));
    writeFileSync(join(dir, 'assets/app.js.gz'), gzipSync(js));
    writeFileSync(join(dir, 'assets/plain.css'), 'body{color:red}');
    writeFileSync(join(dir, 'assets/old.js'), js);
    writeFileSync(join(dir, 'assets/old.js.gz'), gzipSync('an older build'));
    utimesSync(join(dir, 'assets/old.js.gz'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    server = http.createServer((req, res) => {
      void serveStatic(dir, new URL(req.url!, 'http://x').pathname, res, {
        transformHtml: (h) => h.replace('<head>', '<head><meta name="t" content="1">'),
        extraHeaders: req.headers.origin ? { vary: 'Origin' } : {},
        acceptEncoding: req.headers['accept-encoding'],
      }).then((served) => {
        if (!served) res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Raw GET (no automatic decompression). */
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http
        .get(`${base}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        })
        .on('error', reject);
    });

  it('sends the brotli copy when br is accepted, else the gzip copy, else the file', async () => {
    const br = await get('/assets/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['cache-control']).toContain('immutable');
    expect(brotliDecompressSync(br.body).toString()).toBe(js);

    const gz = await get('/assets/app.js', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(js);

    const plain = await get('/assets/app.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toBe('Accept-Encoding');
    expect(plain.body.toString()).toBe(js);
  });

  it('sends the file itself when it has no copy, or only a copy older than it', async () => {
    const css = await get('/assets/plain.css', { 'accept-encoding': 'br, gzip' });
    expect(css.headers['content-encoding']).toBeUndefined();
    expect(css.body.toString()).toBe('body{color:red}');
    const old = await get('/assets/old.js', { 'accept-encoding': 'gzip' });
    expect(old.headers['content-encoding']).toBeUndefined();
    expect(old.body.toString()).toBe(js);
  });

  it('never sends a stored copy of a rewritten page; keeps a Vary it was given', async () => {
    const page = await get('/index.html', { 'accept-encoding': 'gzip' });
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.body.toString()).toContain('<meta name="t" content="1">');
    const cors = await get('/assets/app.js', { 'accept-encoding': 'br', origin: 'http://example.test' });
    expect(cors.headers.vary).toBe('Origin, Accept-Encoding');
    expect(cors.headers['content-encoding']).toBe('br');
  });

  it('does not serve the copies as files of their own type', async () => {
    const direct = await get('/assets/app.js.br');
    expect(direct.status).toBe(200);
    expect(direct.headers['content-type']).toBe('application/octet-stream');
    expect(direct.headers['content-encoding']).toBeUndefined();
  });
});
