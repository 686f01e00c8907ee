import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { DEVELOPMENT_ROLE_PASSWORDS, OWNER_ROLE, APP_ROLE, urlFor } from '../../src/db/roles';

export const TEMPLATE_DB = 'caseloop_test_template';

export interface TestDatabase {
  /** The application role's URL, as the API and worker connect (no owner powers). */
  url: string;
  /** The owner role's URL (migrations, and tests that need owner powers). */
  ownerUrl: string;
  /** Connected as the application role. */
  pool: Pool;
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.TEST_ADMIN_DATABASE_URL;
  if (!url) throw new Error('TEST_ADMIN_DATABASE_URL is not set: run tests through jest (global setup).');
  return url;
}

/** A fresh, migrated database for one test file, cloned from the template so files can run in parallel. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `caseloop_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} OWNER ${OWNER_ROLE} TEMPLATE ${TEMPLATE_DB}`);
  await admin.end();
  const url = urlFor(adminUrl(), name, APP_ROLE, DEVELOPMENT_ROLE_PASSWORDS.app);
  const pool = createPool(url);
  return {
    url,
    ownerUrl: urlFor(adminUrl(), name, OWNER_ROLE, DEVELOPMENT_ROLE_PASSWORDS.owner),
    pool,
    async drop() {
      await pool.end();
      const a = new Client({ connectionString: adminUrl() });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
