import pino, { type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Callers log ids and statuses, never client details. */
export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { service: name } });
}
