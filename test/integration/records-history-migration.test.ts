import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createTeam } from '../helpers/fixtures';

const MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'src', 'db', 'migrations');

/**
 * The history migration on a database that already has records: what the old columns and the
 * audit log still know becomes the first rows of the new history tables.
 */
describe('records-history migration on existing records', () => {
  let db: TestDatabase;
  // Migrations run as the owner role; the application role may not drop or create tables.
  let owner: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Pool({ connectionString: db.ownerUrl });
  });
  afterAll(async () => {
    await owner?.end();
    await db?.drop();
  });

  const sql = fs.readFileSync(path.join(MIGRATIONS_DIR, '1732710000000_records_history.sql'), 'utf8');
  const [up, down] = sql.split('-- Down Migration') as [string, string];
  // A later migration whose triggers read the history tables goes first, as a real rollback would.
  const timingFacts = fs.readFileSync(
    path.join(MIGRATIONS_DIR, '1733200000000_case_timing_facts.sql'),
    'utf8',
  );
  const timingFactsDown = timingFacts.split('-- Down Migration')[1]!;
  const caseRowTriggerDown = fs
    .readFileSync(path.join(MIGRATIONS_DIR, '1733280000000_timing_facts_case_row_trigger.sql'), 'utf8')
    .split('-- Down Migration')[1]!;

  it('when it runs over plans returned and cases reopened before it, then their submissions, decisions, closures and episodes are carried over', async () => {
    const pool = owner;
    await pool.query(caseRowTriggerDown);
    await pool.query(timingFactsDown);
    await pool.query(down);
    const team = await createTeam(pool);
    const c = await createCaseRow(pool, team);
    const sup = team.supervisor.id;
    const cm = team.caseManager.id;
    const t = (d: number): string => new Date(Date.UTC(2026, 10, d, 10)).toISOString();
    const audit = async (at: string, actor: string, entity: string, id: string, change: string) =>
      pool.query(
        `INSERT INTO audit_log (at, actor_id, action, entity, entity_id, case_id, detail) VALUES ($1, $2, 'update', $3, $4, $5, $6)`,
        [at, actor, entity, id, c.id, { change }],
      );
    // Before the migration: a plan returned once then approved; the row keeps only the latest decision.
    const planId = (
      await pool.query<{ id: string }>(
        `INSERT INTO service_plans (case_id, version, status, created_by, submitted_at, submitted_by, decided_at, decided_by, decision_note)
         VALUES ($1, 1, 'approved', $2, $3, $2, $4, $5, 'Good plan') RETURNING id`,
        [c.id, cm, t(3), t(4), sup],
      )
    ).rows[0]!.id;
    await audit(t(1), cm, 'service_plan', planId, 'submitted');
    await audit(t(2), sup, 'service_plan', planId, 'returned');
    await audit(t(3), cm, 'service_plan', planId, 'submitted');
    await audit(t(4), sup, 'service_plan', planId, 'approved');
    // Closed, reopened, closure returned once, closed again; an escalation left open.
    await audit(t(5), cm, 'case', c.id, 'closure_requested');
    await audit(t(6), sup, 'case', c.id, 'closure_approved');
    await audit(t(7), sup, 'case', c.id, 'reopen');
    await audit(t(8), cm, 'case', c.id, 'closure_requested');
    await audit(t(9), sup, 'case', c.id, 'closure_returned');
    await audit(t(10), cm, 'case', c.id, 'closure_requested');
    await audit(t(11), sup, 'case', c.id, 'closure_approved');
    await pool.query(
      `UPDATE cases SET status = 'closed', reopen_count = 1, opened_at = $2, closed_at = $3, closed_by = $4,
              closure_reason = 'moved_away', closure_summary = 'Moved out of area.', closure_requested_at = $5, closure_requested_by = $6
        WHERE id = $1`,
      [c.id, t(7), t(11), sup, t(10), cm],
    );
    await pool.query(
      `INSERT INTO escalations (case_id, obligation_id, obligation_kind, level, recipient_id, due_at, raised_at)
       VALUES ($1, 'initial-assessment', 'initial_assessment', 1, $2, $3, $3)`,
      [c.id, sup, t(9)],
    );

    await pool.query(up);

    const plan = await pool.query(
      `SELECT what, note, actor_id FROM plan_events WHERE plan_id = $1 ORDER BY at`,
      [planId],
    );
    expect(plan.rows).toEqual([
      { what: 'submitted', note: null, actor_id: cm },
      { what: 'returned', note: null, actor_id: sup },
      { what: 'submitted', note: null, actor_id: cm },
      { what: 'approved', note: 'Good plan', actor_id: sup },
    ]);
    const closure = await pool.query(
      `SELECT what, reason, summary FROM closure_events WHERE case_id = $1 ORDER BY at`,
      [c.id],
    );
    expect(closure.rows).toEqual([
      { what: 'requested', reason: null, summary: null },
      { what: 'approved', reason: null, summary: null },
      { what: 'requested', reason: null, summary: null },
      { what: 'returned', reason: null, summary: null },
      { what: 'requested', reason: 'moved_away', summary: 'Moved out of area.' },
      { what: 'approved', reason: null, summary: null },
    ]);
    const episodes = await pool.query(
      `SELECT episode, opened_at, closed_at, closure_reason FROM case_episodes WHERE case_id = $1 ORDER BY episode`,
      [c.id],
    );
    expect(episodes.rows.map((e) => [e.episode, e.closed_at.toISOString(), e.closure_reason])).toEqual([
      [1, t(6), null],
      [2, t(11), 'moved_away'],
    ]);
    expect(episodes.rows[1].opened_at.toISOString()).toBe(t(7));
    expect((await pool.query('SELECT resolution FROM escalations WHERE case_id = $1', [c.id])).rows).toEqual([
      { resolution: 'case closed' },
    ]);
  });
});
