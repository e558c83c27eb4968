import { describe, expect, it } from 'vitest';
import type { FleetHost } from '../../../shared/contract/fleet';
import { sinceLine, statusLevel, statusWords } from './host-status';
import { watchedServersPatch } from './WatchedServersEditor';

const host = (over: Partial<FleetHost>): FleetHost => ({ id: 'host:a:1', label: 'a', url: 'http://a:1', status: 'ok', message: null, snapshot: null, lastSeenMs: null, sinceMs: null, contractVersion: 1, notes: [], ...over });
const t = (ms: number) => new Date(ms).toLocaleTimeString();

describe('host status words', () => {
  it.each([
    { name: 'unreachable after readings', h: host({ status: 'unreachable', sinceMs: 2_000_000, lastSeenMs: 1_999_000 }), want: `Unreachable since ${t(2_000_000)} · last reading ${t(1_999_000)}; figures hidden until it answers`, level: 'critical' },
    { name: 'never reached', h: host({ status: 'unauthorized', sinceMs: 5_000 }), want: `Unauthorized since ${t(5_000)} · no reading yet`, level: 'warning' },
    { name: 'connecting', h: host({ status: 'connecting', sinceMs: 5_000 }), want: `Connecting… since ${t(5_000)} · no reading yet`, level: 'none' },
    { name: 'live without a snapshot (cannot happen, still words)', h: host({ status: 'ok' }), want: 'Live', level: 'ok' },
  ])('$name', ({ h, want, level }) => {
    expect(sinceLine(h)).toBe(want);
    expect(statusLevel(h.status)).toBe(level);
  });
  it('every status has words', () => {
    for (const s of ['ok', 'connecting', 'stale', 'unreachable', 'unauthorized', 'incompatible', 'refused'] as const) expect(statusWords(s)).not.toBe('');
  });
});

describe('watchedServersPatch', () => {
  it('sends a token only when typed or removed; trims; empty label is null', () => {
    const rows = [
      { rowId: 1, url: ' http://a:1 ', label: '', token: '', hasToken: true, removeToken: false },
      { rowId: 2, url: 'http://b:1', label: ' box ', token: 'new', hasToken: false, removeToken: false },
      { rowId: 3, url: 'http://c:1', label: '', token: '', hasToken: true, removeToken: true },
    ];
    expect(watchedServersPatch(rows, 'local')).toEqual({
      fleet: { trayScope: 'local', servers: [{ url: 'http://a:1', label: null }, { url: 'http://b:1', label: 'box', token: 'new' }, { url: 'http://c:1', label: null, token: null }] },
    });
  });
});
