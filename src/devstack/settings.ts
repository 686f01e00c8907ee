import path from 'node:path';
import { z } from 'zod';
import { loadOrExit, parseEnv, releaseSpreadMinutes } from '../config/config';
import { projectRoot } from '../shared/paths';

const port = z.coerce.number().int().min(0).max(65535);

/** The dev stack's knobs: every port can be overridden, 0 picks a free one (the smoke test does). */
const schema = z.object({
  API_PORT: port.default(3000),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  MAIL_UI_PORT: port.default(1080),
  SMTP_PORT: port.default(1025),
  DEV_PG_PORT: port.default(5433),
  DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.string().optional(),
  MIGRATION_DATABASE_URL: z.string().optional(),
  DEV_SEED: z.enum(['true', 'false']).default('true'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  REMINDER_RELEASE_SPREAD_MINUTES: releaseSpreadMinutes,
});

export interface DevSettings {
  apiPort: number;
  temporalPort: number;
  temporalUiPort: number;
  mailUiPort: number;
  smtpPort: number;
  pgPort: number;
  dataDir: string;
  databaseUrl?: string;
  /** The owner role's URL for migrations; defaults to databaseUrl. */
  migrationDatabaseUrl?: string;
  seed: boolean;
  logLevel: string;
  /** As in production: reminders held by quiet hours leave spread over this many minutes. */
  releaseSpreadMinutes: number;
}

export function loadDevSettings(env = process.env): DevSettings {
  const e = loadOrExit(() => parseEnv(schema, env));
  return {
    apiPort: e.API_PORT,
    temporalPort: e.TEMPORAL_PORT,
    temporalUiPort: e.TEMPORAL_UI_PORT,
    mailUiPort: e.MAIL_UI_PORT,
    smtpPort: e.SMTP_PORT,
    pgPort: e.DEV_PG_PORT,
    dataDir: path.resolve(e.DATA_DIR ?? path.join(projectRoot(), '.data')),
    databaseUrl: e.DATABASE_URL || undefined,
    migrationDatabaseUrl: e.MIGRATION_DATABASE_URL || undefined,
    seed: e.DEV_SEED === 'true',
    logLevel: e.LOG_LEVEL,
    releaseSpreadMinutes: e.REMINDER_RELEASE_SPREAD_MINUTES,
  };
}
