import path from 'node:path';
import { runner } from 'node-pg-migrate';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Applies every pending migration; safe to run on every start (node-pg-migrate takes an advisory lock). */
export async function migrate(
  databaseUrl: string,
  log: (msg: string) => void = () => undefined,
): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    checkOrder: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    log: () => undefined,
    verbose: false,
  });
  for (const m of applied) log(`migrated: ${m.name}`);
  return applied.map((m) => m.name);
}
