/**
 * Issue 17.9: a settings.json that is a FIFO (or a folder, or a huge file) must not block
 * start-up: it is refused with a sentence, defaults load, and it is never replaced.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../util/logger';
import { defaultSettings } from './settings-schema';
import { createSettingsStore, noEncryption } from './settings-store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-special-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const file = () => join(dir, 'settings.json');
const canMakeFifo = process.platform !== 'win32';

function makeFifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe.runIf(canMakeFifo)('settings.json that is a FIFO (POSIX only: Windows has no FIFOs in the file system)', () => {
  it('load returns at once with defaults and a notice; saving leaves the FIFO alone', async () => {
    makeFifo(file());
    const store = createSettingsStore({ dir, encryptor: noEncryption, logger: silentLogger });
    const result = await store.load();
    expect(result.settings).toEqual(defaultSettings());
    expect(result.notices).toEqual([expect.stringMatching(/Could not read settings file .*settings\.json \(not a regular file\)\. Defaults are in use .* Replace it with a regular file, or remove it\.$/)]);
    const saved = await store.update((s) => ({ ...s, monitor: { ...s.monitor, intervalMs: 2000 } }));
    expect(saved).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(lstatSync(file()).isFIFO()).toBe(true);
  });

  it('`headroom status` reads it without blocking (checked in a child process that must exit)', () => {
    makeFifo(file());
    const here = fileURLToPath(new URL('.', import.meta.url));
    const script = `import { readSettingsReadOnly } from ${JSON.stringify(join(here, 'settings-store.ts'))};
      process.stdout.write(JSON.stringify(readSettingsReadOnly(${JSON.stringify(file())}).notice));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 15_000, encoding: 'utf8' });
    expect(JSON.parse(out)).toMatch(/could not be read \(not a regular file\); using defaults\.$/);
  });
});

describe('settings.json that is not a small regular file', () => {
  it.each([
    { name: 'a folder', make: () => mkdirSync(file()), want: /\(not a regular file\)/ },
    { name: 'a 2 MB file', make: () => writeFileSync(file(), `{"version":1,"pad":"${'x'.repeat(2_000_000)}"}`), want: /\(larger than 1 MiB\)\. .*move this one away/ },
  ])('$name: defaults and a sentence', async ({ make, want }) => {
    make();
    const result = await createSettingsStore({ dir, encryptor: noEncryption, logger: silentLogger }).load();
    expect(result.settings).toEqual(defaultSettings());
    expect(result.notices).toEqual([expect.stringMatching(want)]);
  });
});
