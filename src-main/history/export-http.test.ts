import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../util/logger';
import { streamExport } from './export';
import { createExportRoute } from './export-http';

const NOW = Date.UTC(2026, 10, 26, 12);
let dir: string;
let server: http.Server;
let base: string;
let historyDir: string | null;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-export-http-'));
  historyDir = join(dir, 'history');
  mkdirSync(historyDir);
  const lines: string[] = [];
  for (let t = NOW - 26 * 3_600_000; t < NOW; t += 10_000) lines.push(`{"t":${t},"g":[["gpu:0","RTX, \\"4090\\"",${t % 1e9},25757220864]]}`);
  const split = lines.findIndex((l) => l.startsWith(`{"t":${Date.UTC(2026, 10, 26)}`));
  writeFileSync(join(historyDir, '2026-11-25.ndjson'), `${lines.slice(0, split).join('\n')}\nnot json\n`);
  writeFileSync(join(historyDir, '2026-11-26.ndjson'), `${lines.slice(split).join('\n')}\n`);
  const route = createExportRoute({ historyDir: () => historyDir, logger: silentLogger, now: () => NOW });
  server = http.createServer((req, res) => {
    void route(req, res, new URL(req.url ?? '/', 'http://localhost')).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/export (streamed)', () => {
  it.each(['csv', 'json'] as const)('%s: the same bytes as the export, a file name, and the damaged-line count afterwards', async (format) => {
    const since = NOW - 30 * 3_600_000;
    let want = '';
    const r = await streamExport(historyDir!, { sinceMs: since, untilMs: NOW, format }, (c) => void (want += c));
    expect(r.skipped).toBe(1);
    const res = await fetch(`${base}/api/export?sinceMs=${since}&format=${format}&id=abc-1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="headroom-history-2026-11-26-12-00-00.${format}"`);
    expect(await res.text()).toBe(want);
    const st = (await (await fetch(`${base}/api/export/status?id=abc-1`)).json()) as unknown;
    expect(st).toEqual({ ok: true, value: { samples: r.samples, skippedLines: 1 } });
  });

  it('bad parameters get a sentence; no history folder gets 503; unknown ids 404', async () => {
    const bad = await fetch(`${base}/api/export?sinceMs=yesterday`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^sinceMs: /);
    expect((await fetch(`${base}/api/export?sinceMs=0&format=xml`)).status).toBe(400);
    expect((await fetch(`${base}/api/export?sinceMs=0&id=../x`)).status).toBe(400);
    expect((await fetch(`${base}/api/export/status?id=nope`)).status).toBe(404);
    historyDir = null;
    expect((await fetch(`${base}/api/export?sinceMs=0`)).status).toBe(503);
    expect((await fetch(`${base}/api/other`)).status).toBe(404);
  });
});
