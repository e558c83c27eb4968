/** The contract's fleet requests (`getFleet`, `testWatchedServer`), implemented once for both transports. */
import type { Handlers } from '../../shared/contract/requests';
import { err, ok } from '../../shared/contract/result';
import type { Fleet, WatchedServer } from './fleet';
import { checkWatchedServer } from './remote-client';

export type FleetRequestName = 'getFleet' | 'testWatchedServer';

export function createFleetHandlers(deps: { fleet: Fleet; storedServers: () => readonly WatchedServer[]; timeoutMs?: number }): Pick<Handlers, FleetRequestName> {
  return {
    async getFleet() {
      return ok(deps.fleet.latest());
    },
    async testWatchedServer({ url, token }) {
      let parsed: URL;
      try {
        parsed = new URL(/^https?:\/\//i.test(url) ? url : `http://${url}`);
      } catch {
        return err('bad-request', `url: "${url}" is not a URL.`);
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return err('bad-request', 'url: must be http:// or https://.');
      const base = `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
      // No token given: the stored one for this address (the settings page never sees tokens).
      const stored = deps.storedServers().find((s) => s.url.replace(/\/+$/, '') === base)?.token ?? null;
      return ok(await checkWatchedServer({ url: base, token: token === undefined ? stored : token }, deps.timeoutMs ?? 4000));
    },
  };
}
