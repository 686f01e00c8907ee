import { Client } from 'pg';
import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../src/config/config';
import { createPool } from '../../src/db/pool';
import { APP_ROLE, OWNER_ROLE, provisionDatabase, refuseExcessPrivileges } from '../../src/db/roles';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createTeam } from '../helpers/fixtures';

/** Every table whose rows, once written, are the record: nobody may rewrite or remove them. */
const APPEND_ONLY = [
  'audit_log',
  'case_notes',
  'schedule_decisions',
  'goal_progress',
  'referral_events',
  'plan_events',
  'closure_events',
  'case_episodes',
  'client_consents',
];
/** A text column of each, to try rewriting. */
const COLUMN: Record<string, string> = {
  audit_log: 'action',
  case_notes: 'body',
  schedule_decisions: 'detail',
  goal_progress: 'note',
  referral_events: 'note',
  plan_events: 'what',
  closure_events: 'reason',
  case_episodes: 'closure_reason',
  client_consents: 'note',
};

describe('database roles: the application cannot rewrite the trail', () => {
  let db: TestDatabase;
  let owner: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
  });
  afterAll(async () => {
    await owner.end();
    await db.drop();
  });

  it('when the application connects, then it is the non-superuser application role that owns no table', async () => {
    const me = (
      await db.pool.query<{ user: string; superuser: boolean; owns: number }>(
        `SELECT current_user AS user, r.rolsuper AS superuser,
                (SELECT count(*)::int FROM pg_tables t WHERE t.tableowner = current_user) AS owns
           FROM pg_roles r WHERE r.rolname = current_user`,
      )
    ).rows[0]!;
    expect(me).toEqual({ user: APP_ROLE, superuser: false, owns: 0 });
  });

  it.each(APPEND_ONLY)(
    'when the application role tries to alter, disable triggers on, drop, truncate, update or delete %s, then each is refused',
    async (table) => {
      const attempts = [
        `ALTER TABLE ${table} ADD COLUMN sneaky text`,
        `ALTER TABLE ${table} DISABLE TRIGGER ALL`,
        `ALTER TABLE ${table} DISABLE TRIGGER append_only_rows`,
        `DROP TRIGGER append_only_truncate ON ${table}`,
        `DROP TABLE ${table}`,
        `TRUNCATE ${table}`,
        `UPDATE ${table} SET ${COLUMN[table]} = 'rewritten'`,
        `DELETE FROM ${table}`,
      ];
      for (const sql of attempts) {
        await expect(db.pool.query(sql)).rejects.toThrow(/must be owner|permission denied|append-only/);
      }
      const privileges = (
        await db.pool.query<Record<string, boolean>>(
          `SELECT has_table_privilege($1, 'SELECT') AS select, has_table_privilege($1, 'INSERT') AS insert,
                  has_table_privilege($1, 'UPDATE') AS update, has_table_privilege($1, 'DELETE') AS delete,
                  has_table_privilege($1, 'TRUNCATE') AS truncate, has_table_privilege($1, 'TRIGGER') AS trigger`,
          [table],
        )
      ).rows[0];
      expect(privileges).toEqual({
        select: true,
        insert: true,
        update: false,
        delete: false,
        truncate: false,
        trigger: false,
      });
    },
  );

  it('when even the owner truncates, updates or deletes an append-only table, then the triggers refuse', async () => {
    for (const table of APPEND_ONLY) {
      await expect(owner.query(`TRUNCATE ${table}`)).rejects.toThrow(/append-only/);
    }
    await owner.query(
      `INSERT INTO audit_log (actor_kind, action, entity) VALUES ('system', 'read', 'client')`,
    );
    await expect(owner.query(`UPDATE audit_log SET action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(owner.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
  });

  it('when the application role appends to the append-only tables, then the rows are written', async () => {
    const team = await createTeam(db.pool);
    const c = await createCaseRow(db.pool, team);
    await db.pool.query(
      `INSERT INTO audit_log (actor_kind, action, entity) VALUES ('system', 'read', 'client')`,
    );
    await db.pool.query(
      `INSERT INTO case_notes (case_id, type, author_id, at, body) VALUES ($1, 'contact', $2, now(), 'Called.')`,
      [c.id, team.caseManager.id],
    );
    await db.pool.query(
      `INSERT INTO schedule_decisions (case_id, decision_key, obligation_id, obligation_kind, what, detail, occurred_at)
       VALUES ($1, 'k1', 'initial-assessment', 'initial_assessment', 'opened', 'opened', now())
       ON CONFLICT (case_id, decision_key) DO NOTHING`,
      [c.id],
    );
    const counts = await db.pool.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM case_notes WHERE case_id = $1)::int
            + (SELECT count(*) FROM schedule_decisions WHERE case_id = $1)::int AS n`,
      [c.id],
    );
    expect(counts.rows[0]!.n).toBe(2);
  });

  it('when a later migration creates a table, then the application role gets ordinary row access, and caseloop_make_append_only narrows it', async () => {
    await owner.query('CREATE TABLE later_history (id bigserial PRIMARY KEY, what text NOT NULL)');
    await db.pool.query(`INSERT INTO later_history (what) VALUES ('a')`);
    await db.pool.query(`UPDATE later_history SET what = 'b'`);

    await owner.query(`SELECT caseloop_make_append_only('later_history')`);
    await db.pool.query(`INSERT INTO later_history (what) VALUES ('c')`);
    await expect(db.pool.query(`UPDATE later_history SET what = 'd'`)).rejects.toThrow(/permission denied/);
    await expect(db.pool.query('TRUNCATE later_history')).rejects.toThrow(/permission denied/);
    await expect(owner.query('TRUNCATE later_history')).rejects.toThrow(/append-only/);
    await expect(owner.query(`DELETE FROM later_history`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`SELECT caseloop_make_append_only('cases')`)).rejects.toThrow(
      /permission denied|must be owner/,
    );
  });

  it('when the application role reads migration bookkeeping, then it is refused', async () => {
    await expect(db.pool.query('SELECT * FROM pgmigrations')).rejects.toThrow(/permission denied/);
  });

  it('when a database made before the roles existed is provisioned, then it and its tables pass to the owner role', async () => {
    const adminUrl = process.env.TEST_ADMIN_DATABASE_URL!;
    const name = `caseloop_old_${randomBytes(4).toString('hex')}`;
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
      const oldUrl = new URL(adminUrl);
      oldUrl.pathname = `/${name}`;
      const old = new Client({ connectionString: oldUrl.toString() });
      await old.connect();
      await old.query('CREATE TABLE cases (id int)');
      await old.query(
        'CREATE FUNCTION some_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END; $$',
      );
      await old.end();

      const { ownerUrl } = await provisionDatabase(adminUrl, name);
      const asOwner = new Client({ connectionString: ownerUrl });
      await asOwner.connect();
      const owners = await asOwner.query<{ db: string; tbl: string; fn: string }>(
        `SELECT pg_get_userbyid(d.datdba) AS db,
                (SELECT tableowner FROM pg_tables WHERE tablename = 'cases') AS tbl,
                (SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'some_trigger') AS fn
           FROM pg_database d WHERE d.datname = current_database()`,
      );
      await asOwner.end();
      expect(owners.rows[0]).toEqual({ db: OWNER_ROLE, tbl: OWNER_ROLE, fn: OWNER_ROLE });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('when the API or worker in production is given the owner role as DATABASE_URL, then it refuses to start; the application role passes', async () => {
    const ownerPool = createPool(db.ownerUrl, 1);
    const warnings: string[] = [];
    try {
      await expect(refuseExcessPrivileges(ownerPool, 'production', (m) => warnings.push(m))).rejects.toThrow(
        ConfigError,
      );
      await expect(refuseExcessPrivileges(ownerPool, 'production', () => undefined)).rejects.toThrow(
        /DATABASE_URL: .*caseloop_owner owns \d+ table/,
      );
      // Outside production it is a warning, so a developer's own setup still starts.
      await refuseExcessPrivileges(ownerPool, 'development', (m) => warnings.push(m));
      expect(warnings).toEqual([expect.stringMatching(/may update, delete or truncate audit_log/)]);
    } finally {
      await ownerPool.end();
    }
    await expect(refuseExcessPrivileges(db.pool, 'production', () => undefined)).resolves.toBeUndefined();
  });
});
