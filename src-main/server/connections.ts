/**
 * Slow and idle connections cannot starve others. Every socket is tracked with what it is
 * doing: `waiting` (connected or kept alive, no complete request yet: idle, or headers still
 * trickling in), `receiving` (a request body being read), `busy` (a request being answered)
 * or `streaming` (an event stream). Sockets that wait or receive too long are closed, and at
 * the connection cap a new connection evicts the longest-waiting socket that is not being
 * answered, so 2,000 idle and 500 half-sent sockets cost a normal request nothing. Only when
 * every socket at the cap is answering or streaming is a new connection refused.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export type SocketState = 'waiting' | 'receiving' | 'busy' | 'streaming';

export interface ConnectionLimits {
  /** Most open sockets at once (default 1024). */
  maxConnections?: number;
  /** A socket that has not completed a request's headers for this long is closed (default 10 s). */
  headersTimeoutMs?: number;
  /** A request body not complete after this long is refused and its socket closed (default 15 s). */
  bodyTimeoutMs?: number;
}

interface Tracked {
  state: SocketState;
  sinceMs: number;
}

export function trackConnections(server: Server, limits: ConnectionLimits = {}) {
  const max = limits.maxConnections ?? 1024;
  const headersTimeoutMs = limits.headersTimeoutMs ?? 10_000;
  const bodyTimeoutMs = limits.bodyTimeoutMs ?? 15_000;
  // Insertion order = age: the first `waiting` entry is the one waiting longest.
  const sockets = new Map<Socket, Tracked>();
  let accepted = 0;
  let evicted = 0;
  let refused = 0;

  const set = (socket: Socket, state: SocketState) => {
    if (!sockets.has(socket)) return;
    // Re-insert so iteration order follows the time of the last change.
    sockets.delete(socket);
    sockets.set(socket, { state, sinceMs: Date.now() });
  };

  server.on('connection', (socket: Socket) => {
    accepted++;
    if (sockets.size >= max) {
      let victim: Socket | null = null;
      for (const [s, t] of sockets) {
        if (t.state === 'waiting' || t.state === 'receiving') {
          victim = s;
          break;
        }
      }
      if (victim) {
        evicted++;
        sockets.delete(victim);
        victim.destroy();
      } else {
        refused++;
        socket.destroy();
        return;
      }
    }
    sockets.set(socket, { state: 'waiting', sinceMs: Date.now() });
    armSweep();
    socket.once('close', () => sockets.delete(socket));
  });

  // The sweep runs only while connections are open: an idle server sets no timer at all.
  let sweep: ReturnType<typeof setInterval> | null = null;
  let disposed = false;
  const sweepEveryMs = Math.max(100, Math.min(1000, headersTimeoutMs / 4));
  const sweepOnce = () => {
    const now = Date.now();
    for (const [s, t] of sockets) {
      const limit = t.state === 'waiting' ? headersTimeoutMs : t.state === 'receiving' ? bodyTimeoutMs : Infinity;
      if (now - t.sinceMs > limit) {
        sockets.delete(s);
        s.destroy();
      }
    }
    if (sockets.size === 0 && sweep) {
      clearInterval(sweep);
      sweep = null;
    }
  };
  const armSweep = () => {
    if (sweep || disposed) return;
    sweep = setInterval(sweepOnce, sweepEveryMs);
    sweep.unref();
  };

  return {
    /** What the socket is doing now (the server calls this as a request moves on). */
    set,
    stats: () => ({ open: sockets.size, accepted, evicted, refused }),
    dispose: () => {
      disposed = true;
      if (sweep) clearInterval(sweep);
      sweep = null;
    },
  };
}

export type ConnectionTracker = ReturnType<typeof trackConnections>;
