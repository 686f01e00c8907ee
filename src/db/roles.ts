import { Client, type Pool } from 'pg';
import { ConfigError } from '../config/config';

/**
 * The two database roles. The owner runs migrations and owns every table; the application role
 * (the API and the worker) owns nothing and is no superuser, so it cannot alter, disable triggers
 * on, drop or truncate tables, and holds only SELECT and INSERT on append-only ones (granted by
 * migration 1732790000000_database_roles.sql).
 */
export const OWNER_ROLE = 'caseloop_owner';
export const APP_ROLE = 'caseloop_app';

export interface RolePasswords {
  owner: string;
  app: string;
}

/** Loopback-only stacks (npm run dev, tests, bench) use these; a real deployment sets its own. */
export const DEVELOPMENT_ROLE_PASSWORDS: RolePasswords = {
  owner: 'caseloop-owner-dev',
  app: 'caseloop-app-dev',
};

export interface DatabaseUrls {
  /** Runs migrations; owns the tables. */
  ownerUrl: string;
  /** What the API and worker connect with. */
  appUrl: string;
}

/**
 * As a superuser (`adminUrl`): creates both login roles (or resets their passwords) and the database
 * owned by the owner role if missing. Migrate with `ownerUrl`, run the application with `appUrl`.
 */
export async function provisionDatabase(
  adminUrl: string,
  database: string,
  passwords: RolePasswords = DEVELOPMENT_ROLE_PASSWORDS,
): Promise<DatabaseUrls> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  let existed: boolean;
  try {
    await ensureLoginRole(admin, OWNER_ROLE, passwords.owner);
    await ensureLoginRole(admin, APP_ROLE, passwords.app);
    existed =
      ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount ?? 0) > 0;
    if (!existed)
      await admin.query(`CREATE DATABASE ${quoteIdent(database)} OWNER ${OWNER_ROLE}`).catch(ignoreDuplicate);
  } finally {
    await admin.end();
  }
  const adminOfDatabase = new URL(adminUrl);
  adminOfDatabase.pathname = `/${database}`;
  if (existed) await adoptObjects(adminOfDatabase.toString(), database);
  return {
    ownerUrl: urlFor(adminUrl, database, OWNER_ROLE, passwords.owner),
    appUrl: urlFor(adminUrl, database, APP_ROLE, passwords.app),
  };
}

/**
 * A database made before the roles existed (an older `.data` folder) belongs to the superuser:
 * hand it, its tables and functions to the owner role so migrations can grant on them.
 */
async function adoptObjects(adminDatabaseUrl: string, database: string): Promise<void> {
  const db = new Client({ connectionString: adminDatabaseUrl });
  await db.connect();
  try {
    await db.query(`ALTER DATABASE ${quoteIdent(database)} OWNER TO ${OWNER_ROLE}`);
    const foreign = await db.query<{ kind: string; name: string }>(
      `SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind,
              format('%I.%I', n.nspname, c.relname) AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
          AND pg_get_userbyid(c.relowner) <> $1
       UNION ALL
       SELECT 'FUNCTION', p.oid::regprocedure::text
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> $1`,
      [OWNER_ROLE],
    );
    for (const o of foreign.rows) await db.query(`ALTER ${o.kind} ${o.name} OWNER TO ${OWNER_ROLE}`);
  } finally {
    await db.end();
  }
}

/** Idempotent even when several processes provision databases on one server at the same time. */
async function ensureLoginRole(admin: Client, role: string, password: string): Promise<void> {
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.rowCount === 0)
    await admin.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE`).catch(ignoreDuplicate);
  // The password is a literal here (ALTER ROLE takes no parameters): quoted, never interpolated raw.
  await admin.query(`ALTER ROLE ${role} LOGIN NOSUPERUSER PASSWORD ${quoteLiteral(password)}`);
}

function ignoreDuplicate(err: unknown): void {
  const code = (err as { code?: string }).code;
  // 42710 duplicate_object, 23505 unique_violation, 42P04 duplicate_database: another process won the race.
  if (code !== '42710' && code !== '23505' && code !== '42P04') throw err;
}

export function urlFor(baseUrl: string, database: string, user: string, password: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  url.username = user;
  url.password = encodeURIComponent(password);
  return url.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * What makes this connection more powerful than the application role should be: a superuser, a
 * table owner, or rights to rewrite the audit log. Empty when the role is right.
 */
export async function excessPrivileges(pool: Pool): Promise<string[]> {
  const row = (
    await pool.query<{ user: string; superuser: boolean; owned: number; rewrite: boolean }>(
      `SELECT current_user AS user, r.rolsuper AS superuser,
              (SELECT count(*)::int FROM pg_class c
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                  AND pg_has_role(current_user, c.relowner, 'USAGE')) AS owned,
              to_regclass('public.audit_log') IS NOT NULL
                AND (has_table_privilege('public.audit_log', 'UPDATE')
                     OR has_table_privilege('public.audit_log', 'DELETE')
                     OR has_table_privilege('public.audit_log', 'TRUNCATE')) AS rewrite
         FROM pg_roles r WHERE r.rolname = current_user`,
    )
  ).rows[0]!;
  const problems: string[] = [];
  if (row.superuser) problems.push(`${row.user} is a superuser`);
  if (row.owned > 0) problems.push(`${row.user} owns ${row.owned} table(s)`);
  if (row.rewrite) problems.push(`${row.user} may update, delete or truncate audit_log`);
  return problems;
}

/**
 * API and worker start-up: in production a DATABASE_URL with owner or superuser powers is refused
 * (the audit trail would be rewritable); elsewhere it is a warning. An unreachable database is left
 * to the usual retries.
 */
export async function refuseExcessPrivileges(
  pool: Pool,
  env: string,
  warn: (msg: string) => void,
): Promise<void> {
  const problems = await excessPrivileges(pool).catch(() => []);
  if (problems.length === 0) return;
  const message = `DATABASE_URL must be the application role (${APP_ROLE}), not an owner: ${problems.join('; ')}. Run migrations with MIGRATION_DATABASE_URL instead.`;
  if (env === 'production') throw new ConfigError([{ variable: 'DATABASE_URL', message }]);
  warn(message);
}
