import { createRoot } from 'react-dom/client';
import type { PreloadBridge } from '../shared/contract/client';
import { App } from './App';
import './styles.css';
import { ClientProvider } from './transport/ClientProvider';
import { createHttpClient } from './transport/http-client';
import { createIpcClient } from './transport/ipc-client';

declare global {
  interface Window {
    headroom?: PreloadBridge;
  }
}

const client = window.headroom ? createIpcClient(window.headroom) : createHttpClient(location.origin);
const rootEl = document.getElementById('root')!;
createRoot(rootEl).render(
  <ClientProvider client={client}>
    <App />
  </ClientProvider>,
);
