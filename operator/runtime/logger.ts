// winston JSON lines to stdout. A child logger per reconcile carries the object's key.
// Never pass key material or passwords to a logger: fields are logged as given.
import winston from 'winston';

export type Logger = winston.Logger;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export function createLogger(level: LogLevel | string = 'info'): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: false }), winston.format.json()),
    defaultMeta: { logger: 'hono-tls-operator' },
    transports: [new winston.transports.Console()],
  });
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
