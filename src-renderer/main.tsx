import { createRoot } from 'react-dom/client';
import type { PreloadBridge } from '../shared/contract/client';
import { App } from './App';
import './styles.css';
import { ClientProvider } from './transport/ClientProvider';
import { createHttpClient } from './transport/http-client';
import { createIpcClient } from './transport/ipc-client';
import { withEarlyCalls } from './transport/early-calls';
import { LIVE_WINDOW_MS } from './hooks/useHistory';

declare global {
  interface Window {
    headroom?: PreloadBridge;
  }
}

// The first Snapshot, the recent history and the fleet are asked for before React starts; the
// hooks' first calls take those answers.
const client = withEarlyCalls(window.headroom ? createIpcClient(window.headroom) : createHttpClient(location.origin), [
  ['getSnapshot', undefined],
  ['getHistory', { sinceMs: Math.max(0, Date.now() - LIVE_WINDOW_MS) }],
  ['getFleet', undefined],
]);
const rootEl = document.getElementById('root')!;
createRoot(rootEl).render(
  <ClientProvider client={client}>
    <App />
  </ClientProvider>,
);
