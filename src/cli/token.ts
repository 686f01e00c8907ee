import { z } from 'zod';
import { databaseUrl, loadOrExit, parseEnv } from '../config/config';
import { DEFAULT_TOKEN_LIFETIME_DAYS, issueToken } from '../domain/auth';
import { createPool } from '../db/pool';

/** `npm run token -- <staff email> [label]`: issues an API token (90 days) for an active staff member. */
async function main(): Promise<void> {
  const env = loadOrExit(() => parseEnv(z.object({ DATABASE_URL: databaseUrl }), process.env));
  const [email, label = 'cli'] = process.argv.slice(2);
  if (!email) {
    process.stderr.write('Usage: npm run token -- <staff email> [label]\n');
    process.exit(64);
  }
  const pool = createPool(env.DATABASE_URL, 1);
  try {
    const staff = (
      await pool.query<{ id: string; active: boolean }>(
        'SELECT id, active FROM staff WHERE lower(email) = lower($1)',
        [email],
      )
    ).rows[0];
    if (!staff) throw new Error(`No staff member with email ${email}.`);
    if (!staff.active) throw new Error(`${email} is deactivated; reactivate them before issuing a token.`);
    await pool.query(
      `INSERT INTO audit_log (actor_kind, action, entity, entity_id, detail) VALUES ('system', 'create', 'api_token', $1, $2)`,
      [staff.id, { via: 'npm run token', label }],
    );
    console.log(await issueToken(pool, staff.id, label));
    process.stderr.write(`The token expires in ${DEFAULT_TOKEN_LIFETIME_DAYS} days.\n`);
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
