// First: sends the page's first requests before React and the app are set up (see boot.ts).
import { client } from './boot';
import { createRoot } from 'react-dom/client';
import type { Snapshot } from '../shared/model/snapshot';
import { App } from './App';
import './styles.css';
import { ClientProvider } from './transport/ClientProvider';

/** The longest the first render waits for the first Snapshot before it draws "waiting" instead. */
const FIRST_SNAPSHOT_WAIT_MS = 250;

const root = createRoot(document.getElementById('root')!);
let rendered = false;
const render = (initialSnapshot: Snapshot | null) => {
  if (rendered) return;
  rendered = true;
  root.render(
    <ClientProvider client={client}>
      <App initialSnapshot={initialSnapshot} />
    </ClientProvider>,
  );
};
// The first Snapshot (asked for in boot.ts) is usually here before React could draw anything: the
// dashboard is then drawn once, with it, not first as "waiting" and again a moment later. Without
// it (an error, a slow server), the page draws as before and asks again.
void client.call('getSnapshot', undefined).then((r) => render(r.ok ? r.value : null), () => render(null));
setTimeout(() => render(null), FIRST_SNAPSHOT_WAIT_MS);
