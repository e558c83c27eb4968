import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFakeBinDir, readInvocations, writeFakeTool, type FakeBinDir } from '../../../e2e/fakes/gpu/make-fake-tool';
import { startLineStream, type LineStream } from './line-stream';
import { livePids, until } from './test-helpers';

let bin: FakeBinDir;
let log: string;
let streams: LineStream[] = [];
beforeEach(async () => {
  bin = await makeFakeBinDir();
  log = path.join(bin.dir, 'calls.log');
});
afterEach(async () => {
  for (const s of streams) s.dispose();
  streams = [];
  await until(() => livePids(log), (p) => p.length === 0, 4_000);
  await bin.remove();
});

function open(file: string, extra: Partial<Parameters<typeof startLineStream>[0]> = {}) {
  const lines: string[] = [];
  const problems: string[] = [];
  const s = startLineStream({ file, args: [], onLine: (l) => lines.push(l), onProblem: (m) => problems.push(m), staleAfterMs: 2_000, initialBackoffMs: 50, ...extra });
  streams.push(s);
  return { s, lines, problems };
}

describe('startLineStream', () => {
  it('delivers lines (CRLF stripped) from one process', async () => {
    const file = await writeFakeTool(bin.dir, 'tool', { logFile: log, rules: [{ crlf: true, stream: { header: 'H', frames: ['a', 'b\nc'], intervalMs: 20 } }] });
    const { s, lines } = open(file);
    await until(() => lines.length, (n) => n >= 8);
    expect(lines.slice(0, 6)).toEqual(['H', 'a', 'b', 'c', 'a', 'b']);
    expect(s.starts).toBe(1);
    expect(await readInvocations(log)).toHaveLength(1);
    expect(s.lastLineAtMs).not.toBeNull();
  });

  it('restarts a process that exits, with backoff, and says why', async () => {
    const file = await writeFakeTool(bin.dir, 'tool', { logFile: log, rules: [{ stream: { frames: ['x'], intervalMs: 10, exitAfterFrames: 1, exitCode: 3 } }] });
    const { s, problems } = open(file, { initialBackoffMs: 100, maxBackoffMs: 400 });
    await until(() => s.starts, (n) => n >= 3);
    expect(problems[0]).toMatch(/exited \(code 3\)/);
    const starts = s.starts;
    // Backoff grows: 100, 200, 400 ms … never a tight loop.
    await new Promise((r) => setTimeout(r, 300));
    expect(s.starts - starts).toBeLessThanOrEqual(2);
  });

  it('a missing executable is reported, not thrown', async () => {
    const { s, problems } = open(path.join(bin.dir, 'nope'));
    await until(() => problems.length, (n) => n >= 1);
    expect(problems[0]).toMatch(/not found/);
    expect(s.isRunning).toBe(false);
  });

  it('a stalled process is killed and restarted', async () => {
    const file = await writeFakeTool(bin.dir, 'tool', { logFile: log, rules: [{ stream: { frames: ['x'], intervalMs: 10, stallAfterFrames: 2 } }] });
    const { s, problems, lines } = open(file, { staleAfterMs: 300 });
    await until(() => s.starts, (n) => n >= 2);
    expect(problems.some((p) => /printed nothing for 300 ms/.test(p))).toBe(true);
    await until(() => lines.length, (n) => n >= 4);
    // Only the newest process is alive.
    expect((await until(() => livePids(log), (p) => p.length <= 1)).length).toBeLessThanOrEqual(1);
  });

  it('planned restarts reset the stream without a problem', async () => {
    const file = await writeFakeTool(bin.dir, 'tool', { logFile: log, rules: [{ stream: { header: 'H', frames: ['x'], intervalMs: 20 } }] });
    let onStart = 0;
    const { s, problems, lines } = open(file, { restartEveryMs: 250, onStart: () => (onStart += 1) });
    await until(() => s.starts, (n) => n >= 2);
    await until(() => lines.filter((l) => l === 'H').length, (n) => n >= 2);
    expect(onStart).toBe(s.starts);
    expect(problems).toEqual([]);
  });

  it('a runaway line without a break is dropped, the next lines still arrive', async () => {
    const file = await writeFakeTool(bin.dir, 'tool', { logFile: log, rules: [{ stream: { frames: [`${'z'.repeat(5000)}\nok`], intervalMs: 20, repeat: false } }] });
    const { lines } = open(file, { maxLineBytes: 1000 });
    await until(() => lines.length, (n) => n >= 1);
    expect(lines[0]).toBe('ok');
  });

  it('dispose kills the child and stops restarting', async () => {
    const file = await writeFakeTool(bin.dir, 'tool', { logFile: log, rules: [{ stream: { frames: ['x'], intervalMs: 20 } }] });
    const { s, lines } = open(file);
    await until(() => lines.length, (n) => n >= 1);
    const [first] = await readInvocations(log);
    s.dispose();
    expect(s.isRunning).toBe(false);
    expect(await until(() => livePids(log), (p) => p.length === 0)).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect((await readInvocations(log)).map((i) => i.pid)).toEqual([first?.pid]);
  });
});
