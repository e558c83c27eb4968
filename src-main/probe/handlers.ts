/** The contract's probe requests, over a ProbeService (or a clear "not here" where there is none). */
import type { Handlers } from '../../shared/contract/requests';
import { err, ok } from '../../shared/contract/result';
import type { ProbeService } from './service';

type ProbeHandlers = Pick<Handlers, 'startProbe' | 'cancelProbe' | 'listProbes' | 'getProbe' | 'exportProbe'>;

export function createProbeHandlers(service: ProbeService | null): ProbeHandlers {
  const off = async () => err<never>('unavailable', 'The context probe is not available in demo mode: there is no real server to load.');
  if (!service) return { startProbe: off, cancelProbe: off, listProbes: async () => ok([]), getProbe: off, exportProbe: off };
  return {
    startProbe: (req) => service.start(req),
    cancelProbe: async ({ id }) => service.cancel(id),
    listProbes: async () => ok(await service.list()),
    getProbe: ({ id }) => service.get(id),
    exportProbe: ({ id, format }) => service.export(id, format),
  };
}
