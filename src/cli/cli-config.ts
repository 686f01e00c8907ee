import path from 'node:path';
import { z } from 'zod';
import {
  ConfigError,
  databaseUrl,
  DEVELOPMENT_PAYLOAD_KEYS,
  exitOnConfigError,
  loadTemporalConfig,
  parseEnv,
} from '../config/config';
import { APP_ROLE, DEVELOPMENT_ROLE_PASSWORDS } from '../db/roles';
import { readStackFile } from '../devstack/stack-file';
import { projectRoot } from '../shared/paths';
import { parsePayloadKeys } from '../temporal/codec';

/**
 * How the command-line tools (reconcile, import) find PostgreSQL and Temporal: configured like the
 * API, and with no DATABASE_URL, the dev stack (.data/stack.json, else its default ports).
 */
export function loadConfig(env: NodeJS.ProcessEnv) {
  const stack = env.DATABASE_URL
    ? undefined
    : readStackFile(path.resolve(env.DATA_DIR ?? path.join(projectRoot(), '.data')));
  const devDatabaseUrl = `postgres://${APP_ROLE}:${DEVELOPMENT_ROLE_PASSWORDS.app}@127.0.0.1:${env.DEV_PG_PORT ?? 5433}/caseloop`;
  const withDefaults = {
    ...env,
    DATABASE_URL: env.DATABASE_URL || stack?.databaseUrl || devDatabaseUrl,
    TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS || stack?.temporalAddress,
    TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE || stack?.taskQueue,
  };
  const e = parseEnv(z.object({ DATABASE_URL: databaseUrl }), withDefaults);
  let payloadKeys;
  try {
    payloadKeys = parsePayloadKeys(env.PAYLOAD_KEYS ?? DEVELOPMENT_PAYLOAD_KEYS);
  } catch (err) {
    throw new ConfigError([{ variable: 'PAYLOAD_KEYS', message: (err as Error).message }]);
  }
  return { databaseUrl: e.DATABASE_URL, temporal: loadTemporalConfig(withDefaults), payloadKeys };
}

/** Runs a command's main and exits with its code; a bad configuration exits 78, anything else 1. */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ConfigError) exitOnConfigError(err);
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
