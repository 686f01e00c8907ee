import { loadMigrationConfig, loadOrExit } from '../config/config';
import { migrate } from '../db/migrate';

/** `npm run migrate`: as the owner role (MIGRATION_DATABASE_URL, else DATABASE_URL). */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadMigrationConfig());
  const applied = await migrate(config.migrationDatabaseUrl, (m) => console.log(m));
  console.log(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s).`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
