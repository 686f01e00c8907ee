import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/db/migrate';
import { startEmbeddedPostgres } from '../../src/devstack/postgres';
import { provisionDatabase } from '../../src/db/roles';
import { resolvePort } from '../../src/devstack/free-port';
import { locateBinary, TEMPORAL_CLI, TEMPORAL_TEST_SERVER } from '../../src/temporal/binaries';
import { TEMPLATE_DB } from '../helpers/db';

/**
 * Once per run: find (or install) the Temporal binaries, start PostgreSQL unless DATABASE_URL is
 * given, and build a migrated template database that every test file clones.
 */
export default async function globalSetup(): Promise<void> {
  const log = (m: string): void => void process.stderr.write(`[test setup] ${m}\n`);
  for (const spec of [TEMPORAL_CLI, TEMPORAL_TEST_SERVER]) {
    const found = locateBinary(spec, { log, allowSdkDownload: true });
    if (found.type === 'existing-path') process.env[spec.envVar] = found.path;
  }

  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-test-pg-'));
    fs.chmodSync(dataDir, 0o777);
    const pg = await startEmbeddedPostgres(dataDir, await resolvePort(0));
    adminUrl = pg.adminUrl;
    (globalThis as { __caseloopPg?: { stop(): Promise<void>; dataDir: string } }).__caseloopPg = {
      stop: pg.stop,
      dataDir,
    };
  }
  process.env.TEST_ADMIN_DATABASE_URL = adminUrl;

  const { Client } = await import('pg');
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB}`);
  await admin.end();
  // Migrated as the owner role; test files connect as the application role (test/helpers/db.ts).
  const { ownerUrl } = await provisionDatabase(adminUrl, TEMPLATE_DB);
  await migrate(ownerUrl);
}
