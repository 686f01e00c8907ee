import type { Pool } from 'pg';
import { ForbiddenError, NotFoundError, ValidationError } from '../../src/core/errors';
import { programReport, type ProgramReport } from '../../src/domain/program-report';
import { createProgram, createProvider, createStaff, type StaffFixture } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInCookie } from '../helpers/web-session';
import { parseCsv } from '../helpers/csv';

/**
 * The program report's figures against a data set seeded straight into PostgreSQL, whose right
 * answers are worked out by hand below. The program runs in New York (UTC-5 in January), so the
 * range "2026-01-01 to 2026-01-31" is [2026-01-01T05:00Z, 2026-02-01T05:00Z).
 */
describe('Program outcomes report', () => {
  let stack: TestStack;
  let pool: Pool;
  let pm: StaffFixture;
  let otherPm: StaffFixture;
  let admin: StaffFixture;
  let supervisor: StaffFixture;
  let cm1: StaffFixture;
  let cm2: StaffFixture;
  let programId: string;
  let otherProgramId: string;
  const NOW = new Date('2026-03-01T12:00:00Z');
  const JANUARY = { from: '2026-01-01', to: '2026-01-31' };

  const t = (iso: string): Date => new Date(iso);

  async function newCase(
    program: string,
    cm: StaffFixture,
    opts: {
      openedAt: string;
      closedAt?: string;
      reason?: string;
      status?: string;
      earlier?: [string, string];
    },
  ): Promise<string> {
    const clientId = (
      await pool.query<{ id: string }>(
        `INSERT INTO clients (given_name, family_name) VALUES ('Rosa', 'Quintero') RETURNING id`,
      )
    ).rows[0]!.id;
    const status = opts.closedAt ? 'closed' : (opts.status ?? 'active');
    const id = (
      await pool.query<{ id: string }>(
        `INSERT INTO cases (client_id, program_id, case_manager_id, supervisor_id, status, opened_at, closed_at,
                            closure_reason, reopen_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [
          clientId,
          program,
          cm.id,
          supervisor.id,
          status,
          t(opts.openedAt),
          opts.closedAt ? t(opts.closedAt) : null,
          opts.reason ?? null,
          opts.earlier ? 1 : 0,
        ],
      )
    ).rows[0]!.id;
    let episode = 1;
    if (opts.earlier) {
      await pool.query(
        `INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason) VALUES ($1, 1, $2, $3, 'Goals met')`,
        [id, t(opts.earlier[0]), t(opts.earlier[1])],
      );
      episode = 2;
    }
    if (opts.closedAt)
      await pool.query(
        `INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason) VALUES ($1, $2, $3, $4, $5)`,
        [id, episode, t(opts.openedAt), t(opts.closedAt), opts.reason ?? null],
      );
    return id;
  }

  const assessment = (caseId: string, at: string, kind = 'initial') =>
    pool.query(
      `INSERT INTO assessments (case_id, kind, completed_by, completed_at) VALUES ($1, $2, $3, $4)`,
      [caseId, kind, cm1.id, t(at)],
    );

  let planVersion = 0;
  async function approval(caseId: string, at: string): Promise<string> {
    const planId = (
      await pool.query<{ id: string }>(
        `INSERT INTO service_plans (case_id, version, status, created_by) VALUES ($1, $2, 'approved', $3) RETURNING id`,
        [caseId, ++planVersion, cm1.id],
      )
    ).rows[0]!.id;
    await pool.query(
      `INSERT INTO plan_events (plan_id, case_id, what, at, actor_id) VALUES ($1, $2, 'approved', $3, $4)`,
      [planId, caseId, t(at), supervisor.id],
    );
    return planId;
  }

  let decision = 0;
  /** A schedule decision as the workflow records it: with the due time it was taken against. */
  const decide = (
    caseId: string,
    obligation: string,
    kind: string,
    what: string,
    detail: string,
    at: string,
    dueAt: string,
  ) =>
    pool.query(
      `INSERT INTO schedule_decisions (case_id, decision_key, obligation_id, obligation_kind, what, detail, occurred_at, due_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [caseId, `${obligation}/${what}/${++decision}`, obligation, kind, what, detail, t(at), t(dueAt)],
    );

  async function goal(planId: string, progress: [string, string][]): Promise<void> {
    const goalId = (
      await pool.query<{ id: string }>(
        `INSERT INTO goals (plan_id, domain, description, measure, target_date) VALUES ($1, 'housing', 'Stable housing', 'lease', '2026-06-01') RETURNING id`,
        [planId],
      )
    ).rows[0]!.id;
    for (const [status, at] of progress)
      await pool.query(
        `INSERT INTO goal_progress (goal_id, at, status, recorded_by) VALUES ($1, $2, $3, $4)`,
        [goalId, t(at), status, cm1.id],
      );
  }

  async function referral(caseId: string, providerId: string, sentAt: string, events: [string, string][]) {
    const id = (
      await pool.query<{ id: string }>(
        `INSERT INTO referrals (case_id, provider_id, service, reason, sent_at, created_by) VALUES ($1, $2, 'housing', 'needs a home', $3, $4) RETURNING id`,
        [caseId, providerId, t(sentAt), cm1.id],
      )
    ).rows[0]!.id;
    await pool.query(
      `INSERT INTO referral_events (referral_id, status, at, reported_by) VALUES ($1, 'sent', $2, $3)`,
      [id, t(sentAt), cm1.id],
    );
    for (const [status, at] of events)
      await pool.query(
        `INSERT INTO referral_events (referral_id, status, at, reported_by) VALUES ($1, $2, $3, $4)`,
        [id, status, t(at), cm1.id],
      );
  }

  let escalationN = 0;
  const escalation = (caseId: string, level: 1 | 2, raisedAt: string, acknowledgedAt?: string) =>
    pool.query(
      `INSERT INTO escalations (case_id, obligation_id, obligation_kind, level, recipient_id, due_at, raised_at, acknowledged_at)
       VALUES ($1, $2, 'initial_assessment', $3, $4, $5, $5, $6)`,
      [
        caseId,
        `o-${++escalationN}`,
        level,
        supervisor.id,
        t(raisedAt),
        acknowledgedAt ? t(acknowledgedAt) : null,
      ],
    );

  const obligation = (caseId: string, kind: string, dueAt: string, running = true) =>
    pool.query(
      `INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, due_at, running) VALUES ($1, $2, $3, $4, $5)`,
      [caseId, `${kind}-${++decision}`, kind, t(dueAt), running],
    );

  let harbor: { id: string };
  let formula: { id: string };

  beforeAll(async () => {
    stack = await startTestStack('program-report-test');
    pool = stack.db.pool;
    pm = await createStaff(pool, 'program_manager', { name: 'Pat Manager' });
    otherPm = await createStaff(pool, 'program_manager');
    admin = await createStaff(pool, 'admin');
    supervisor = await createStaff(pool, 'supervisor');
    cm1 = await createStaff(pool, 'case_manager', { supervisorId: supervisor.id, name: 'Casey One' });
    cm2 = await createStaff(pool, 'case_manager', { supervisorId: supervisor.id, name: 'Casey Two' });
    programId = await createProgram(pool, {
      programManagerId: pm.id,
      timeZone: 'America/New_York',
      name: 'Housing First',
    });
    otherProgramId = await createProgram(pool, {
      programManagerId: otherPm.id,
      timeZone: 'America/New_York',
    });
    harbor = await createProvider(pool, 'Harbor Housing');
    formula = await createProvider(pool, '=cmd|calc');

    // Cases. Opened in January (New York): c1, c2, c4, c6 (late on the 31st there), c7, and c8's
    // second episode = 6. c5 opened at 23:00 on 31 December there: not in January.
    const c1 = await newCase(programId, cm1, { openedAt: '2026-01-02T10:00:00Z' });
    const c2 = await newCase(programId, cm1, {
      openedAt: '2026-01-03T10:00:00Z',
      closedAt: '2026-01-20T10:00:00Z',
      reason: 'Goals met',
    });
    const c3 = await newCase(programId, cm1, {
      openedAt: '2025-12-01T10:00:00Z',
      closedAt: '2026-01-10T10:00:00Z',
      reason: 'Goals met',
    });
    const c4 = await newCase(programId, cm1, {
      openedAt: '2026-01-05T10:00:00Z',
      closedAt: '2026-01-25T10:00:00Z',
      reason: 'Moved in with her sister Ana on Elm St',
    });
    const c5 = await newCase(programId, cm1, { openedAt: '2026-01-01T04:00:00Z' });
    const c6 = await newCase(programId, cm1, { openedAt: '2026-02-01T04:30:00Z', status: 'assessment' });
    const c7 = await newCase(programId, cm2, { openedAt: '2026-01-10T00:00:00Z' });
    const c8 = await newCase(programId, cm1, {
      openedAt: '2026-01-15T12:00:00Z',
      earlier: ['2025-11-01T10:00:00Z', '2025-11-20T10:00:00Z'],
    });

    // Intake → initial assessment, completed in January: 2, 0.5, 4, 10 and 1 days (c8 from its
    // reopening). c7's second initial assessment, c3's (December) and c6's (February) do not count.
    await assessment(c1, '2026-01-04T10:00:00Z');
    await assessment(c2, '2026-01-03T22:00:00Z');
    await assessment(c4, '2026-01-09T10:00:00Z');
    await assessment(c7, '2026-01-20T00:00:00Z');
    await assessment(c7, '2026-01-21T00:00:00Z');
    await assessment(c3, '2025-12-05T10:00:00Z');
    await assessment(c8, '2025-11-02T10:00:00Z');
    await assessment(c8, '2026-01-16T12:00:00Z');
    await assessment(c6, '2026-02-02T00:00:00Z');
    await assessment(c1, '2026-01-25T10:00:00Z', 'reassessment');

    // Initial assessment → first approved plan, approved in January: 3, 1.5, 10 and 28 days. c2's
    // revised plan is not a first approval; c7's is in February.
    const p1 = await approval(c1, '2026-01-07T10:00:00Z');
    const p2 = await approval(c2, '2026-01-05T10:00:00Z');
    await approval(c2, '2026-01-15T10:00:00Z');
    const p4 = await approval(c4, '2026-01-19T10:00:00Z');
    await approval(c3, '2026-01-02T10:00:00Z');
    const p7 = await approval(c7, '2026-02-10T00:00:00Z');

    // On time. Initial assessment: c1 on time; c2 late against its rescheduled due time; c4 late;
    // c5 met in December. Service plan: c1 on time thanks to its reschedule, c7 on time.
    // A reassessment ended by the closure is left out.
    await decide(
      c1,
      'initial-assessment',
      'initial_assessment',
      'opened',
      'initial assessment due 2026-01-16T10:00:00.000Z',
      '2026-01-02T10:00:00Z',
      '2026-01-16T10:00:00.000Z',
    );
    await decide(
      c1,
      'initial-assessment',
      'initial_assessment',
      'met',
      'assessment recorded; 3 pending reminder(s) will not be sent',
      '2026-01-04T10:00:00Z',
      '2026-01-16T10:00:00.000Z',
    );
    await decide(
      c2,
      'initial-assessment',
      'initial_assessment',
      'opened',
      'initial assessment due 2026-01-17T10:00:00.000Z',
      '2026-01-03T10:00:00Z',
      '2026-01-17T10:00:00.000Z',
    );
    await decide(
      c2,
      'initial-assessment',
      'initial_assessment',
      'rescheduled',
      'policy changed: due 2026-01-17T10:00:00.000Z → 2026-01-03T12:00:00.000Z',
      '2026-01-03T11:00:00Z',
      '2026-01-03T12:00:00.000Z',
    );
    await decide(
      c2,
      'initial-assessment',
      'initial_assessment',
      'met',
      'assessment recorded; 0 pending reminder(s) will not be sent',
      '2026-01-03T22:00:00Z',
      '2026-01-03T12:00:00.000Z',
    );
    await decide(
      c4,
      'initial-assessment',
      'initial_assessment',
      'opened',
      'initial assessment due 2026-01-08T10:00:00.000Z',
      '2026-01-05T10:00:00Z',
      '2026-01-08T10:00:00.000Z',
    );
    await decide(
      c4,
      'initial-assessment',
      'initial_assessment',
      'met',
      'assessment recorded; 0 pending reminder(s) will not be sent',
      '2026-01-09T10:00:00Z',
      '2026-01-08T10:00:00.000Z',
    );
    await decide(
      c5,
      'initial-assessment',
      'initial_assessment',
      'opened',
      'initial assessment due 2026-01-14T04:00:00.000Z',
      '2025-12-31T04:00:00Z',
      '2026-01-14T04:00:00.000Z',
    );
    await decide(
      c5,
      'initial-assessment',
      'initial_assessment',
      'met',
      'assessment recorded; 3 pending reminder(s) will not be sent',
      '2025-12-31T10:00:00Z',
      '2026-01-14T04:00:00.000Z',
    );
    await decide(
      c1,
      'service-plan-1',
      'service_plan',
      'opened',
      'service plan due 2026-01-05T10:00:00.000Z',
      '2026-01-04T10:00:00Z',
      '2026-01-05T10:00:00.000Z',
    );
    await decide(
      c1,
      'service-plan-1',
      'service_plan',
      'rescheduled',
      'case on hold: due 2026-01-05T10:00:00.000Z → 2026-01-08T10:00:00.000Z',
      '2026-01-05T09:00:00Z',
      '2026-01-08T10:00:00.000Z',
    );
    await decide(
      c1,
      'service-plan-1',
      'service_plan',
      'met',
      'plan submitted; 2 pending reminder(s) will not be sent',
      '2026-01-07T10:00:00Z',
      '2026-01-08T10:00:00.000Z',
    );
    await decide(
      c7,
      'service-plan-2',
      'service_plan',
      'opened',
      'service plan due 2026-02-19T00:00:00.000Z',
      '2026-01-20T00:00:00Z',
      '2026-02-19T00:00:00.000Z',
    );
    await decide(
      c7,
      'service-plan-2',
      'service_plan',
      'met',
      'plan submitted; 4 pending reminder(s) will not be sent',
      '2026-01-25T00:00:00Z',
      '2026-02-19T00:00:00.000Z',
    );
    await decide(
      c3,
      'reassessment-3',
      'reassessment',
      'opened',
      'reassessment due 2026-01-05T10:00:00.000Z',
      '2025-12-05T10:00:00Z',
      '2026-01-05T10:00:00.000Z',
    );
    await decide(
      c3,
      'reassessment-3',
      'reassessment',
      'met',
      'case closed; 2 pending reminder(s) will not be sent',
      '2026-01-10T10:00:00Z',
      '2026-01-05T10:00:00.000Z',
    );
    // Overdue now (1 March): c6's initial assessment and c1's goal target; c7's paused referral
    // answer and c8's future reassessment are not.
    await obligation(c6, 'initial_assessment', '2026-02-15T05:00:00Z');
    await obligation(c1, 'goal_target', '2026-02-20T05:00:00Z');
    await obligation(c7, 'referral_response', '2026-02-01T05:00:00Z', false);
    await obligation(c8, 'reassessment', '2099-01-01T00:00:00Z');

    // Goals: achieved g1 and g6 (its February change is after the range), not achieved g3, dropped
    // g4; g2 was reopened, g5 achieved in December.
    await goal(p1, [
      ['in_progress', '2026-01-05T10:00:00Z'],
      ['achieved', '2026-01-20T10:00:00Z'],
    ]);
    await goal(p1, [
      ['achieved', '2026-01-10T10:00:00Z'],
      ['in_progress', '2026-01-12T10:00:00Z'],
    ]);
    await goal(p2, [['not_achieved', '2026-01-18T10:00:00Z']]);
    await goal(p4, [['dropped', '2026-01-22T10:00:00Z']]);
    await goal(p4, [['achieved', '2025-12-20T10:00:00Z']]);
    await goal(p7, [
      ['achieved', '2026-01-30T10:00:00Z'],
      ['not_achieved', '2026-02-05T10:00:00Z'],
    ]);

    // Referrals sent in January. Harbor: 4 sent, 2 accepted (r1, r3), 1 completed, first answers
    // after 1.5, 0.5 and 3 days (median 1.5). "=cmd|calc": 1 sent, accepted and completed, 2 days.
    await referral(c1, harbor.id, '2026-01-03T00:00:00Z', [
      ['accepted', '2026-01-04T12:00:00Z'],
      ['completed', '2026-01-20T00:00:00Z'],
    ]);
    await referral(c2, harbor.id, '2026-01-05T00:00:00Z', [['declined', '2026-01-05T12:00:00Z']]);
    await referral(c4, harbor.id, '2026-01-06T00:00:00Z', [
      ['scheduled', '2026-01-09T00:00:00Z'],
      ['no_show', '2026-01-15T00:00:00Z'],
    ]);
    await referral(c7, harbor.id, '2026-01-20T00:00:00Z', []);
    await referral(c1, formula.id, '2026-01-10T12:00:00Z', [
      ['accepted', '2026-01-12T12:00:00Z'],
      ['completed', '2026-01-28T00:00:00Z'],
    ]);
    await referral(c3, harbor.id, '2025-12-15T00:00:00Z', [['accepted', '2025-12-16T00:00:00Z']]);

    // Escalations raised in January. Level 1: 4 raised, 3 acknowledged after 6, 2 and 24 hours
    // (median 6). Level 2: 1 raised, acknowledged after 12 hours. One from December.
    await escalation(c1, 1, '2026-01-10T00:00:00Z', '2026-01-10T06:00:00Z');
    await escalation(c1, 1, '2026-01-11T00:00:00Z', '2026-01-11T02:00:00Z');
    await escalation(c4, 1, '2026-01-12T00:00:00Z');
    await escalation(c7, 1, '2026-01-13T00:00:00Z', '2026-01-14T00:00:00Z');
    await escalation(c7, 2, '2026-01-15T00:00:00Z', '2026-01-15T12:00:00Z');
    await escalation(c3, 1, '2025-12-20T00:00:00Z', '2025-12-20T01:00:00Z');

    // The other program, with something in every figure: none of it may show in Housing First's.
    const b1 = await newCase(otherProgramId, cm1, {
      openedAt: '2026-01-05T10:00:00Z',
      closedAt: '2026-01-06T10:00:00Z',
      reason: 'Goals met',
    });
    const b2 = await newCase(otherProgramId, cm2, { openedAt: '2026-01-05T10:00:00Z' });
    await assessment(b2, '2026-01-06T10:00:00Z');
    const pb = await approval(b2, '2026-01-08T10:00:00Z');
    await goal(pb, [['achieved', '2026-01-09T10:00:00Z']]);
    await decide(
      b2,
      'initial-assessment',
      'initial_assessment',
      'opened',
      'initial assessment due 2026-01-01T10:00:00.000Z',
      '2026-01-05T10:00:00Z',
      '2026-01-01T10:00:00.000Z',
    );
    await decide(
      b2,
      'initial-assessment',
      'initial_assessment',
      'met',
      'assessment recorded; 0 pending reminder(s) will not be sent',
      '2026-01-06T10:00:00Z',
      '2026-01-01T10:00:00.000Z',
    );
    await obligation(b2, 'initial_assessment', '2026-02-01T00:00:00Z');
    await referral(b2, harbor.id, '2026-01-07T00:00:00Z', [['accepted', '2026-01-07T01:00:00Z']]);
    await escalation(b1, 2, '2026-01-06T00:00:00Z', '2026-01-06T01:00:00Z');
  });
  afterAll(() => stack?.stop());

  const provider = (r: ProgramReport, name: string) => r.referrals.find((p) => p.provider === name);

  // Both ways of reaching the records (see ProgramReach) must give the same figures: a small program
  // of a large organisation is read case by case, a program that is most of it by time.
  it.each(['by_case', 'by_time'] as const)(
    'when the program manager reads January (records reached %s), then every figure is the one worked out by hand',
    async (reach) => {
      const r = await programReport(pool, pm, programId, JANUARY, NOW, { reach });

      expect(r.program).toEqual({ id: programId, name: 'Housing First', timeZone: 'America/New_York' });
      expect(r.range).toEqual({
        ...JANUARY,
        fromInstant: '2026-01-01T05:00:00.000Z',
        toInstant: '2026-02-01T05:00:00.000Z',
      });
      expect(r.cases).toEqual({
        opened: 6,
        closed: 3,
        // The hand-written reason is "Other": free text never reaches the report.
        closedByReason: [
          { reason: 'Goals met', count: 2 },
          { reason: 'Other', count: 1 },
        ],
      });

      const [intake, plan] = r.timings;
      expect(intake).toMatchObject({ measure: 'intake_to_initial_assessment', count: 5 });
      // 0.5, 1, 2, 4, 10: median 2; 90th percentile at position 3.6 = 4 + 0.6 × 6.
      expect(intake!.medianDays).toBeCloseTo(2, 9);
      expect(intake!.p90Days).toBeCloseTo(7.6, 9);
      expect(plan).toMatchObject({ measure: 'initial_assessment_to_approved_plan', count: 4 });
      // 1.5, 3, 10, 28: median (3 + 10) / 2; 90th percentile at 2.7 = 10 + 0.7 × 18.
      expect(plan!.medianDays).toBeCloseTo(6.5, 9);
      expect(plan!.p90Days).toBeCloseTo(22.6, 9);

      expect(r.onTime).toEqual([
        { kind: 'initial_assessment', onTime: 1, late: 2, rate: 1 / 3, overdueNow: 1 },
        { kind: 'service_plan', onTime: 2, late: 0, rate: 1, overdueNow: 0 },
        { kind: 'goal_target', onTime: 0, late: 0, rate: null, overdueNow: 1 },
      ]);

      expect(r.goals).toEqual({ achieved: 2, notAchieved: 1, dropped: 1 });

      expect(r.referrals).toHaveLength(2);
      expect(provider(r, 'Harbor Housing')).toEqual({
        providerId: harbor.id,
        provider: 'Harbor Housing',
        sent: 4,
        accepted: 2,
        completed: 1,
        answered: 3,
        acceptanceRate: 0.5,
        completionRate: 0.25,
        medianDaysToFirstAnswer: 1.5,
      });
      expect(provider(r, '=cmd|calc')).toMatchObject({
        sent: 1,
        accepted: 1,
        completed: 1,
        acceptanceRate: 1,
        completionRate: 1,
        medianDaysToFirstAnswer: 2,
      });

      expect(r.escalations).toEqual([
        { level: 1, raised: 4, acknowledged: 3, medianHoursToAcknowledge: 6 },
        { level: 2, raised: 1, acknowledged: 1, medianHoursToAcknowledge: 12 },
      ]);

      // Open now: c1, c5, c6, c8 with Casey One; c7 with Casey Two. The other program's are not here.
      expect(r.caseload).toEqual([
        { caseManagerId: cm1.id, caseManager: 'Casey One', openCases: 4 },
        { caseManagerId: cm2.id, caseManager: 'Casey Two', openCases: 1 },
      ]);
    },
  );

  it('when the range is narrower, then records outside it are left out, its days counted in the program’s time zone', async () => {
    // 10–12 January in New York is [10 Jan 05:00Z, 13 Jan 05:00Z): the escalations raised at 00:00Z
    // on the 11th, 12th and 13th, not the one on the 10th.
    const r = await programReport(pool, pm, programId, { from: '2026-01-10', to: '2026-01-12' }, NOW);
    expect(r.escalations[0]).toEqual({ level: 1, raised: 3, acknowledged: 2, medianHoursToAcknowledge: 13 });
    expect(r.escalations[1]).toMatchObject({ raised: 0, acknowledged: 0, medianHoursToAcknowledge: null });
    // c3 closed on the 10th; nothing opened (c7 opened at 19:00 on the 9th there).
    expect(r.cases).toEqual({ opened: 0, closed: 1, closedByReason: [{ reason: 'Goals met', count: 1 }] });
    expect(r.referrals.map((p) => [p.provider, p.sent])).toEqual([['=cmd|calc', 1]]);
    expect(r.timings.map((x) => x.count)).toEqual([0, 0]);
    expect(r.timings[0]!.medianDays).toBeNull();

    // 31 December there holds c5's intake (04:00Z on 1 January) and its met assessment.
    const eve = await programReport(pool, pm, programId, { from: '2025-12-31', to: '2025-12-31' }, NOW);
    expect(eve.cases.opened).toBe(1);
    expect(eve.onTime.find((o) => o.kind === 'initial_assessment')).toMatchObject({
      onTime: 1,
      late: 0,
      rate: 1,
    });
  });

  it('when the other program’s manager reads it, then only their own figures are there', async () => {
    const r = await programReport(pool, otherPm, otherProgramId, JANUARY, NOW);
    expect(r.cases).toEqual({ opened: 2, closed: 1, closedByReason: [{ reason: 'Goals met', count: 1 }] });
    expect(r.goals).toEqual({ achieved: 1, notAchieved: 0, dropped: 0 });
    expect(r.referrals.map((p) => [p.provider, p.sent, p.accepted])).toEqual([['Harbor Housing', 1, 1]]);
    expect(r.escalations.map((e) => e.raised)).toEqual([0, 1]);
    expect(r.onTime).toEqual([{ kind: 'initial_assessment', onTime: 0, late: 1, rate: 0, overdueNow: 1 }]);
  });

  it('when someone who does not manage the program asks, then they are refused; an admin may read it; reading is audited', async () => {
    await expect(programReport(pool, otherPm, programId, JANUARY, NOW)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(programReport(pool, cm1, programId, JANUARY, NOW)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(programReport(pool, supervisor, programId, JANUARY, NOW)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(
      programReport(pool, pm, '00000000-0000-4000-8000-000000000000', JANUARY, NOW),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      programReport(pool, pm, programId, { from: '2026-02-01', to: '2026-01-01' }, NOW),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      programReport(pool, pm, programId, { from: '2026-02-30', to: '2026-03-01' }, NOW),
    ).rejects.toBeInstanceOf(ValidationError);

    const byAdmin = await programReport(pool, admin, programId, JANUARY, NOW);
    expect(byAdmin.cases.opened).toBe(6);
    const audited = await pool.query<{
      action: string;
      entity_id: string;
      case_id: string | null;
      detail: unknown;
    }>(
      `SELECT action, entity_id, case_id, detail FROM audit_log WHERE actor_id = $1 AND entity = 'program_report'`,
      [admin.id],
    );
    expect(audited.rows).toEqual([{ action: 'read', entity_id: programId, case_id: null, detail: JANUARY }]);
  });

  describe('on the web', () => {
    let cookie: string;
    beforeAll(async () => {
      cookie = await signInCookie(stack, pm);
    });
    const get = (path: string, who = cookie) =>
      fetch(`${stack.api.base}${path}`, { headers: { cookie: who }, redirect: 'manual' });

    it('when the CSV is downloaded, then it holds the same figures, and a provider named like a formula is text', async () => {
      const res = await get(`/programs/${programId}/report.csv?from=2026-01-01&to=2026-01-31`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe(
        'attachment; filename="program-report-2026-01-01-to-2026-01-31.csv"',
      );
      const rows = parseCsv(await res.text());
      expect(rows[0]).toEqual(['section', 'item', 'measure', 'value']);
      const value = (section: string, item: string, measure: string) =>
        rows.find((r) => r[0] === section && r[1] === item && r[2] === measure)?.[3];
      expect(value('cases', '', 'opened')).toBe('6');
      expect(value('closures', 'Other', 'closed')).toBe('1');
      expect(value('timing', 'intake_to_initial_assessment', 'p90_days')).toBe('7.6');
      expect(value('timing', 'initial_assessment_to_approved_plan', 'median_days')).toBe('6.5');
      expect(value('on_time', 'initial_assessment', 'rate')).toBe('0.3333');
      expect(value('goals', '', 'achieved')).toBe('2');
      expect(value('referrals', 'Harbor Housing', 'acceptance_rate')).toBe('0.5');
      expect(value('escalations', 'level 1', 'median_hours_to_acknowledge')).toBe('6');
      expect(value('caseload', 'Casey One', 'open_cases')).toBe('4');
      // The provider "=cmd|calc" is written "'=cmd|calc": a spreadsheet shows it, never runs it.
      expect(rows.filter((r) => r[1]!.includes('cmd')).map((r) => r[1])).toEqual(Array(6).fill("'=cmd|calc"));
      expect(value('referrals', "'=cmd|calc", 'sent')).toBe('1');
    });

    it('when the range is not a range, then the form comes back with the field named, 400', async () => {
      const backwards = await get(`/programs/${programId}/report?from=2026-02-01&to=2026-01-01`);
      expect(backwards.status).toBe(400);
      const page = await backwards.text();
      expect(page).toContain('The last day must be on or after the first day.');
      expect(page).toMatch(/id="f-to"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="f-to"/s);
      const notADate = await get(`/programs/${programId}/report.csv?from=soon&to=2026-01-01`);
      expect(notADate.status).toBe(400);
      expect(await notADate.text()).toContain('Enter the first day as a date');
    });

    it('when a case manager asks for the report or its CSV, then they are refused, and /programs lists nothing for them', async () => {
      const theirs = await signInCookie(stack, cm1);
      expect((await get(`/programs/${programId}/report`, theirs)).status).toBe(403);
      expect((await get(`/programs/${programId}/report.csv`, theirs)).status).toBe(403);
      expect(await (await get('/programs', theirs)).text()).not.toContain('Housing First');
      const mine = await (await get('/programs')).text();
      expect(mine).toContain('Housing First');
      expect(mine).toContain(`/programs/${programId}/policy`);
      expect(mine).not.toContain(`/programs/${otherProgramId}/report`);
    });
  });
});
