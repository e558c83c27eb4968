import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenStore } from '../server/tokens';
import { options, parseMonitorFlags } from './args';
import { applyConfig, configKeyForFlag, readConfigFile, validateConfig } from './config';
import { tokenCommand } from './commands/token';
import { resolveServeFlags } from './main';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'headroom-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const capture = () => {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (c: Buffer) => (o += c.toString()));
  err.on('data', (c: Buffer) => (e += c.toString()));
  return { io: { stdout: out, stderr: err }, out: () => o, err: () => e };
};

describe('config file', () => {
  it('has a key for every serve flag', () => {
    // Flags with their own home: backends (with apiKey) hold --backend/--api-key, tokens are hashed.
    const elsewhere = new Set(['backend', 'api-key', 'token', 'json', 'config']);
    const missing = Object.keys(options).filter((flag) => !elsewhere.has(flag) && !configKeyForFlag(flag));
    expect(missing).toEqual([]);
  });

  it.each([
    { raw: { port: 70000 }, msg: /"port" .*65535/ },
    { raw: { prot: 1 }, msg: /unknown key "prot"/ },
    { raw: { tokens: [{ role: 'root', sha256: 'a'.repeat(64) }] }, msg: /"tokens\.0\.role"/ },
    { raw: { tokens: [{ role: 'admin', sha256: 'plain-token' }] }, msg: /"tokens\.0\.sha256" must be 64 hex digits/ },
    { raw: { warningPct: 95, criticalPct: 90 }, msg: /"warningPct" \(95\) must not be above "criticalPct" \(90\)/ },
    { raw: { backends: [{ url: 'ftp://x' }] }, msg: /backend URL "ftp:\/\/x"/ },
    { raw: [], msg: /expected object/ },
  ])('refuses $raw with one sentence', ({ raw, msg }) => {
    const r = validateConfig(raw, 'config.json');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(msg);
      expect(r.message).toMatch(/^config\.json: /);
      expect(r.message.split('\n')).toHaveLength(1);
    }
  });

  it('reads regular files only (a FIFO does not block), and says what is wrong with bad JSON', () => {
    const fifo = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    expect(readConfigFile(fifo)).toEqual({ ok: false, message: `${fifo} is not a regular file.` });
    writeFileSync(join(dir, 'bad.json'), '{ "port": ');
    expect(readConfigFile(join(dir, 'bad.json'))).toMatchObject({ ok: false, message: expect.stringMatching(/is not valid JSON/) });
    expect(readConfigFile(join(dir, 'none.json'))).toMatchObject({ ok: false, message: expect.stringMatching(/does not exist/) });
  });

  it('command-line flags win over the file; the file fills the rest', () => {
    const f = parseMonitorFlags(['--port', '9000', '--backend', 'vllm=http://127.0.0.1:8000']);
    if (!f.ok) throw new Error(f.message);
    const c = validateConfig({ port: 7000, host: '0.0.0.0', publicHosts: ['gpu1.team.example'], maxSseClients: 300, backends: [{ kind: 'ollama', url: 'http://127.0.0.1:11434/', apiKey: 'k' }], logFormat: 'json', capacityContextTokens: 32768 }, 'c');
    if (!c.ok) throw new Error(c.message);
    const merged = applyConfig(f.value, c.value);
    expect(merged).toMatchObject({ port: 9000, host: '0.0.0.0', publicHosts: ['gpu1.team.example'], maxSseClients: 300, logFormat: 'json', capacityContextTokens: 32768 });
    expect(merged.backends).toEqual([{ kind: 'vllm', url: 'http://127.0.0.1:8000', apiKey: null }, { kind: 'ollama', url: 'http://127.0.0.1:11434', apiKey: 'k' }]);
    // Values from the file count as given: they win over saved dashboard settings.
    expect(merged.explicit).toEqual(expect.arrayContaining(['port', 'host', 'max-sse-clients']));
  });

  it('serve refuses an invalid --config with one line', () => {
    writeFileSync(join(dir, 'c.json'), '{"intervalMs": 5}');
    expect(resolveServeFlags(['--config', join(dir, 'c.json')])).toEqual({ ok: false, message: `${join(dir, 'c.json')}: "intervalMs" Too small: expected number to be >=100.` });
  });
});

describe('headroom token create', () => {
  it('stores only the hash (file mode 0600), prints the token once, and the token verifies with its role', async () => {
    const path = join(dir, 'etc', 'config.json');
    const a = capture();
    expect(await tokenCommand(['create', '--role', 'viewer', '--label', 'fleet', '--config', path], a.io)).toBe(0);
    const viewer = a.out().trim();
    expect(viewer).toMatch(/^hrv_[\w-]{43}$/);
    expect(a.err()).toMatch(/shown only now/);
    const b = capture();
    expect(await tokenCommand(['create', '--role', 'admin', '--config', path], b.io)).toBe(0);
    const admin = b.out().trim();
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(viewer);
    expect(text).not.toContain(admin);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const cfg = readConfigFile(path);
    if (!cfg.ok) throw new Error(cfg.message);
    expect(cfg.value.tokens?.map((t) => [t.role, t.label])).toEqual([['viewer', 'fleet'], ['admin', undefined]]);
    const store = createTokenStore(cfg.value.tokens!);
    expect(store.roleOf(viewer)).toBe('viewer');
    expect(store.roleOf(admin)).toBe('admin');
    expect(store.roleOf(`${admin}x`)).toBeNull();
    const l = capture();
    expect(await tokenCommand(['list', '--config', path], l.io)).toBe(0);
    expect(l.out()).toMatch(/^viewer\t.*\tfleet\t[0-9a-f]{12}…\nadmin\t/);
  });

  it('refuses a bad role with one line', async () => {
    const c = capture();
    expect(await tokenCommand(['create', '--role', 'root', '--config', join(dir, 'c.json')], c.io)).toBe(2);
    expect(c.err()).toBe('headroom token create: --role must be viewer, admin or scrape, got "root".\n');
  });
});

describe('shipped example', () => {
  it('deploy/config.example.json is valid', () => {
    const path = join(__dirname, '../../deploy/config.example.json');
    expect(readConfigFile(path)).toMatchObject({ ok: true, value: { publicHosts: ['headroom.example.com'], webhookFormat: 'slack' } });
  });
});
