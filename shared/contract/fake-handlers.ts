import type { Handlers } from './requests';
import { err } from './result';

/** Handlers for tests: the given ones, and an `unavailable` error for every other request. */
export function fakeHandlers(overrides: Partial<Handlers>): Handlers {
  const missing = async () => err('unavailable', 'not implemented in this test');
  return new Proxy(overrides as Handlers, {
    get: (target, name: string) => (target as Record<string, unknown>)[name] ?? missing,
  });
}
