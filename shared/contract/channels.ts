import type { EventName } from './events';
import type { RequestName } from './requests';

/** The only place contract names become wire strings. */
export const ipcRequestChannel = (name: RequestName): string => `headroom:req:${name}`;
export const ipcEventChannel = (name: EventName): string => `headroom:evt:${name}`;
export const httpRequestPath = (name: RequestName): string => `/api/${name}`;
export const SSE_PATH = '/api/events';
export const SNAPSHOT_PATH = '/api/snapshot';
export const HEALTH_PATH = '/api/health';
