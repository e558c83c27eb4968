/** `Retry-After` (RFC 9110 §10.2.3): `delay-seconds = 1*DIGIT` or an `HTTP-date`; anything else is ignored. */
import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './http';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

describe('retryAfterMs', () => {
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Mon, 30 Nov 2026 12:01:30 GMT', 90_000], // IMF-fixdate
    ['Monday, 30-Nov-26 12:00:10 GMT', 10_000], // obsolete RFC 850 form
    ['Sun, 29 Nov 2026 12:00:00 GMT', 0], // already past
  ])('%s → %s', (value, want) => {
    expect(retryAfterMs(value, NOW)).toBe(want);
  });

  it.each([undefined, '', '-5', '1.5', 'soon', '1e3', '99999999999999999999', 'Mon, 99 Foo 2026 GMT'])('%s → null', (value) => {
    expect(retryAfterMs(value, NOW)).toBeNull();
  });
});
