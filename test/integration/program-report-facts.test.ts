import type { Pool } from 'pg';
import { programReport, type TimingFigure } from '../../src/domain/program-report';
import { createProgram, createStaff, type StaffFixture } from '../helpers/fixtures';
import { createTestDatabase, type TestDatabase } from '../helpers/db';

/**
 * The report's two durations are read from facts kept as records are written (case_timing_facts,
 * maintained by triggers). These tests write records in awkward orders — a backdated assessment
 * after a later one, a reopening that moves the intake, a case moved to another program, a bulk
 * load — and check after each step that the report equals the same figures computed from the raw
 * rows, by the queries the report ran before the facts existed.
 */
describe('Program report timings kept as facts', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: StaffFixture;
  let cm: StaffFixture;
  let supervisor: StaffFixture;
  let programId: string;
  let otherProgramId: string;
  const t = (iso: string): Date => new Date(iso);

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool;
    admin = await createStaff(pool, 'admin');
    supervisor = await createStaff(pool, 'supervisor');
    cm = await createStaff(pool, 'case_manager', { supervisorId: supervisor.id });
    programId = await createProgram(pool, { timeZone: 'America/New_York' });
    otherProgramId = await createProgram(pool, { timeZone: 'America/New_York' });
  });
  afterAll(() => db?.drop());

  /** The report's timing figures as they were computed from the raw rows (before the facts). */
  async function fromRawRows(program: string, from: Date, to: Date): Promise<TimingFigure[]> {
    const p = [program, from, to];
    const intake = await pool.query<{ count: number; p: number[] | null }>(
      `SELECT count(*)::int AS count,
              percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
                ORDER BY extract(epoch FROM d.completed_at - d.intake_at)::float8 / 86400) AS p
         FROM (
           SELECT a.completed_at, a.previous_at,
                  CASE WHEN c.opened_at <= a.completed_at THEN c.opened_at
                       ELSE (SELECT max(e.opened_at) FROM case_episodes e
                              WHERE e.case_id = a.case_id AND e.opened_at <= a.completed_at) END AS intake_at
             FROM (SELECT case_id, completed_at,
                          lag(completed_at) OVER (PARTITION BY case_id ORDER BY completed_at, id) AS previous_at
                     FROM assessments WHERE kind = 'initial' AND completed_at < $3) a
             JOIN cases c ON c.id = a.case_id
            WHERE c.program_id = $1 AND a.completed_at >= $2
         ) d
        WHERE d.intake_at IS NOT NULL AND (d.previous_at IS NULL OR d.previous_at < d.intake_at)`,
      p,
    );
    const planned = await pool.query<{ count: number; p: number[] | null }>(
      `SELECT count(*)::int AS count,
              percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (
                ORDER BY extract(epoch FROM pe.at - a.completed_at)::float8 / 86400) AS p
         FROM (SELECT case_id, at, lag(at) OVER (PARTITION BY case_id ORDER BY at, id) AS previous_at
                 FROM plan_events WHERE what = 'approved' AND at < $3) pe
         JOIN (SELECT case_id, completed_at,
                      lead(completed_at) OVER (PARTITION BY case_id ORDER BY completed_at, id) AS next_at
                 FROM assessments WHERE kind = 'initial' AND completed_at < $3) a
           ON a.case_id = pe.case_id AND a.completed_at <= pe.at AND (a.next_at IS NULL OR a.next_at > pe.at)
         JOIN cases c ON c.id = pe.case_id
        WHERE c.program_id = $1 AND pe.at >= $2 AND (pe.previous_at IS NULL OR pe.previous_at < a.completed_at)`,
      p,
    );
    const figure = (
      measure: TimingFigure['measure'],
      row: { count: number; p: number[] | null },
    ): TimingFigure => ({
      measure,
      count: row.count,
      medianDays: row.count ? Number(row.p![0]) : null,
      p90Days: row.count ? Number(row.p![1]) : null,
    });
    return [
      figure('intake_to_initial_assessment', intake.rows[0]!),
      figure('initial_assessment_to_approved_plan', planned.rows[0]!),
    ];
  }

  const RANGES = [
    { from: '2025-01-01', to: '2026-12-31' },
    { from: '2026-01-01', to: '2026-01-31' },
    { from: '2026-02-01', to: '2026-06-30' },
  ];

  /** For every program and range: the report's figures are the raw rows' figures. */
  async function expectReportEqualsRawRows(): Promise<void> {
    for (const program of [programId, otherProgramId])
      for (const range of RANGES) {
        const report = await programReport(pool, admin, program, range, t('2026-12-31T12:00:00Z'));
        const raw = await fromRawRows(program, t(report.range.fromInstant), t(report.range.toInstant));
        expect(report.timings).toEqual(raw);
      }
  }

  async function newCase(program: string, openedAt: string): Promise<string> {
    const clientId = (
      await pool.query<{ id: string }>(
        `INSERT INTO clients (given_name, family_name) VALUES ('Ida', 'Marsh') RETURNING id`,
      )
    ).rows[0]!.id;
    return (
      await pool.query<{ id: string }>(
        `INSERT INTO cases (client_id, program_id, case_manager_id, supervisor_id, status, opened_at)
         VALUES ($1, $2, $3, $4, 'active', $5) RETURNING id`,
        [clientId, program, cm.id, supervisor.id, t(openedAt)],
      )
    ).rows[0]!.id;
  }
  const assess = (caseId: string, at: string) =>
    pool.query(
      `INSERT INTO assessments (case_id, kind, completed_by, completed_at) VALUES ($1, 'initial', $2, $3)`,
      [caseId, cm.id, t(at)],
    );
  let version = 0;
  async function approve(caseId: string, at: string): Promise<void> {
    const planId = (
      await pool.query<{ id: string }>(
        `INSERT INTO service_plans (case_id, version, status, created_by) VALUES ($1, $2, 'approved', $3) RETURNING id`,
        [caseId, ++version, cm.id],
      )
    ).rows[0]!.id;
    await pool.query(
      `INSERT INTO plan_events (plan_id, case_id, what, at, actor_id) VALUES ($1, $2, 'approved', $3, $4)`,
      [planId, caseId, t(at), supervisor.id],
    );
  }
  const facts = async (caseId: string) =>
    (
      await pool.query<{ measure: string; at: Date; days: number }>(
        'SELECT measure, at, days FROM case_timing_facts WHERE case_id = $1 ORDER BY measure, at',
        [caseId],
      )
    ).rows;

  it('when an intake, its assessment and its plan approval are recorded, then one fact of each is kept with its duration', async () => {
    const id = await newCase(programId, '2026-01-05T15:00:00Z');
    await assess(id, '2026-01-08T15:00:00Z');
    await approve(id, '2026-01-18T15:00:00Z');
    expect(await facts(id)).toEqual([
      { measure: 'initial_assessment_to_approved_plan', at: t('2026-01-18T15:00:00Z'), days: 10 },
      { measure: 'intake_to_initial_assessment', at: t('2026-01-08T15:00:00Z'), days: 3 },
    ]);
    await expectReportEqualsRawRows();
  });

  it('when an earlier initial assessment is recorded after a later one, then the first of the episode is the earlier one', async () => {
    const id = await newCase(programId, '2026-01-10T15:00:00Z');
    await assess(id, '2026-01-20T15:00:00Z');
    await approve(id, '2026-01-25T15:00:00Z');
    await assess(id, '2026-01-12T15:00:00Z'); // backdated
    expect((await facts(id)).filter((f) => f.measure === 'intake_to_initial_assessment')).toEqual([
      { measure: 'intake_to_initial_assessment', at: t('2026-01-12T15:00:00Z'), days: 2 },
    ]);
    await expectReportEqualsRawRows();
  });

  it('when a closed case is reopened (an episode written, the intake moved), then the new episode counts from its own intake', async () => {
    const id = await newCase(programId, '2026-01-02T15:00:00Z');
    await assess(id, '2026-01-04T15:00:00Z');
    await pool.query(
      `INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason)
       VALUES ($1, 1, $2, $3, 'goals_met')`,
      [id, t('2026-01-02T15:00:00Z'), t('2026-02-01T15:00:00Z')],
    );
    await pool.query('UPDATE cases SET opened_at = $2, reopen_count = 1 WHERE id = $1', [
      id,
      t('2026-03-01T15:00:00Z'),
    ]);
    await assess(id, '2026-03-06T15:00:00Z');
    await approve(id, '2026-03-16T15:00:00Z');
    expect((await facts(id)).map((f) => [f.measure, f.days])).toEqual([
      ['initial_assessment_to_approved_plan', 10],
      ['intake_to_initial_assessment', 2],
      ['intake_to_initial_assessment', 5],
    ]);
    await expectReportEqualsRawRows();
  });

  it('when a case moves to another program, then its facts count there', async () => {
    const id = await newCase(programId, '2026-01-15T15:00:00Z');
    await assess(id, '2026-01-16T15:00:00Z');
    await pool.query('UPDATE cases SET program_id = $2 WHERE id = $1', [id, otherProgramId]);
    expect(
      (await pool.query('SELECT DISTINCT program_id FROM case_timing_facts WHERE case_id = $1', [id])).rows,
    ).toEqual([{ program_id: otherProgramId }]);
    await expectReportEqualsRawRows();
  });

  it('when many cases are loaded in single statements, then the facts of all of them are kept', async () => {
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        newCase(
          i % 3 ? programId : otherProgramId,
          `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00Z`,
        ),
      ),
    );
    await pool.query(
      `INSERT INTO assessments (case_id, kind, completed_by, completed_at)
       SELECT c.id, 'initial', $2, c.opened_at + ((n % 9) || ' days')::interval + (n || ' hours')::interval
         FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n) JOIN cases c ON c.id = u.id`,
      [ids, cm.id],
    );
    await expectReportEqualsRawRows();
    expect(
      Number(
        (await pool.query('SELECT count(*) FROM case_timing_facts WHERE case_id = ANY($1::uuid[])', [ids]))
          .rows[0].count,
      ),
    ).toBe(30);
  });
});
