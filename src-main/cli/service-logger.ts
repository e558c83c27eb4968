/**
 * Logs for `headroom serve`. In a terminal: readable lines on stderr (as before). Otherwise
 * (systemd, Docker, a pipe) or with `--log-format json`: one JSON object per line on stdout,
 * written by pino (a well-kept, fast structured logger: ISO time, level name, message), so
 * journald, Loki or any log shipper can parse them. Writes are synchronous: a line logged
 * just before exit is not lost.
 */
import { pino } from 'pino';
import { createConsoleLogger, type Logger } from '../util/logger';

export interface ServiceLogger extends Logger {
  json: boolean;
  /** A line with fields (JSON mode) or as text. */
  event(message: string, fields: Record<string, unknown>): void;
}

export function createServiceLogger(format: 'auto' | 'json' | 'text', stdoutIsTty = Boolean(process.stdout.isTTY), dest: number | NodeJS.WritableStream = 1): ServiceLogger {
  const json = format === 'json' || (format === 'auto' && !stdoutIsTty);
  if (!json) {
    const c = createConsoleLogger('headroom');
    return { ...c, json: false, event: (m) => c.info(m) };
  }
  const stream = typeof dest === 'number' ? pino.destination({ dest, sync: true }) : dest;
  const p = pino(
    {
      base: { service: 'headroom' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  return {
    json: true,
    info: (m) => p.info(m),
    warn: (m) => p.warn(m),
    error: (m) => p.error(m),
    event: (m, fields) => p.info(fields, m),
  };
}
