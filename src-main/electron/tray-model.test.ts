import { describe, expect, it } from 'vitest';
import { snapshotSchema } from '../../shared/model/snapshot';
import { fixtureAlert, fixtureBackend, fixtureGpu, fixtureSnapshot } from './snapshot-fixtures';
import { buildTrayModel, fullestGpu, TOOLTIP_MAX_CHARS, topAlert, trayIconSpec, trayMenu, trayTooltip, type TrayUiState } from './tray-model';
import { withSettingsNotices } from './settings-notice';

const GiB = 2 ** 30;
const ui: TrayUiState = { paused: false, snoozedUntilMs: null, openAtLogin: false, compact: false };
const NOW = 1_700_000_100_000;

describe('fixtures', () => {
  it('are valid Snapshots', () => {
    expect(snapshotSchema.safeParse(fixtureSnapshot({ alerts: [fixtureAlert()] })).success).toBe(true);
  });
});

describe('trayIconSpec', () => {
  it.each([
    { name: 'no snapshot yet', snapshot: null, paused: false, want: { level: 'none', pct: null } },
    { name: 'healthy GPU', snapshot: fixtureSnapshot(), paused: false, want: { level: 'ok', pct: 75 } },
    { name: 'warning alert colours it amber', snapshot: fixtureSnapshot({ alerts: [fixtureAlert()] }), paused: false, want: { level: 'warning', pct: 75 } },
    {
      name: 'critical wins over warning',
      snapshot: fixtureSnapshot({ alerts: [fixtureAlert(), fixtureAlert({ id: 'b', severity: 'critical' })] }),
      paused: false,
      want: { level: 'critical', pct: 75 },
    },
    {
      name: 'vLLM preallocation at 90 % without an alert stays ok',
      snapshot: fixtureSnapshot({ gpus: [fixtureGpu({ memoryUsedBytes: 21.6 * GiB })] }),
      paused: false,
      want: { level: 'ok', pct: 90 },
    },
    { name: 'no GPUs', snapshot: fixtureSnapshot({ gpus: [] }), paused: false, want: { level: 'none', pct: null } },
    { name: 'zero total', snapshot: fixtureSnapshot({ gpus: [fixtureGpu({ memoryTotalBytes: 0, memoryUsedBytes: 0 })] }), paused: false, want: { level: 'none', pct: null } },
    { name: 'stale reading', snapshot: fixtureSnapshot({ gpus: [fixtureGpu({ stale: true })] }), paused: false, want: { level: 'none', pct: null } },
    { name: 'paused', snapshot: fixtureSnapshot(), paused: true, want: { level: 'none', pct: null } },
    {
      name: 'over-reported used memory clamps to 100',
      snapshot: fixtureSnapshot({ gpus: [fixtureGpu({ memoryTotalBytes: 8 * GiB, memoryUsedBytes: 9 * GiB })] }),
      paused: false,
      want: { level: 'ok', pct: 100 },
    },
  ])('$name', ({ snapshot, paused, want }) => {
    expect(trayIconSpec(snapshot, paused, false)).toEqual({ ...want, template: false });
  });

  it('shows the fullest of several GPUs', () => {
    const s = fixtureSnapshot({ gpus: [fixtureGpu(), fixtureGpu({ index: 1, id: 'gpu:1', memoryUsedBytes: 23 * GiB })] });
    expect(fullestGpu(s.gpus)?.gpu.index).toBe(1);
  });
});

describe('topAlert', () => {
  it.each([
    { name: 'none', alerts: [], want: null },
    { name: 'critical first', alerts: [fixtureAlert({ id: 'w' }), fixtureAlert({ id: 'c', severity: 'critical' })], want: 'c' },
    { name: 'oldest among equals', alerts: [fixtureAlert({ id: 'new', sinceMs: 5 }), fixtureAlert({ id: 'old', sinceMs: 1 })], want: 'old' },
  ] as const)('$name', ({ alerts, want }) => {
    expect(topAlert(alerts)?.id ?? null).toBe(want);
  });
});

