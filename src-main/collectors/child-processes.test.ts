import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killTrackedChildrenNow, runningChildren, stopChild, trackChild } from './child-processes';
import { runCommand } from './gpu/run-command';
import { isAlive, until } from './gpu/test-helpers';

/** A child that ignores SIGTERM (a hung driver call) and writes its pid to `pidFile`. */
const STUBBORN = `require('fs').writeFileSync(process.argv[1], String(process.pid)); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);`;
const POLITE = `require('fs').writeFileSync(process.argv[1], String(process.pid)); setInterval(() => {}, 1000);`;

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function pidFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-child-'));
  dirs.push(dir);
  return join(dir, 'pid');
}

async function startNode(script: string, file: string): Promise<ChildProcess> {
  const child = trackChild(spawn(process.execPath, ['-e', script, file], { stdio: 'ignore' }));
  children.push(child);
  await until(() => { try { return readFileSync(file, 'utf8'); } catch { return ''; } }, (s) => s !== '');
  return child;
}

describe('stopChild', () => {
  it('escalates to SIGKILL when the child ignores SIGTERM', async () => {
    const file = pidFile();
    const child = await startNode(STUBBORN, file);
    const pid = Number(readFileSync(file, 'utf8'));
    const t0 = Date.now();
    await stopChild(child, { graceMs: 300 });
    expect(child.signalCode).toBe('SIGKILL');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(isAlive(pid)).toBe(false);
    expect(runningChildren()).not.toContain(pid);
  });

  it('stops a child that honours SIGTERM with SIGTERM alone', async () => {
    const file = pidFile();
    const child = await startNode(POLITE, file);
    await stopChild(child, { graceMs: 5_000 });
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('uses kill() without a signal on Windows (TerminateProcess)', async () => {
    const calls: unknown[][] = [];
    const fake = Object.assign(new EventEmitter(), {
      pid: 4242,
      exitCode: null as number | null,
      signalCode: null as string | null,
      kill(...args: unknown[]) {
        calls.push(args);
        fake.exitCode = 1;
        queueMicrotask(() => fake.emit('exit', 1, null));
        return true;
      },
    });
    await stopChild(fake as unknown as ChildProcess, { platform: 'win32', graceMs: 50 });
    expect(calls).toEqual([[]]);
  });

  it('resolves at once for a child that already exited', async () => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((r) => child.once('exit', r));
    await expect(stopChild(child)).resolves.toBeUndefined();
  });
});

describe('killTrackedChildrenNow (process exit)', () => {
  it('kills every tracked child still running, even one that ignores SIGTERM', async () => {
    const file = pidFile();
    const child = await startNode(STUBBORN, file);
    const pid = Number(readFileSync(file, 'utf8'));
    expect(runningChildren()).toContain(pid);
    killTrackedChildrenNow();
    await new Promise((r) => child.once('exit', r));
    expect(child.signalCode).toBe('SIGKILL');
    expect(isAlive(pid)).toBe(false);
  });
});

describe('runCommand timeout', () => {
  it('a timed-out child that ignores SIGTERM is killed, never left behind', async () => {
    const file = pidFile();
    // Long enough for Node to start and install its SIGTERM handler on a busy machine.
    const r = await runCommand(process.execPath, ['-e', STUBBORN, file], { timeoutMs: 2500, killGraceMs: 200 });
    expect(r.ok).toBe(false);
    expect(r.ok ? null : r.timedOut).toBe(true);
    expect(r.ok ? '' : r.message).toMatch(/timed out after 2500 ms/);
    expect(isAlive(Number(readFileSync(file, 'utf8')))).toBe(false);
  });

  it('an aborted child is stopped too', async () => {
    const file = pidFile();
    const controller = new AbortController();
    const pending = runCommand(process.execPath, ['-e', POLITE, file], { timeoutMs: 10_000, signal: controller.signal });
    await until(() => { try { return readFileSync(file, 'utf8'); } catch { return ''; } }, (s) => s !== '');
    controller.abort();
    const r = await pending;
    expect(r.ok ? null : r.aborted).toBe(true);
    expect(isAlive(Number(readFileSync(file, 'utf8')))).toBe(false);
  });
});
