import { describe, expect, it } from 'vitest';
import { SseParser, type SseParsed } from './sse-parser';

const feed = (chunks: string[], max = 1000): SseParsed[] => {
  const p = new SseParser(max);
  return chunks.flatMap((c) => p.push(c));
};
const events = (parsed: SseParsed[]) => parsed.filter((p) => p.type === 'event').map((p) => (p.type === 'event' ? p.event : null));

describe('SseParser', () => {
  it.each([
    { name: 'one event, LF', chunks: ['event: snapshotPublished\ndata: {"a":1}\n\n'], want: [{ event: 'snapshotPublished', data: '{"a":1}', id: null }] },
    { name: 'CRLF line ends', chunks: ['event: x\r\ndata: 1\r\n\r\n'], want: [{ event: 'x', data: '1', id: null }] },
    { name: 'CR line ends split across chunks', chunks: ['data: 1\r', '\ndata: 2\r', '\r'], want: [{ event: 'message', data: '1\n2', id: null }] },
    { name: 'split in the middle of a field', chunks: ['da', 'ta: hel', 'lo\n', '\n'], want: [{ event: 'message', data: 'hello', id: null }] },
    { name: 'comments and retry ignored as events', chunks: [': heartbeat 1\n\nretry: 2000\n\n'], want: [] },
    { name: 'id persists to later events', chunks: ['id: 7\ndata: a\n\ndata: b\n\n'], want: [{ event: 'message', data: 'a', id: '7' }, { event: 'message', data: 'b', id: '7' }] },
    { name: 'no data: no event', chunks: ['event: x\n\n'], want: [] },
  ])('$name', ({ chunks, want }) => {
    expect(events(feed(chunks))).toEqual(want);
  });

  it('reports retry', () => {
    expect(feed(['retry: 2000\n\n'])).toEqual([{ type: 'retry', ms: 2000 }]);
  });

  it('skips an oversized event to its end, reports it once, and carries on', () => {
    const big = 'x'.repeat(5000);
    const out = feed(['event: snapshotPublished\ndata: ', big.slice(0, 2000), big.slice(2000), '\n\n', 'data: ok\n\n'], 1000);
    expect(out.filter((o) => o.type === 'oversized')).toHaveLength(1);
    expect(events(out)).toEqual([{ event: 'message', data: 'ok', id: null }]);
  });

  it('bounds a line that never ends (no newline at all)', () => {
    const p = new SseParser(1000);
    for (let i = 0; i < 100; i++) p.push('y'.repeat(1000));
    expect((p as unknown as { buffer: string }).buffer.length).toBeLessThanOrEqual(1000);
    expect(p.push('\n\ndata: after\n\n').map((o) => o.type)).toEqual(['oversized', 'event']);
  });
});
