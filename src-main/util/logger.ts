/** The logger passed into the core. The core never calls console directly. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

/** Logs to stderr with an ISO time and level; used by the CLI and the Electron main process. */
export function createConsoleLogger(prefix = 'headroom', minLevel: 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = { info: 0, warn: 1, error: 2 } as const;
  const write = (level: keyof typeof order, message: string) => {
    if (order[level] < order[minLevel]) return;
    process.stderr.write(`${new Date().toISOString()} ${prefix} ${level}: ${message}\n`);
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
