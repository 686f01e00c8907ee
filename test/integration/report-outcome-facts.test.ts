import fc from 'fast-check';
import { Client, type Pool } from 'pg';
import type { ProgramReach } from '../../src/domain/program-reach';
import { programReport } from '../../src/domain/program-report';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createProgram, createProvider, createStaff, type StaffFixture } from '../helpers/fixtures';

/**
 * The program report reads goal outcomes and referral answers from facts that triggers keep as
 * records are written (goal_outcome_facts, referral_answer_facts). Whatever order records arrive in
 * (backdated, several in one transaction, two writers at once), the report must say what the records
 * themselves say: each figure is checked against the rule computed straight from the records.
 */
describe('Program report facts kept as records are written', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: StaffFixture;
  let supervisor: StaffFixture;
  let cm: StaffFixture;
  let providers: string[];
  const NOW = new Date('2026-06-01T12:00:00Z');
  const FINAL = ['achieved', 'not_achieved', 'dropped'] as const;
  const STATUSES = ['not_started', 'in_progress', ...FINAL] as const;
  const ANSWERS = ['sent', 'accepted', 'scheduled', 'declined', 'completed', 'no_show'] as const;
  const REACHES: ProgramReach[] = ['by_case', 'by_time'];

  /** Day d of 2026 (from 1 January) at the given hour, UTC: the program's zone is UTC. */
  const at = (d: number, hour: number): Date => new Date(Date.UTC(2026, 0, 1 + d, hour));
  const day = (d: number): string => at(d, 0).toISOString().slice(0, 10);

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = db.pool;
    admin = await createStaff(pool, 'admin');
    supervisor = await createStaff(pool, 'supervisor');
    cm = await createStaff(pool, 'case_manager', { supervisorId: supervisor.id });
    providers = [(await createProvider(pool)).id, (await createProvider(pool)).id];
  });
  afterAll(() => db?.drop());

  /** A program with one case and an approved plan; a fresh one per property run keeps the figures apart. */
  async function programWithPlan(): Promise<{ programId: string; caseId: string; planId: string }> {
    const programId = await createProgram(pool);
    const clientId = (
      await pool.query<{ id: string }>(
        `INSERT INTO clients (given_name, family_name) VALUES ('Ines', 'Varga') RETURNING id`,
      )
    ).rows[0]!.id;
    const caseId = (
      await pool.query<{ id: string }>(
        `INSERT INTO cases (client_id, program_id, case_manager_id, supervisor_id, status, opened_at)
         VALUES ($1, $2, $3, $4, 'active', $5) RETURNING id`,
        [clientId, programId, cm.id, supervisor.id, at(0, 9)],
      )
    ).rows[0]!.id;
    const planId = (
      await pool.query<{ id: string }>(
        `INSERT INTO service_plans (case_id, version, status, created_by) VALUES ($1, 1, 'approved', $2) RETURNING id`,
        [caseId, cm.id],
      )
    ).rows[0]!.id;
    return { programId, caseId, planId };
  }

  async function newGoal(planId: string): Promise<string> {
    return (
      await pool.query<{ id: string }>(
        `INSERT INTO goals (plan_id, domain, description, measure, target_date)
         VALUES ($1, 'housing', 'Stable housing', 'lease', '2026-12-01') RETURNING id`,
        [planId],
      )
    ).rows[0]!.id;
  }

  /** The rule from the records themselves: each goal's latest records before the end (ties all count). */
  async function goalOutcomesFromRecords(programId: string, from: Date, to: Date) {
    return (
      await pool.query<{ achieved: number; not_achieved: number; dropped: number }>(
        `SELECT count(*) FILTER (WHERE l.achieved)::int AS achieved,
                count(*) FILTER (WHERE l.not_achieved)::int AS not_achieved,
                count(*) FILTER (WHERE l.dropped)::int AS dropped
           FROM (SELECT goal_id, bool_or(status = 'achieved') AS achieved,
                        bool_or(status = 'not_achieved') AS not_achieved, bool_or(status = 'dropped') AS dropped
                   FROM (SELECT gp.goal_id, gp.status, gp.at,
                                rank() OVER (PARTITION BY gp.goal_id ORDER BY gp.at DESC, gp.created_at DESC) AS n
                           FROM goal_progress gp
                           JOIN goals g ON g.id = gp.goal_id
                           JOIN service_plans sp ON sp.id = g.plan_id
                           JOIN cases c ON c.id = sp.case_id
                          WHERE c.program_id = $1 AND gp.at < $3) r
                  WHERE r.n = 1 AND r.at >= $2 AND r.status IN ('achieved', 'not_achieved', 'dropped')
                  GROUP BY goal_id) l`,
        [programId, from, to],
      )
    ).rows[0]!;
  }

  const reportOf = (programId: string, from: number, to: number, reach: ProgramReach) =>
    programReport(pool, admin, programId, { from: day(from), to: day(to) }, NOW, { reach });

  /** One progress record: its day and hour (few hours, so times tie), status and transaction. */
  const record = fc.record({
    d: fc.integer({ min: 0, max: 40 }),
    hour: fc.constantFrom(9, 15),
    status: fc.constantFrom(...STATUSES),
    batch: fc.integer({ min: 0, max: 3 }),
  });

  it('when progress records arrive in any order, several to a transaction, then each goal counts by its latest records before the range ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(record, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        async (goals, a, b) => {
          const { programId, planId } = await programWithPlan();
          const writes: { goalId: string; d: number; hour: number; status: string; batch: number }[] = [];
          for (const records of goals) {
            const goalId = await newGoal(planId);
            for (const r of records) writes.push({ goalId, ...r });
          }
          // A batch is one transaction (its records share created_at); batches go in their own
          // order, so later transactions often carry older records (backdated entries).
          for (const batch of [3, 1, 0, 2]) {
            const inBatch = writes.filter((w) => w.batch === batch);
            if (inBatch.length === 0) continue;
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              for (const w of inBatch)
                await client.query(
                  'INSERT INTO goal_progress (goal_id, at, status, recorded_by) VALUES ($1, $2, $3, $4)',
                  [w.goalId, at(w.d, w.hour), w.status, cm.id],
                );
              await client.query('COMMIT');
            } finally {
              client.release();
            }
          }
          const [from, to] = a <= b ? [a, b] : [b, a];
          const expected = await goalOutcomesFromRecords(programId, at(from, 0), at(to + 1, 0));
          for (const reach of REACHES) {
            const r = await reportOf(programId, from, to, reach);
            expect(r.goals).toEqual({
              achieved: expected.achieved,
              notAchieved: expected.not_achieved,
              dropped: expected.dropped,
            });
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('when a backdated record lands before an achievement, then a range ending after both no longer counts the goal', async () => {
    const { programId, planId } = await programWithPlan();
    const goalId = await newGoal(planId);
    const progress = (d: number, status: string) =>
      pool.query('INSERT INTO goal_progress (goal_id, at, status, recorded_by) VALUES ($1, $2, $3, $4)', [
        goalId,
        at(d, 9),
        status,
        cm.id,
      ]);
    await progress(20, 'achieved');
    expect((await reportOf(programId, 0, 30, 'by_time')).goals.achieved).toBe(1);
    // Entered afterwards but dated day 25: the goal was back in progress before January ended.
    await progress(25, 'in_progress');
    for (const reach of REACHES) {
      expect((await reportOf(programId, 0, 30, reach)).goals.achieved).toBe(0);
      // A range ending before the setback still sees the achievement.
      expect((await reportOf(programId, 0, 22, reach)).goals.achieved).toBe(1);
    }
  });

  it('when two people record progress on one goal at the same moment, then neither record is lost from the facts', async () => {
    const { programId, planId } = await programWithPlan();
    const goalId = await newGoal(planId);
    const first = new Client({ connectionString: db.url });
    const second = new Client({ connectionString: db.url });
    await first.connect();
    await second.connect();
    try {
      const insert = (c: Client, d: number, status: string) =>
        c.query('INSERT INTO goal_progress (goal_id, at, status, recorded_by) VALUES ($1, $2, $3, $4)', [
          goalId,
          at(d, 9),
          status,
          cm.id,
        ]);
      await first.query('BEGIN');
      await second.query('BEGIN');
      // The achievement first, its setback in a second transaction still open beside it.
      await insert(first, 10, 'achieved');
      const setback = insert(second, 12, 'in_progress');
      await new Promise((r) => setTimeout(r, 200));
      await first.query('COMMIT');
      await setback;
      await second.query('COMMIT');
    } finally {
      await first.end();
      await second.end();
    }
    const expected = await goalOutcomesFromRecords(programId, at(0, 0), at(31, 0));
    expect(expected.achieved).toBe(0);
    for (const reach of REACHES) expect((await reportOf(programId, 0, 30, reach)).goals.achieved).toBe(0);
  });

  it('when a case moves to another program, then its goals and referrals are reported under the new one', async () => {
    const { programId, caseId, planId } = await programWithPlan();
    const goalId = await newGoal(planId);
    await pool.query('INSERT INTO goal_progress (goal_id, at, status, recorded_by) VALUES ($1, $2, $3, $4)', [
      goalId,
      at(10, 9),
      'achieved',
      cm.id,
    ]);
    const referralId = (
      await pool.query<{ id: string }>(
        `INSERT INTO referrals (case_id, provider_id, service, reason, sent_at, created_by)
         VALUES ($1, $2, 'housing', 'needs a home', $3, $4) RETURNING id`,
        [caseId, providers[0], at(5, 9), cm.id],
      )
    ).rows[0]!.id;
    await pool.query(
      'INSERT INTO referral_events (referral_id, status, at, reported_by) VALUES ($1, $2, $3, $4)',
      [referralId, 'accepted', at(7, 9), cm.id],
    );
    const target = await createProgram(pool);
    // Moving a case is the owner's repair (the application never does it), hence the owner's connection.
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    try {
      await owner.query('UPDATE cases SET program_id = $2 WHERE id = $1', [caseId, target]);
    } finally {
      await owner.end();
    }
    for (const reach of REACHES) {
      const before = await reportOf(programId, 0, 30, reach);
      expect(before.goals.achieved).toBe(0);
      expect(before.referrals).toEqual([]);
      const after = await reportOf(target, 0, 30, reach);
      expect(after.goals.achieved).toBe(1);
      expect(after.referrals.map((r) => [r.sent, r.accepted])).toEqual([[1, 1]]);
    }
  });

  it('when provider answers arrive in any order, then each referral counts as its answers say', async () => {
    /** Each referral: its sending day and provider, and its answers (status and day after sending). */
    const referral = fc.record({
      sent: fc.integer({ min: 0, max: 40 }),
      provider: fc.integer({ min: 0, max: 1 }),
      answers: fc.array(
        fc.record({ status: fc.constantFrom(...ANSWERS), after: fc.integer({ min: 0, max: 30 }) }),
        { maxLength: 4 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(referral, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        async (referrals, a, b) => {
          const { programId, caseId } = await programWithPlan();
          const events: { id: string; status: string; at: Date }[] = [];
          for (const r of referrals) {
            const id = (
              await pool.query<{ id: string }>(
                `INSERT INTO referrals (case_id, provider_id, service, reason, sent_at, created_by)
                 VALUES ($1, $2, 'housing', 'needs a home', $3, $4) RETURNING id`,
                [caseId, providers[r.provider], at(r.sent, 9), cm.id],
              )
            ).rows[0]!.id;
            for (const e of r.answers) events.push({ id, status: e.status, at: at(r.sent + e.after, 15) });
          }
          // Newest answers first: each earlier one arrives after a later one is already kept.
          for (const e of [...events].reverse())
            await pool.query(
              'INSERT INTO referral_events (referral_id, status, at, reported_by) VALUES ($1, $2, $3, $4)',
              [e.id, e.status, e.at, cm.id],
            );
          const [from, to] = a <= b ? [a, b] : [b, a];
          const expected = (
            await pool.query<{
              provider_id: string;
              sent: number;
              accepted: number;
              completed: number;
              answered: number;
              median_days: number | null;
            }>(
              `SELECT r.provider_id, count(*)::int AS sent,
                      count(*) FILTER (WHERE ev.accepted)::int AS accepted,
                      count(*) FILTER (WHERE ev.completed)::int AS completed,
                      count(ev.first_answer_at)::int AS answered,
                      percentile_cont(0.5) WITHIN GROUP (
                        ORDER BY extract(epoch FROM ev.first_answer_at - r.sent_at)::float8 / 86400) AS median_days
                 FROM referrals r
                 JOIN cases c ON c.id = r.case_id
                 CROSS JOIN LATERAL (
                   SELECT bool_or(e.status IN ('accepted', 'scheduled', 'completed', 'no_show')) AS accepted,
                          bool_or(e.status = 'completed') AS completed, min(e.at) AS first_answer_at
                     FROM referral_events e
                    WHERE e.referral_id = r.id
                      AND e.status IN ('accepted', 'scheduled', 'declined', 'completed', 'no_show')) ev
                WHERE c.program_id = $1 AND r.sent_at >= $2 AND r.sent_at < $3
                GROUP BY r.provider_id`,
              [programId, at(from, 0), at(to + 1, 0)],
            )
          ).rows;
          for (const reach of REACHES) {
            const report = await reportOf(programId, from, to, reach);
            const got = report.referrals.map((p) => ({
              provider_id: p.providerId,
              sent: p.sent,
              accepted: p.accepted,
              completed: p.completed,
              answered: p.answered,
              median_days: p.medianDaysToFirstAnswer,
            }));
            const byProvider = (x: { provider_id: string }, y: { provider_id: string }) =>
              x.provider_id.localeCompare(y.provider_id);
            expect(got.sort(byProvider)).toEqual(expected.sort(byProvider));
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
