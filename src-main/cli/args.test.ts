import { describe, expect, it } from 'vitest';
import { parseMonitorFlags } from './args';

describe('parseMonitorFlags', () => {
  it('defaults', () => {
    expect(parseMonitorFlags([])).toEqual({
      ok: true,
      value: { host: '127.0.0.1', port: 7878, intervalMs: 1000, backends: [], discover: true, nvidiaSmiPath: null, demo: false, token: null, warningPct: 80, criticalPct: 90, json: false, dataDir: null, retentionDays: 7, webhookUrl: null,
        configPath: null, publicHosts: [], corsOrigins: [], maxConnections: null, maxSseClients: null, logFormat: 'auto', webhookFormat: 'auto', capacityContextTokens: 8192, ollamaNumParallel: 1, watch: [], name: null, explicit: [] },
    });
  });
  it.each([
    { name: 'kind=url', argv: ['--backend', 'ollama=http://127.0.0.1:11434/'], want: [{ kind: 'ollama', url: 'http://127.0.0.1:11434', apiKey: null }] },
    { name: 'bare host:port, kind detected', argv: ['--backend', '10.0.0.5:8000'], want: [{ url: 'http://10.0.0.5:8000', apiKey: null }] },
    { name: 'url without kind', argv: ['--backend', 'http://127.0.0.1:8080'], want: [{ url: 'http://127.0.0.1:8080', apiKey: null }] },
    {
      name: 'api key matched to its backend',
      argv: ['--backend', 'vllm=http://127.0.0.1:8000', '--api-key', 'http://127.0.0.1:8000=s3cret'],
      want: [{ kind: 'vllm', url: 'http://127.0.0.1:8000', apiKey: 's3cret' }],
    },
    { name: 'api key alone adds the backend', argv: ['--api-key', 'http://127.0.0.1:8080=k'], want: [{ url: 'http://127.0.0.1:8080', apiKey: 'k' }] },
  ])('$name', ({ argv, want }) => {
    const r = parseMonitorFlags(argv);
    expect(r.ok && r.value.backends).toEqual(want);
  });
  it('watched servers with their tokens', () => {
    const r = parseMonitorFlags(['--watch', 'gpu-server-1:7878', '--watch', 'https://gpu-server-2/headroom/', '--watch-token', 'http://gpu-server-1:7878=t1', '--name', 'box-1']);
    expect(r.ok && r.value.watch).toEqual([
      { url: 'http://gpu-server-1:7878', token: 't1', label: null },
      { url: 'https://gpu-server-2/headroom', token: null, label: null },
    ]);
    expect(r.ok && r.value.name).toBe('box-1');
  });
  it.each([
    { argv: ['--watch', 'ftp://x'], msg: /--watch needs a Headroom server URL/ },
    { argv: ['--watch-token', 'http://a:1=t'], msg: /no --watch names/ },
    { argv: ['--watch', 'http://a:1', '--watch-token', 'http://a:1='], msg: /--watch-token must be URL=TOKEN/ },
    { argv: ['--name', 'a b<c>'], msg: /--name must be/ },
  ])('refuses $argv', ({ argv, msg }) => {
    const r = parseMonitorFlags(argv);
    expect(r.ok ? '' : r.message).toMatch(msg);
  });
  it('flags', () => {
    const r = parseMonitorFlags(['--port', '0', '--interval-ms', '250', '--no-discover', '--nvidia-smi', '/x/nvidia-smi', '--demo', '--host', '0.0.0.0', '--token', 't']);
    expect(r).toMatchObject({ ok: true, value: { port: 0, intervalMs: 250, discover: false, nvidiaSmiPath: '/x/nvidia-smi', demo: true, host: '0.0.0.0', token: 't' } });
  });
  it.each([
    { argv: ['--bogus'], msg: /Unknown option '--bogus'/ },
    { argv: ['--port', 'abc'], msg: /--port must be a whole number/ },
    { argv: ['--port', '70000'], msg: /--port must be between 0 and 65535/ },
    { argv: ['--interval-ms', '5'], msg: /--interval-ms must be between 100/ },
    { argv: ['--backend', 'foo=http://x'], msg: /--backend kind must be one of/ },
    { argv: ['--backend', 'ollama=ftp://x'], msg: /--backend needs a URL/ },
    { argv: ['--api-key', 'nokey'], msg: /--api-key must be URL=TOKEN/ },
    { argv: ['--warning-pct', '95'], msg: /must not be above --critical-pct/ },
    { argv: ['positional'], msg: /Unexpected argument/ },
    { argv: ['--webhook', 'file:///etc/passwd'], msg: /--webhook must be an http\(s\) URL/ },
    { argv: ['--retention-days', '0'], msg: /--retention-days must be between 1/ },
    { argv: ['--data-dir', ''], msg: /--data-dir needs a folder/ },
  ])('$argv → error', ({ argv, msg }) => {
    const r = parseMonitorFlags(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(msg);
  });
});

describe('withSavedSettings', () => {
  it('saved values apply where no flag was given; flags win', async () => {
    const { withSavedSettings } = await import('./effective-flags');
    const { defaultSettings } = await import('../settings/settings-schema');
    const saved = { ...defaultSettings(), monitor: { warningPct: 70, criticalPct: 85, intervalMs: 2000 }, backends: [{ url: 'http://h:1', apiKey: 'k' }] };
    const flags = parseMonitorFlags(['--critical-pct', '95', '--backend', 'vllm=http://h:2']);
    if (!flags.ok) throw new Error(flags.message);
    const e = withSavedSettings(flags.value, saved);
    expect(e).toMatchObject({ warningPct: 70, criticalPct: 95, intervalMs: 2000 });
    expect(e.backends).toEqual([{ kind: 'vllm', url: 'http://h:2', apiKey: null }, { url: 'http://h:1', apiKey: 'k' }]);
  });
});
