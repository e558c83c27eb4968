// First: sends the page's first requests before React and the app are set up (see boot.ts).
import { client } from './boot';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';
import { ClientProvider } from './transport/ClientProvider';

const rootEl = document.getElementById('root')!;
createRoot(rootEl).render(
  <ClientProvider client={client}>
    <App />
  </ClientProvider>,
);
