/**
 * Streamed export equals the export as it was before streaming, byte for byte: the reference
 * below is the pre-streaming implementation (read every day file whole, stable sort, one string).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHistoryLine, type GpuSample } from '../../history/history-store';
import { exportCommand } from './export';

// ---- reference: the export before streaming (kept verbatim apart from names) ----
const FILE_RE = /^(\d{4}-\d{2}-\d{2})\.ndjson$/;
const dayOf = (atMs: number): string => new Date(atMs).toISOString().slice(0, 10);
function refCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
function refCsv(samples: readonly GpuSample[]): string {
  const rows = ['atMs,isoTime,gpuId,gpuName,memoryUsedBytes,memoryTotalBytes,memoryUsedPct'];
  for (const s of samples) {
    const pct = s.memoryTotalBytes > 0 ? ((s.memoryUsedBytes / s.memoryTotalBytes) * 100).toFixed(2) : '';
    rows.push([String(s.atMs), new Date(s.atMs).toISOString(), refCell(s.gpuId), refCell(s.gpuName), String(s.memoryUsedBytes), String(s.memoryTotalBytes), pct].join(','));
  }
  return `${rows.join('\n')}\n`;
}
function refFile(path: string): { samples: GpuSample[]; skipped: number } {
  const samples: GpuSample[] = [];
  let skipped = 0;
  const text = readFileSync(path).toString('utf8');
  const lastNl = text.lastIndexOf('\n');
  const complete = lastNl >= 0 ? text.slice(0, lastNl) : '';
  const tail = lastNl >= 0 ? text.slice(lastNl + 1) : text;
  for (const line of complete.split('\n')) {
    if (!line) continue;
    const parsed = parseHistoryLine(line);
    if (parsed) samples.push(...parsed);
    else skipped++;
  }
  if (tail) {
    const parsed = parseHistoryLine(tail);
    if (parsed) samples.push(...parsed);
    else skipped++;
  }
  return { samples, skipped };
}
function refExport(dir: string, sinceMs: number, untilMs: number, format: 'csv' | 'json', gpu?: string): { text: string; skipped: number } {
  const names = readdirSync(dir).filter((n) => FILE_RE.test(n)).sort();
  const firstDay = dayOf(Math.max(0, sinceMs));
  const lastDay = Number.isFinite(untilMs) ? dayOf(untilMs) : '9999-12-31';
  const samples: GpuSample[] = [];
  let skipped = 0;
  for (const name of names) {
    const day = FILE_RE.exec(name)![1]!;
    if (day < firstDay || day > lastDay) continue;
    const r = refFile(join(dir, name));
    skipped += r.skipped;
    for (const s of r.samples) if (s.atMs >= sinceMs && s.atMs <= untilMs) samples.push(s);
  }
  samples.sort((a, b) => a.atMs - b.atMs);
  const selected = gpu ? samples.filter((s) => s.gpuId === gpu) : samples;
  return { text: format === 'csv' ? refCsv(selected) : `${JSON.stringify(selected)}\n`, skipped };
}
// ---- end of reference ----

const NOW = Date.UTC(2026, 10, 26, 12);
const HOUR = 3_600_000;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-export-eq-'));
  mkdirSync(join(dir, 'history'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A seeded, awkward week: two GPUs, odd names, owners, damaged and torn lines, one out-of-order stretch. */
function writeWeek(): void {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const names = ['RTX 4090', 'A100, "SXM"', '=cmd|x', 'Ünïcødé 🚀', '-neg'];
  const byDay = new Map<string, string[]>();
  for (let t = NOW - 8 * 24 * HOUR; t < NOW; t += 37_000 + Math.floor(rnd() * 20_000)) {
    const g: unknown[] = [['gpu:0', names[Math.floor(rnd() * names.length)], Math.floor(rnd() * 1e10), 25_757_220_864]];
    if (rnd() < 0.5) g.push(['gpu:1', 'RTX 3090', Math.floor(rnd() * 1e9), rnd() < 0.1 ? 0 : 24e9]);
    const o = rnd() < 0.3 ? { 'gpu:0': [['Ollama', 123], ['Other apps', 456]] } : undefined;
    const line = JSON.stringify(o ? { t, g, o } : { t, g });
    const day = dayOf(t);
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day)!.push(line);
    if (rnd() < 0.01) byDay.get(day)!.push('\u0000garbage{{{');
  }
  const days = [...byDay.keys()].sort();
  days.forEach((day, i) => {
    const lines = byDay.get(day)!;
    if (i === 3) lines.splice(10, 5, ...lines.slice(10, 15).reverse()); // clock went back
    let text = `${lines.join('\n')}\n`;
    if (i === 2) text += '{"t":1,"g":[["gpu:0","RT'; // torn, not the last file
    if (i === days.length - 1) text += lines[0]!.slice(0, 20); // torn last line of today
    if (i === 4) text = text.slice(0, -1); // a complete last line without its newline
    writeFileSync(join(dir, 'history', `${day}.ndjson`), text);
  });
}

async function run(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  let errText = '';
  stdout.on('data', (c: Buffer) => out.push(Buffer.from(c)));
  stderr.on('data', (c) => (errText += c));
  const code = await exportCommand(argv, { stdin: new PassThrough(), stdout, stderr }, () => NOW);
  return { code, out: Buffer.concat(out).toString('utf8'), err: errText };
}

describe('headroom export, streamed, equals the export before streaming', () => {
  it.each([
    { argv: ['--since', '7d'], since: 7 * 24 * HOUR, until: 0, format: 'csv' as const },
    { argv: ['--since', '7d', '--format', 'json'], since: 7 * 24 * HOUR, until: 0, format: 'json' as const },
    { argv: ['--since', '30d', '--until', '2d'], since: 30 * 24 * HOUR, until: 2 * 24 * HOUR, format: 'csv' as const },
    { argv: ['--since', '3d', '--gpu', 'gpu:1', '--format', 'json'], since: 3 * 24 * HOUR, until: 0, format: 'json' as const, gpu: 'gpu:1' },
    { argv: ['--since', '90m'], since: 90 * 60_000, until: 0, format: 'csv' as const },
  ])('$argv', async ({ argv, since, until, format, gpu }) => {
    writeWeek();
    const want = refExport(join(dir, 'history'), NOW - since, NOW - until, format, gpu);
    expect(want.text.length).toBeGreaterThan(50);
    const r = await run([...argv, '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(want.text);
    if (want.skipped) expect(r.err).toContain(`skipped ${want.skipped} damaged line(s)`);
    else expect(r.err).not.toContain('damaged');
    // --out writes the same bytes.
    const file = join(dir, `out.${format}`);
    const r2 = await run([...argv, '--data-dir', dir, '--out', file]);
    expect(r2.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(want.text);
  });

  it('an empty range gives the header alone (CSV) or [] (JSON), as before', async () => {
    writeWeek();
    for (const format of ['csv', 'json'] as const) {
      const r = await run(['--since', '1h', '--until', '59m', '--format', format, '--data-dir', join(dir, 'nothing-here')]);
      expect(r.out).toBe(refExport(join(dir, 'history'), 0, -1, format).text);
      expect(r.err).toContain('no samples in that range');
    }
  });
});
