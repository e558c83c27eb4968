/**
 * Issue 11 item 1: nothing may turn a file URL into a path with `URL.pathname`. On Windows that
 * gives `/C:/Users/...`, and anywhere a space becomes `%20` (Node docs, url.fileURLToPath:
 * "new URL('file:///C:/path/').pathname → '/C:/path/'", "new URL('file:///hello world').pathname
 * → '/hello%20world'"). These tests run the real scripts from a folder whose name has a space.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'headroom space '));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (/\.(m?[jt]s|tsx)$/.test(name) && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('paths with spaces (fileURLToPath, never URL.pathname)', () => {
  it('no source turns import.meta.url into a path with .pathname', () => {
    const offenders: string[] = [];
    for (const dir of ['scripts', 'src-main', 'shared', 'e2e', 'bench']) {
      for (const file of sourceFiles(path.join(repo, dir))) {
        const text = readFileSync(file, 'utf8');
        // A URL built from a file URL (import.meta.url, a `fixtures` URL) read back with .pathname.
        if (/import\.meta\.url\)\.pathname|new URL\([^)]*,\s*(?:import\.meta\.url|fixtures|root|here)\)\.pathname/.test(text)) offenders.push(path.relative(repo, file));
      }
    }
    expect(offenders).toEqual([]);
  });

  it('the fake GPU tools find their recorded fixtures from a folder whose name has a space', () => {
    const e2e = path.join(tmp, 'e2e');
    cpSync(path.join(repo, 'e2e', 'fakes', 'gpu'), path.join(e2e, 'fakes', 'gpu'), { recursive: true });
    cpSync(path.join(repo, 'e2e', 'fixtures', 'backends'), path.join(e2e, 'fixtures', 'backends'), { recursive: true });
    const out = execFileSync(process.execPath, [path.join(e2e, 'fakes', 'gpu', 'bin', 'nvidia-smi'), '--query-gpu=name', '--format=csv'], { encoding: 'utf8', timeout: 10_000 });
    expect(out).toBe(readFileSync(path.join(repo, 'e2e', 'fixtures', 'backends', 'nvidia-smi', 'query-gpu.single.csv'), 'utf8'));
  });

  it('npm start (scripts/start.mjs) finds the built CLI from a folder whose name has a space', () => {
    const root = path.join(tmp, 'checkout');
    cpSync(path.join(repo, 'scripts'), path.join(root, 'scripts'), { recursive: true });
    // A stand-in for the built CLI: prints the arguments it was started with, then exits.
    const dist = path.join(root, 'dist');
    execFileSync(process.execPath, ['-e', `require('fs').mkdirSync(${JSON.stringify(dist)},{recursive:true});require('fs').writeFileSync(${JSON.stringify(path.join(dist, 'cli.js'))},"console.log('cli ran: '+process.argv.slice(2).join(' '))")`]);
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'start.mjs'), '--demo'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, HEADROOM_NO_ELECTRON_DOWNLOAD: '1' },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('cli ran: serve --demo');
    expect(r.status).toBe(0);
  });
});