describe('trayTooltip', () => {
  it('shows used/total, free, model with context, and the top alert', () => {
    const tip = trayTooltip(fixtureSnapshot({ alerts: [fixtureAlert()] }), ui, NOW);
    expect(tip.split('\n')).toEqual([
      'Headroom',
      'GPU 18.0/24.0 GiB (75%), 6.0 GiB free',
      'qwen2.5-coder:14b · ctx 8,192',
      expect.stringMatching(/^⚠ GPU 0 memory at 86%/),
    ]);
  });

  it('shows slot usage when the backend reports it', () => {
    const backend = fixtureBackend();
    backend.models[0]!.slots = [
      { id: 0, contextTokens: 8192, usedTokens: 3100, processing: true },
      { id: 1, contextTokens: 8192, usedTokens: null, processing: false },
    ];
    expect(trayTooltip(fixtureSnapshot({ backends: [backend] }), ui, NOW)).toContain('ctx 3,100/8,192');
  });

  it.each([
    { name: 'starting', snapshot: null, state: ui, want: 'Headroom: starting…' },
    { name: 'paused', snapshot: fixtureSnapshot(), state: { ...ui, paused: true }, want: 'Headroom: monitoring paused' },
  ])('$name', ({ snapshot, state, want }) => {
    expect(trayTooltip(snapshot, state, NOW)).toBe(want);
  });

  it('names the GPU source problem when there is no GPU data', () => {
    const s = fixtureSnapshot({ gpus: [], sources: [{ id: 'nvidia-smi', status: 'unavailable', message: 'nvidia-smi not found on PATH' }] });
    expect(trayTooltip(s, ui, NOW)).toContain('No GPU data: nvidia-smi not found on PATH');
  });

  it('numbers the GPU when there are several, and marks demo data', () => {
    const s = fixtureSnapshot({ demo: true, gpus: [fixtureGpu(), fixtureGpu({ index: 1, id: 'gpu:1', memoryUsedBytes: 23 * GiB })] });
    expect(trayTooltip(s, ui, NOW)).toMatch(/^Headroom \(demo\)\nGPU 1 23\.0\/24\.0 GiB/);
  });

  it('stays within the Windows limit with a long model name and alert, keeping the first lines whole', () => {
    const backend = fixtureBackend();
    backend.models[0]!.name = 'hf.co/bartowski/Qwen2.5-Coder-32B-Instruct-GGUF:Q4_K_M';
    const s = fixtureSnapshot({ backends: [backend], alerts: [fixtureAlert({ severity: 'critical', message: 'x'.repeat(400) })] });
    const tip = trayTooltip(s, { ...ui, snoozedUntilMs: NOW + 1000 }, NOW);
    expect(tip.length).toBeLessThanOrEqual(TOOLTIP_MAX_CHARS);
    expect(tip).toContain('GPU 18.0/24.0 GiB (75%), 6.0 GiB free');
    expect(tip).toContain('…');
  });
});

describe('trayMenu', () => {
  const labels = (state: TrayUiState) => trayMenu(state, NOW).map((i) => (i.type === 'separator' ? '---' : `${i.label}${i.checked ? ' [x]' : ''}${i.enabled === false ? ' (disabled)' : ''}`));

  it('has the issue\'s entries', () => {
    expect(labels(ui)).toEqual(['Open dashboard', 'Compact window', '---', 'Snooze alerts (1 h)', 'Pause monitoring', 'Start at login', '---', 'Quit Headroom']);
  });
  it('reflects paused, login item and compact', () => {
    expect(labels({ ...ui, paused: true, openAtLogin: true, compact: true })).toEqual([
      'Open dashboard',
      'Compact window [x]',
      '---',
      'Snooze alerts (1 h)',
      'Pause monitoring [x]',
      'Start at login [x]',
      '---',
      'Quit Headroom',
    ]);
  });
  it('offers to resume while snoozed, and snooze again once expired', () => {
    expect(trayMenu({ ...ui, snoozedUntilMs: NOW + 60_000 }, NOW)[3]).toMatchObject({ action: 'unsnooze', label: expect.stringMatching(/^Alerts snoozed until \d\d:\d\d: resume$/) });
    expect(trayMenu({ ...ui, snoozedUntilMs: NOW - 1 }, NOW)[3]).toMatchObject({ action: 'snooze' });
  });
  it('disables start-at-login where the OS has no login-item API', () => {
    expect(labels({ ...ui, openAtLogin: null })[5]).toBe('Start at login (not supported here) (disabled)');
  });
});

describe('buildTrayModel', () => {
  it.each([
    { platform: 'darwin', template: true },
    { platform: 'win32', template: false },
    { platform: 'linux', template: false },
  ] as const)('uses template images on macOS only ($platform)', ({ platform, template }) => {
    expect(buildTrayModel(fixtureSnapshot(), ui, { nowMs: NOW, platform }).icon.template).toBe(template);
  });
});

describe('withSettingsNotices', () => {
  it('leaves the Snapshot untouched without notices', () => {
    const s = fixtureSnapshot();
    expect(withSettingsNotices(s, [])).toBe(s);
  });
  it('adds a settings source with the message, without mutating the input', () => {
    const s = fixtureSnapshot();
    const out = withSettingsNotices(s, ['Settings file … was moved aside.']);
    expect(out.sources.at(-1)).toEqual({ id: 'settings', status: 'error', label: 'Settings', message: 'Settings file … was moved aside.' });
    expect(s.sources).toHaveLength(2);
    expect(snapshotSchema.safeParse(out).success).toBe(true);
  });
});
