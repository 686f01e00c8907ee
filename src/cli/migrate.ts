import { z } from 'zod';
import { databaseUrl, loadOrExit, parseEnv } from '../config/config';
import { migrate } from '../db/migrate';

/** `npm run migrate`: needs only DATABASE_URL. */
async function main(): Promise<void> {
  const env = loadOrExit(() => parseEnv(z.object({ DATABASE_URL: databaseUrl }), process.env));
  const applied = await migrate(env.DATABASE_URL, (m) => console.log(m));
  console.log(applied.length === 0 ? 'Database is up to date.' : `Applied ${applied.length} migration(s).`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
