import type { Pool } from 'pg';
import { commitImport, dryRun } from '../../src/domain/case-import/run';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createProvider, createStaff, createTeam } from '../helpers/fixtures';
import { daysBefore, importFile, sampleFileRecords } from '../helpers/import-file';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Importing a caseload against real PostgreSQL and Temporal: the dry run reports every problem and
 * writes nothing; the commit creates each case with its records and running workflow, once, however
 * often the file is imported, and a run cut short resumes where it stopped.
 */
describe('case import: dry run and commit', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('case-import-test');
  });
  afterAll(() => stack?.stop());

  const deps = () => ({
    pool: stack.db.pool,
    workflows: createCaseWorkflows(stack.env.client, stack.taskQueue),
    clock: stack.clock,
  });

  async function setting() {
    const team = await createTeam(stack.db.pool);
    const program = (
      await stack.db.pool.query<{ name: string }>('SELECT name FROM programs WHERE id = $1', [team.programId])
    ).rows[0]!.name;
    const provider = await createProvider(stack.db.pool);
    const now = stack.clock().getTime();
    const row = (key: string, extra: Record<string, string> = {}): Record<string, string> => ({
      import_key: key,
      program,
      client_given_name: `Given${key}`,
      client_family_name: 'Imported',
      client_birth_date: '1980-01-01',
      case_manager_email: team.caseManager.email,
      opened_date: daysBefore(now, 120),
      last_assessment_date: daysBefore(now, 80),
      plan_status: 'approved',
      plan_date: daysBefore(now, 70),
      goal_1_domain: 'housing',
      goal_1_text: 'Find a flat',
      goal_1_target_date: daysBefore(now, -60),
      referral_1_provider: provider.organisation,
      referral_1_service: 'housing',
      referral_1_sent_date: daysBefore(now, 2),
      ...extra,
    });
    return { team, program, provider, row };
  }

  it('when the sample file is dry-run against the demo staff, program and provider, then every row is ready', async () => {
    const pool = stack.db.pool;
    await sampleFileRecords(pool);
    const plan = await dryRun(
      pool,
      readFileSync(path.join(__dirname, '../../docs/import-sample.csv')),
      stack.clock(),
    );
    expect(plan.problems).toEqual([]);
    expect(plan.ready).toHaveLength(12);
  });

  it('when the file has problems only the records can tell, then the dry run names each with row and column, and writes nothing', async () => {
    const { team, program, row } = await setting();
    const noPolicy = (
      await stack.db.pool.query<{ name: string }>(
        `INSERT INTO programs (name) VALUES ('No policy ' || gen_random_uuid()) RETURNING name`,
      )
    ).rows[0]!.name;
    const supervisorOnly = await createStaff(stack.db.pool, 'supervisor');
    // A client already on record, with an open case in the program imported under another key.
    const first = await dryRun(stack.db.pool, importFile([row('EXIST-1')]), stack.clock());
    await commitImport(deps(), team.admin, first, stack.clock());
    // The imported case's clock projects its obligations on its own; wait for that before counting.
    const existing = await stack.db.pool.query<{ case_id: string }>(
      'SELECT case_id FROM case_imports WHERE import_key = $1',
      ['EXIST-1'],
    );
    expect(existing.rows).toHaveLength(1);
    await settle(stack, existing.rows[0]!.case_id);

    const before = await rowCounts(stack.db.pool);
    const plan = await dryRun(
      stack.db.pool,
      importFile([
        row('A-1', { case_manager_email: 'nobody@nowhere.test', client_given_name: 'A' }),
        row('A-2', { case_manager_email: supervisorOnly.email, client_given_name: 'B' }),
        row('A-3', { program: 'No such program', client_given_name: 'C' }),
        row('A-4', { program: noPolicy, client_given_name: 'D' }),
        row('A-5', { client_given_name: 'GivenEXIST-1' }),
        row('A-6', { referral_1_provider: 'Unknown Org', client_given_name: 'E' }),
        row('A-7', { goal_1_domain: 'astrology', client_given_name: 'F' }),
        row('A-8', { client_given_name: 'G' }),
      ]),
      stack.clock(),
    );
    expect(await rowCounts(stack.db.pool)).toEqual(before);
    expect(plan.problems).toEqual([
      { row: 2, column: 'case_manager_email', reason: 'no staff member has this email' },
      { row: 3, column: 'case_manager_email', reason: 'is a supervisor, not a case manager' },
      { row: 4, column: 'program', reason: 'no program named "No such program"' },
      { row: 5, column: 'program', reason: 'the program has no policy yet: set one before importing' },
      {
        row: 6,
        column: 'client_family_name',
        reason: expect.stringMatching(
          /^the client already has open case C-\d+ in this program, imported under key "EXIST-1"$/,
        ),
      },
      { row: 7, column: 'referral_1_provider', reason: 'no provider named "Unknown Org" in the directory' },
      { row: 8, column: 'goal_1_domain', reason: '"astrology" is not a life domain of this program' },
    ]);
    expect(plan.ready.map((r) => r.row.importKey)).toEqual(['A-8']);
    // A file with problems is not committed, not even its good rows.
    await expect(commitImport(deps(), team.admin, plan, stack.clock())).rejects.toThrow(
      /dry run found problems/,
    );
    expect(await rowCounts(stack.db.pool)).toEqual(before);
    void program;
  });

  it('when a clean file is committed twice, then each case exists once with its records and running workflow, and the second run creates nothing', async () => {
    const { team, row } = await setting();
    const file = importFile([
      row('B-1'),
      row('B-2', { plan_status: 'submitted' }),
      row('B-3', {
        plan_status: '',
        plan_date: '',
        goal_1_domain: '',
        goal_1_text: '',
        goal_1_target_date: '',
      }),
    ]);
    const plan = await dryRun(stack.db.pool, file, stack.clock());
    expect(plan.problems).toEqual([]);
    const report = await commitImport(deps(), team.admin, plan, stack.clock());
    expect(report).toEqual({ imported: 3, skipped: 0, failed: [] });

    const cases = (
      await stack.db.pool.query<{
        key: string;
        status: string;
        opened: string;
        workflow_id: string;
        assessments: number;
        goals: number;
        referrals: number;
      }>(
        `SELECT ci.import_key AS key, c.status, c.opened_at::date::text AS opened, c.workflow_id,
                (SELECT count(*)::int FROM assessments a WHERE a.case_id = c.id) AS assessments,
                (SELECT count(*)::int FROM goals g JOIN service_plans sp ON sp.id = g.plan_id WHERE sp.case_id = c.id) AS goals,
                (SELECT count(*)::int FROM referrals r WHERE r.case_id = c.id) AS referrals
           FROM case_imports ci JOIN cases c ON c.id = ci.case_id
          WHERE ci.program_id = $1 ORDER BY ci.import_key`,
        [team.programId],
      )
    ).rows;
    const opened = daysBefore(stack.clock().getTime(), 120);
    expect(cases.map(({ workflow_id: _w, ...c }) => c)).toEqual([
      { key: 'B-1', status: 'active', opened, assessments: 1, goals: 1, referrals: 1 },
      { key: 'B-2', status: 'planning', opened, assessments: 1, goals: 1, referrals: 1 },
      { key: 'B-3', status: 'planning', opened, assessments: 1, goals: 0, referrals: 1 },
    ]);
    for (const c of cases) {
      const d = await stack.env.client.workflow.getHandle(c.workflow_id).describe();
      expect(d.status.name).toBe('RUNNING');
    }

    const before = await rowCounts(stack.db.pool, RECORDS);
    const again = await dryRun(stack.db.pool, file, stack.clock());
    expect({ ready: again.ready.length, alreadyImported: again.alreadyImported }).toEqual({
      ready: 0,
      alreadyImported: 3,
    });
    expect(await commitImport(deps(), team.admin, again, stack.clock())).toEqual({
      imported: 0,
      skipped: 3,
      failed: [],
    });
    expect(await rowCounts(stack.db.pool, RECORDS)).toEqual(before);
  });

  it('when a row names a client already on record (names and birth date) without a case in the program, then that client gets the case, not a duplicate', async () => {
    const { team, row } = await setting();
    const clientId = (
      await stack.db.pool.query<{ id: string }>(
        `INSERT INTO clients (given_name, family_name, birth_date) VALUES ('Known', 'Person', '1970-05-05') RETURNING id`,
      )
    ).rows[0]!.id;
    const plan = await dryRun(
      stack.db.pool,
      importFile([
        row('E-1', {
          client_given_name: 'known',
          client_family_name: 'PERSON',
          client_birth_date: '1970-05-05',
        }),
      ]),
      stack.clock(),
    );
    expect(plan.ready.map((r) => r.clientId)).toEqual([clientId]);
    expect(await commitImport(deps(), team.admin, plan, stack.clock())).toMatchObject({ imported: 1 });
    const cases = await stack.db.pool.query('SELECT 1 FROM cases WHERE client_id = $1', [clientId]);
    expect(cases.rowCount).toBe(1);
  });

  it('when a run stopped halfway is run again with the same file, then it imports only the rows not yet done', async () => {
    const { team, row } = await setting();
    const file = importFile(['C-1', 'C-2', 'C-3', 'C-4', 'C-5'].map((k) => row(k)));
    const plan = await dryRun(stack.db.pool, file, stack.clock());
    // The first run got through two rows before it stopped.
    expect(
      await commitImport(deps(), team.admin, { ...plan, ready: plan.ready.slice(0, 2) }, stack.clock()),
    ).toEqual({
      imported: 2,
      skipped: 0,
      failed: [],
    });
    // Even a plan read before the stop (rows done since then are found taken) resumes correctly.
    const progress: number[] = [];
    const resumed = await commitImport(deps(), team.admin, plan, stack.clock(), {
      concurrency: 2,
      onProgress: (done) => progress.push(done),
    });
    expect(resumed).toEqual({ imported: 3, skipped: 2, failed: [] });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    const keys = await stack.db.pool.query<{ import_key: string; n: number }>(
      `SELECT ci.import_key, count(*)::int AS n FROM case_imports ci JOIN cases c ON c.id = ci.case_id
        WHERE ci.program_id = $1 GROUP BY ci.import_key ORDER BY 1`,
      [team.programId],
    );
    expect(keys.rows).toEqual(['C-1', 'C-2', 'C-3', 'C-4', 'C-5'].map((k) => ({ import_key: k, n: 1 })));
  });

  it('when the program is deactivated between dry run and commit, then its rows fail with the reason intake gives and nothing of them is written', async () => {
    const { team, row } = await setting();
    const plan = await dryRun(stack.db.pool, importFile([row('D-1'), row('D-2')]), stack.clock());
    await stack.db.pool.query('UPDATE programs SET active = false WHERE id = $1', [team.programId]);
    const report = await commitImport(deps(), team.admin, plan, stack.clock());
    expect(report.imported).toBe(0);
    expect(
      await stack.db.pool.query('SELECT 1 FROM case_imports WHERE program_id = $1', [team.programId]),
    ).toMatchObject({
      rowCount: 0,
    });
    expect(report.failed).toEqual([
      { row: 2, column: 'program', reason: 'inactive' },
      { row: 3, column: 'program', reason: 'inactive' },
    ]);
  });
});

/** What an import writes (the workflows' own projections of earlier cases go on meanwhile). */
const RECORDS = [
  'clients',
  'client_consents',
  'cases',
  'assessments',
  'service_plans',
  'goals',
  'plan_events',
  'referrals',
  'referral_events',
  'case_imports',
  'case_changes',
];

/** Rows in every table (or those named): a dry run must leave each count as it was. */
async function rowCounts(pool: Pool, only?: string[]): Promise<Record<string, number>> {
  const all = async (): Promise<string[]> =>
    (
      await pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
      )
    ).rows.map((r) => r.table_name);
  const tables = only ?? (await all());
  const counts: Record<string, number> = {};
  for (const t of tables)
    counts[t] = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0]!.n;
  return counts;
}
