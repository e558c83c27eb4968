import { createContext, useContext, type ReactNode } from 'react';
import type { HeadroomClient } from '../../shared/contract/client';

const ClientContext = createContext<HeadroomClient | null>(null);

export function ClientProvider({ client, children }: { client: HeadroomClient; children: ReactNode }) {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

export function useClient(): HeadroomClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error('useClient outside ClientProvider');
  return c;
}
