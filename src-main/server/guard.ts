/**
 * What a request must prove before the server looks at it, whatever its token:
 *
 * - **Host** (DNS rebinding): a page on `evil.example` whose name resolves to 127.0.0.1 reaches
 *   this server with `Host: evil.example`. Only the bound address, `localhost`, the loopback
 *   addresses, this machine's own addresses and names (when bound to every interface) and the
 *   configured public names are answered.
 * - **State changes** (CSRF): every `POST /api/*` must be `application/json` (a plain HTML
 *   form cannot send that, and a cross-origin `fetch` with it needs a CORS preflight this
 *   server does not grant) and must come from the same origin: either an `Origin` whose host is
 *   the request's `Host` (or a configured CORS origin), or, where a proxy rewrites `Host`, the
 *   per-server CSRF token that the dashboard reads from its own page. A browser marks a
 *   cross-site request with `Sec-Fetch-Site: cross-site`; that is refused whatever else it
 *   carries. Non-browser clients (curl, Prometheus, a fleet server) send no `Origin` and pass.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

export interface GuardOptions {
  /** The address the server is bound to (`127.0.0.1`, `0.0.0.0`, `::`, a LAN address, a name). */
  bindHost: string;
  /** Extra names clients use for this server (e.g. the public name behind Nginx). */
  publicHosts?: readonly string[];
  /** Origins allowed to call the API cross-origin (CORS); none unless configured. */
  corsOrigins?: readonly string[];
  /** The per-server CSRF token the dashboard page carries. */
  csrfToken: string;
}

export type Refusal = { status: 403; reason: string };

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

/** Lower-cased host name from a `Host` header value (no port, no IPv6 brackets), or null. */
export function hostNameOf(hostHeader: string | undefined): string | null {
  if (!hostHeader) return null;
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : null;
  }
  const colon = h.indexOf(':');
  const name = colon >= 0 ? h.slice(0, colon) : h;
  return name.replace(/\.$/, '') || null;
}

export function createGuard(options: GuardOptions) {
  const allowed = new Set<string>(['localhost', '127.0.0.1', '::1']);
  const bind = hostNameOf(options.bindHost.includes(':') && !options.bindHost.startsWith('[') ? `[${options.bindHost}]` : options.bindHost);
  if (bind && !WILDCARD.has(options.bindHost)) allowed.add(bind);
  if (WILDCARD.has(options.bindHost)) {
    // Bound to every interface: the machine's own addresses and names are its own.
    const name = hostname().toLowerCase();
    allowed.add(name);
    allowed.add(name.split('.')[0]!);
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) allowed.add(a.address.toLowerCase().replace(/%.*$/, ''));
  }
  for (const h of options.publicHosts ?? []) {
    const n = hostNameOf(h);
    if (n) allowed.add(n);
  }
  const cors = new Set((options.corsOrigins ?? []).map((o) => o.replace(/\/+$/, '').toLowerCase()));
  const csrf = Buffer.from(options.csrfToken);

  const hostAllowed = (req: IncomingMessage): boolean => {
    const name = hostNameOf(req.headers.host);
    if (!name) return false;
    return allowed.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name);
  };

  /** A refusal for a request whose `Host` this server does not answer to, else null. */
  const checkHost = (req: IncomingMessage): Refusal | null =>
    hostAllowed(req) ? null : { status: 403, reason: `Host ${String(req.headers.host ?? '(none)').replace(/[^\w.:[\]-]/g, '?').slice(0, 80)} is not a name of this server (add it with --public-host)` };

  const csrfValid = (req: IncomingMessage): boolean => {
    const given = req.headers['x-headroom-csrf'];
    if (typeof given !== 'string') return false;
    const g = Buffer.from(given);
    return g.length === csrf.length && timingSafeEqual(g, csrf);
  };

  /** Whether a browser `Origin` is this server's own (same host as the request) or a configured CORS origin. */
  const originAllowed = (req: IncomingMessage, origin: string): boolean => {
    if (cors.has(origin.toLowerCase())) return true;
    let u: URL;
    try {
      u = new URL(origin);
    } catch {
      return false;
    }
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host.toLowerCase() === String(req.headers.host ?? '').toLowerCase();
  };

  /** A refusal for a state-changing request (POST) that is not same-origin JSON, else null. */
  const checkStateChange = (req: IncomingMessage): Refusal | null => {
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return { status: 403, reason: `state changes must be sent as application/json (got "${type.slice(0, 60) || 'no content type'}")` };
    if (csrfValid(req)) return null;
    if (req.headers['sec-fetch-site'] === 'cross-site') return { status: 403, reason: 'cross-site request (Sec-Fetch-Site: cross-site)' };
    const origin = req.headers.origin;
    if (origin === undefined) return null; // not a browser: no ambient credentials to abuse
    if (origin === 'null' || !originAllowed(req, origin)) return { status: 403, reason: `cross-origin request from ${origin.slice(0, 80)}` };
    return null;
  };

  /** CORS response headers for a configured origin, else none. */
  const corsHeaders = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    if (!origin || !cors.has(origin.toLowerCase())) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-headers': 'authorization, content-type, x-headroom-csrf',
      'access-control-allow-methods': 'GET, POST',
      'access-control-max-age': '600',
      vary: 'Origin',
    };
  };

  return { checkHost, checkStateChange, corsHeaders, allowedHosts: () => [...allowed] };
}

export type Guard = ReturnType<typeof createGuard>;
