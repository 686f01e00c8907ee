import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/db/migrate';
import { resolvePort } from '../../src/devstack/free-port';
import { startEmbeddedPostgres } from '../../src/devstack/postgres';
import { provisionDatabase } from '../../src/db/roles';
import { onCleanup } from '../lib/cleanup';

export interface BenchPostgres {
  /**
   * A new database on the one server, migrated as the owner role; returns the application role's
   * URL. Each phase gets its own so counts stay clean.
   */
  freshDatabase(name: string): Promise<string>;
  /** The owner role's URL of a database freshDatabase made (for VACUUM after seeding). */
  ownerUrlOf(name: string): string;
  /** The server process (for CPU accounting), from its pid file; undefined if it is not running. */
  postmasterPid(): number | undefined;
}

/** One embedded PostgreSQL server in a temporary folder, removed at teardown. */
export async function startBenchPostgres(): Promise<BenchPostgres> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-bench-pg-'));
  onCleanup('PostgreSQL data folder', () =>
    Promise.resolve(fs.rmSync(dataDir, { recursive: true, force: true })),
  );
  // As root, postgres runs as the `postgres` user, which must be able to write here.
  fs.chmodSync(dataDir, 0o777);
  const pg = await startEmbeddedPostgres(dataDir, await resolvePort(0));
  onCleanup('PostgreSQL', () => pg.stop());
  const owners = new Map<string, string>();
  return {
    async freshDatabase(name) {
      const { appUrl, ownerUrl } = await provisionDatabase(pg.adminUrl, name);
      await migrate(ownerUrl, () => undefined);
      owners.set(name, ownerUrl);
      return appUrl;
    },
    postmasterPid() {
      try {
        const first = fs
          .readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')
          .split('\n')[0];
        return Number(first) || undefined;
      } catch {
        return undefined;
      }
    },
    ownerUrlOf(name) {
      const url = owners.get(name);
      if (!url) throw new Error(`No database ${name} was made.`);
      return url;
    },
  };
}
