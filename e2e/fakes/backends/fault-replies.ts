/**
 * Replies that break a backend endpoint in the ways issue 4 lists (malformed body, wrong content
 * type, HTTP errors, slow answers, oversized bodies, dropped sockets), with the status and the
 * words a collector's reading must show. Collector tests replay them on their essential path.
 */
import type { FakeReply } from '../fake-http';

export interface FaultCase {
  name: string;
  reply: FakeReply;
  wantStatus: 'down' | 'error' | 'unauthorized';
  wantMessage: RegExp;
}

/** Collector timeout and body cap the cases assume. */
export const FAULT_TIMEOUT_MS = 300;
export const FAULT_MAX_BODY_BYTES = 64 * 1024;

export function faultCases(path: string): FaultCase[] {
  const p = path.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&');
  return [
    { name: 'malformed JSON', reply: { body: '{"data": [', contentType: 'application/json' }, wantStatus: 'error', wantMessage: new RegExp(`${p}.*malformed JSON`) },
    { name: 'JSON of the wrong shape', reply: { body: { data: 5, models: 5, status: 5 } }, wantStatus: 'error', wantMessage: new RegExp(`${p} is not in the shape`) },
    { name: 'HTML instead of JSON', reply: { body: '<html><body>router login</body></html>', contentType: 'text/html' }, wantStatus: 'error', wantMessage: /text\/html.*another program/ },
    { name: 'plain text instead of JSON', reply: { body: 'hello', contentType: 'text/plain' }, wantStatus: 'error', wantMessage: /not JSON/ },
    { name: 'HTTP 401', reply: { status: 401, body: { error: 'Unauthorized' } }, wantStatus: 'unauthorized', wantMessage: /needs an API key/ },
    { name: 'HTTP 404', reply: { status: 404, body: { error: 'not found' } }, wantStatus: 'error', wantMessage: new RegExp(`${p} answered HTTP 404`) },
    { name: 'HTTP 500', reply: { status: 500, body: 'Internal Server Error' }, wantStatus: 'error', wantMessage: new RegExp(`${p} answered HTTP 500. Check the server's log`) },
    { name: 'HTTP 501', reply: { status: 501, body: { error: { code: 501, message: 'no' } } }, wantStatus: 'error', wantMessage: /HTTP 501/ },
    { name: 'HTTP 503', reply: { status: 503, body: '' }, wantStatus: 'error', wantMessage: /HTTP 503/ },
    { name: 'slower than the timeout', reply: { delayMs: FAULT_TIMEOUT_MS * 4, body: {} }, wantStatus: 'down', wantMessage: new RegExp(`no answer within ${FAULT_TIMEOUT_MS} ms. Is it overloaded or hung`) },
    { name: 'body over the size cap', reply: { body: 'x'.repeat(FAULT_MAX_BODY_BYTES + 1) }, wantStatus: 'error', wantMessage: /over the \d+-byte limit/ },
    { name: 'socket dropped', reply: { destroy: true }, wantStatus: 'down', wantMessage: /connection reset|socket|closed|terminated|fetch failed/i },
  ];
}

/** A port that refuses connections: a server started and closed again. */
export async function refusedUrl(start: () => Promise<{ url: string; close(): Promise<void> }>): Promise<string> {
  const server = await start();
  await server.close();
  return server.url;
}

/** Active timers, to check a collector leaves none behind. */
export function activeTimerCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}
