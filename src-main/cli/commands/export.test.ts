import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportCommand } from './export';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-export-'));
  mkdirSync(join(dir, 'history'));
  const now = Date.UTC(2026, 10, 26, 12);
  const line = (t: number, id: string, used: number) => `{"t":${t},"g":[["${id}","RTX",${used},1000]]}\n`;
  writeFileSync(join(dir, 'history', '2026-11-25.ndjson'), line(now - 30 * 3600_000, 'gpu:0', 1) + line(now - 20 * 3600_000, 'gpu:0', 2));
  writeFileSync(join(dir, 'history', '2026-11-26.ndjson'), line(now - 3600_000, 'gpu:0', 3) + line(now - 3600_000, 'gpu:1', 4) + '{"t":1,"g":[["gpu');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let errText = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (errText += c));
  const code = await exportCommand(argv, { stdin: new PassThrough(), stdout, stderr }, () => Date.UTC(2026, 10, 26, 12));
  return { code, out, err: errText };
}

describe('headroom export', () => {
  it('CSV of the last 24 h: header and one row per sample and GPU, damaged lines reported', async () => {
    const r = await run(['--since', '24h', '--format', 'csv', '--data-dir', dir]);
    expect(r.code).toBe(0);
    const rows = r.out.trim().split('\n');
    expect(rows[0]).toMatch(/^atMs,isoTime,gpuId,gpuName,memoryUsedBytes,memoryTotalBytes/);
    expect(rows.slice(1).map((x) => x.split(',')[4])).toEqual(['2', '3', '4']);
    expect(r.err).toContain('skipped 1 damaged line');
  });
  it('JSON, one GPU', async () => {
    const r = await run(['--since', '2d', '--format', 'json', '--gpu', 'gpu:0', '--data-dir', dir]);
    expect(JSON.parse(r.out).map((s: { memoryUsedBytes: number }) => s.memoryUsedBytes)).toEqual([1, 2, 3]);
  });
  it.each([
    { argv: ['--format', 'xml'], msg: /--format must be csv or json/ },
    { argv: ['--since', 'yesterday'], msg: /--since must be a duration/ },
    { argv: ['--bogus'], msg: /Unknown option/ },
  ])('$argv → exit 2', async ({ argv }) => {
    const r = await run([...argv, '--data-dir', dir]);
    expect(r.code).toBe(2);
  });
});
