/**
 * The page's first requests, sent as the very first thing its code does: main.tsx imports this
 * module before anything else, so the first Snapshot, the recent history and the fleet are on
 * their way while React and the app's modules are still being set up. The hooks' first calls
 * take those answers (withEarlyCalls). On the dashboard, the timeline's longest range is asked
 * for too (range-prefetch.ts): choosing it then draws without a round trip.
 */
import type { HeadroomClient, PreloadBridge } from '../shared/contract/client';
import { withEarlyCalls } from './transport/early-calls';
import { createHttpClient } from './transport/http-client';
import { createIpcClient } from './transport/ipc-client';
import { LIVE_WINDOW_MS, LONGEST_RANGE_MS, TIMELINE_MAX_POINTS } from './hooks/useHistory';
import { prefetchRange } from './hooks/range-prefetch';

declare global {
  interface Window {
    headroom?: PreloadBridge;
  }
}

export const client: HeadroomClient = withEarlyCalls(window.headroom ? createIpcClient(window.headroom) : createHttpClient(location.origin), [
  ['getSnapshot', undefined],
  ['getHistory', { sinceMs: Math.max(0, Date.now() - LIVE_WINDOW_MS) }],
  ['getFleet', undefined],
]);

// The dashboard (no hash, or #/dashboard) outside the tray's compact view, which has no timeline.
// The page's clock stands for the server's here: the dashboard is served by the machine it watches.
const page = location.hash.replace(/^#\/?/, '').split(/[?/]/)[0] ?? '';
const compact = new URLSearchParams(location.search).get('view') === 'compact';
if (!compact && (page === '' || page === 'dashboard')) prefetchRange(client, LONGEST_RANGE_MS, TIMELINE_MAX_POINTS, Date.now());
