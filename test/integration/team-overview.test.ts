import { approvalQueue } from '../../src/domain/approvals';
import { escalationOverview } from '../../src/domain/escalations';
import { teamMember, teamOverview, teamOverviewPage } from '../../src/domain/team';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createProgram, createStaff, type StaffFixture } from '../helpers/fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The supervisor's screens read the schedule the case workflows projected (case_obligations), the
 * escalations, the case notes and the plans and closures waiting; here those rows are written
 * directly with controlled times, so every figure has one right answer.
 */
describe('the team overview, escalations and approvals queue over a seeded team', () => {
  let db: TestDatabase;
  const now = new Date('2026-12-02T12:00:00Z');
  const ago = (ms: number): Date => new Date(now.getTime() - ms);
  const later = (ms: number): Date => new Date(now.getTime() + ms);

  let supervisor: StaffFixture;
  let otherSupervisor: StaffFixture;
  let programManager: StaffFixture;
  let alice: StaffFixture;
  let bob: StaffFixture;
  let carol: StaffFixture;
  let dan: StaffFixture;
  const cases: Record<string, { id: string; reference: string }> = {};
  let planId: string;

  async function obligation(
    caseId: string,
    id: string,
    kind: string,
    dueAt: Date,
    opts: { running?: boolean; subjectId?: string } = {},
  ): Promise<void> {
    await db.pool.query(
      `INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, subject_id, due_at, running)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [caseId, id, kind, opts.subjectId ?? null, dueAt, opts.running ?? true],
    );
  }

  async function escalation(
    caseId: string,
    obligationId: string,
    kind: string,
    recipient: StaffFixture,
    raisedAt: Date,
    opts: { acknowledgedAt?: Date; acknowledgedBy?: string; resolvedAt?: Date; level?: number } = {},
  ): Promise<string> {
    return (
      await db.pool.query<{ id: string }>(
        `INSERT INTO escalations (case_id, obligation_id, obligation_kind, level, recipient_id, due_at, raised_at,
                                  acknowledged_at, acknowledged_by, resolved_at, resolution)
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10) RETURNING id`,
        [
          caseId,
          obligationId,
          kind,
          opts.level ?? 1,
          recipient.id,
          raisedAt,
          opts.acknowledgedAt ?? null,
          opts.acknowledgedBy ?? null,
          opts.resolvedAt ?? null,
          opts.resolvedAt ? 'case closed' : null,
        ],
      )
    ).rows[0]!.id;
  }

  async function note(caseId: string, type: string, at: Date, author: StaffFixture): Promise<void> {
    await db.pool.query(
      'INSERT INTO case_notes (case_id, type, author_id, at, body) VALUES ($1, $2, $3, $4, $5)',
      [caseId, type, author.id, at, 'Spoke with the client.'],
    );
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    const pool = db.pool;
    supervisor = await createStaff(pool, 'supervisor', { name: 'Sam Supervisor' });
    otherSupervisor = await createStaff(pool, 'supervisor', { name: 'Olu Other' });
    programManager = await createStaff(pool, 'program_manager', { name: 'Priya Manager' });
    const otherManager = await createStaff(pool, 'program_manager', { name: 'Pat Elsewhere' });
    alice = await createStaff(pool, 'case_manager', { name: 'Alice Ames', supervisorId: supervisor.id });
    bob = await createStaff(pool, 'case_manager', { name: 'Bob Byrne', supervisorId: supervisor.id });
    dan = await createStaff(pool, 'case_manager', { name: 'Dan Doyle', supervisorId: supervisor.id });
    carol = await createStaff(pool, 'case_manager', { name: 'Carol Chen', supervisorId: otherSupervisor.id });
    const programId = await createProgram(pool, { programManagerId: programManager.id });
    const elsewhere = await createProgram(pool, { programManagerId: otherManager.id });

    const open = (cm: StaffFixture, sup: StaffFixture, program = programId) =>
      createCaseRow(pool, { programId: program, caseManager: cm, supervisor: sup });
    cases.a1 = await open(alice, supervisor);
    cases.a2 = await open(alice, supervisor);
    cases.a3 = await open(alice, supervisor);
    // Supervised by the program manager, not by Sam: Sam may not see it, so it never counts for Sam.
    cases.a4 = await open(alice, programManager);
    cases.b1 = await open(bob, supervisor);
    cases.c1 = await open(carol, otherSupervisor, elsewhere);
    await pool.query(`UPDATE cases SET status = 'closed', closed_at = $2 WHERE id = $1`, [
      cases.a3.id,
      ago(DAY),
    ]);

    // Alice's work: on A1 an initial assessment 5 days overdue, two referral responses overdue by 2
    // days and by an hour, a reassessment due in 3 days.
    await obligation(cases.a1.id, 'initial_assessment', 'initial_assessment', ago(5 * DAY));
    await obligation(cases.a1.id, 'referral_response:r1', 'referral_response', ago(2 * DAY));
    await obligation(cases.a1.id, 'referral_response:r2', 'referral_response', ago(HOUR));
    await obligation(cases.a1.id, 'reassessment', 'reassessment', later(3 * DAY));
    // A2: a service plan whose clock is paused (not owed while paused), a goal target a day overdue.
    await obligation(cases.a2.id, 'service_plan', 'service_plan', ago(3 * DAY), { running: false });
    await obligation(cases.a2.id, 'goal_target:g1', 'goal_target', ago(DAY));
    // A3 is closed: whatever is left on it no longer counts.
    await obligation(cases.a3.id, 'initial_assessment', 'initial_assessment', ago(20 * DAY));
    // A4: overdue for 30 days, visible to the program manager only.
    await obligation(cases.a4.id, 'initial_assessment', 'initial_assessment', ago(30 * DAY));
    // Bob: nothing overdue; Carol: overdue, but on another team.
    await obligation(cases.b1.id, 'initial_assessment', 'initial_assessment', later(DAY));
    await obligation(cases.c1.id, 'initial_assessment', 'initial_assessment', ago(4 * DAY));

    // A plan submitted on A1 three days ago, its approval an hour overdue: Sam's work, not Alice's,
    // so it is in the approvals queue and not in her counts.
    planId = (
      await pool.query<{ id: string }>(
        `INSERT INTO service_plans (case_id, version, status, created_by, submitted_at, submitted_by)
         VALUES ($1, 1, 'submitted', $2, $3, $2) RETURNING id`,
        [cases.a1.id, alice.id, ago(3 * DAY)],
      )
    ).rows[0]!.id;
    await obligation(cases.a1.id, `plan_approval:${planId}`, 'plan_approval', ago(HOUR), {
      subjectId: planId,
    });
    // Bob asked to close B1 a day ago; its approval is due in four days.
    await pool.query(
      `UPDATE cases SET status = 'closing', closure_requested_at = $2, closure_requested_by = $3 WHERE id = $1`,
      [cases.b1.id, ago(DAY), bob.id],
    );
    await obligation(cases.b1.id, 'closure_approval', 'closure_approval', later(4 * DAY));

    // Escalations: one open on A1; one on A2 acknowledged 3 days ago; one on A1 acknowledged 40 days
    // ago (too old to be recent); one open on closed A3; one open on Carol's case.
    await escalation(cases.a1.id, 'initial_assessment', 'initial_assessment', supervisor, ago(2 * DAY));
    await escalation(cases.a2.id, 'goal_target:g1', 'goal_target', supervisor, ago(5 * DAY), {
      acknowledgedAt: ago(3 * DAY),
      acknowledgedBy: supervisor.id,
    });
    await escalation(cases.a1.id, 'referral_response:old', 'referral_response', supervisor, ago(45 * DAY), {
      acknowledgedAt: ago(40 * DAY),
      acknowledgedBy: supervisor.id,
    });
    await escalation(cases.a3.id, 'initial_assessment', 'initial_assessment', supervisor, ago(3 * DAY));
    await escalation(cases.c1.id, 'initial_assessment', 'initial_assessment', otherSupervisor, ago(DAY));

    // Contact: A1 four days ago, A2 two days ago; a progress note on A2 an hour ago is not contact,
    // and a contact on closed A3 an hour ago is not on an open case.
    await note(cases.a1.id, 'contact', ago(4 * DAY), alice);
    await note(cases.a2.id, 'contact', ago(2 * DAY), alice);
    await note(cases.a2.id, 'progress', ago(HOUR), alice);
    await note(cases.a3.id, 'contact', ago(HOUR), alice);
  });
  afterAll(() => db?.drop());

  it("when a supervisor looks at their team, then each case manager's open cases, overdue work by kind, oldest overdue item, open escalations and last contact are exactly the seeded ones", async () => {
    const team = await teamOverview(db.pool, supervisor, now);
    expect(team).toEqual([
      {
        staffId: alice.id,
        fullName: 'Alice Ames',
        openCases: 2,
        overdueByKind: { initial_assessment: 1, referral_response: 2, goal_target: 1 },
        overdueTotal: 4,
        oldestOverdue: {
          obligationKind: 'initial_assessment',
          caseId: cases.a1!.id,
          caseReference: cases.a1!.reference,
          dueAt: ago(5 * DAY).toISOString(),
        },
        openEscalations: 1,
        lastContactAt: ago(2 * DAY).toISOString(),
      },
      {
        staffId: bob.id,
        fullName: 'Bob Byrne',
        openCases: 1,
        overdueByKind: {},
        overdueTotal: 0,
        oldestOverdue: null,
        openEscalations: 0,
        lastContactAt: null,
      },
      {
        staffId: dan.id,
        fullName: 'Dan Doyle',
        openCases: 0,
        overdueByKind: {},
        overdueTotal: 0,
        oldestOverdue: null,
        openEscalations: 0,
        lastContactAt: null,
      },
    ]);
  });

  // Both ways to the records (see ProgramReach): case by case for programs that are a small part
  // of the organisation, by time for those that are most of it.
  it.each(['by_case', 'by_time'] as const)(
    "when the program manager looks (records reached %s), then the team is whoever carries open cases in their programs, counted over the program's cases",
    async (reach) => {
      const team = await teamOverview(db.pool, programManager, now, { reach });
      expect(team.map((m) => m.fullName)).toEqual(['Alice Ames', 'Bob Byrne']);
      expect(team[0]).toMatchObject({
        openCases: 3,
        overdueByKind: { initial_assessment: 2, referral_response: 2, goal_target: 1 },
        overdueTotal: 5,
        oldestOverdue: { caseId: cases.a4!.id, dueAt: ago(30 * DAY).toISOString() },
      });
    },
  );

  it('when the team fills more than a page, then each page holds the next members in the same order with the same figures, and the total counts everyone', async () => {
    const everyone = await teamOverview(db.pool, supervisor, now);
    const first = await teamOverviewPage(db.pool, supervisor, now, { number: 1, size: 2 });
    const second = await teamOverviewPage(db.pool, supervisor, now, { number: 2, size: 2 });
    const past = await teamOverviewPage(db.pool, supervisor, now, { number: 3, size: 2 });
    expect(first).toEqual({ members: everyone.slice(0, 2), total: 3, number: 1, size: 2 });
    expect(second).toEqual({ members: everyone.slice(2), total: 3, number: 2, size: 2 });
    expect(past).toEqual({ members: [], total: 3, number: 3, size: 2 });
    // The program manager's page ranks the same way: Alice (5 overdue) before Bob.
    const pm = await teamOverviewPage(db.pool, programManager, now, { number: 2, size: 1 });
    expect(pm.members.map((m) => [m.fullName, m.openCases])).toEqual([['Bob Byrne', 1]]);
    expect(pm.total).toBe(2);
  });

  it('when the clock moves on, then overdue follows the schedule: an item becomes overdue the moment its due time passes', async () => {
    const team = await teamOverview(db.pool, supervisor, later(3 * DAY + HOUR));
    expect(team.find((m) => m.staffId === alice.id)?.overdueByKind).toEqual({
      initial_assessment: 1,
      referral_response: 2,
      goal_target: 1,
      reassessment: 1,
    });
    expect(team.find((m) => m.staffId === bob.id)?.overdueByKind).toEqual({ initial_assessment: 1 });
  });

  it('when someone off the team is asked for, or a case manager asks, then nothing is shown', async () => {
    await expect(teamMember(db.pool, supervisor, alice.id)).resolves.toMatchObject({
      fullName: 'Alice Ames',
    });
    await expect(teamMember(db.pool, supervisor, carol.id)).rejects.toMatchObject({ status: 404 });
    await expect(teamOverview(db.pool, alice, now)).rejects.toMatchObject({ status: 403 });
    const audited = await db.pool.query(
      `SELECT entity_id FROM audit_log WHERE actor_id = $1 AND detail->>'team' = 'true'`,
      [supervisor.id],
    );
    expect(audited.rows.map((r) => r.entity_id)).toContain(cases.a1!.id);
  });

  it('when the supervisor lists escalations, then open and recently acknowledged ones on their cases show who was told and what happened since', async () => {
    const items = await escalationOverview(db.pool, supervisor, now);
    expect(
      items.map((e) => ({
        case: e.caseReference,
        open: !e.acknowledgedAt && !e.resolvedAt,
        told: e.recipientName,
        ackBy: e.acknowledgedByName,
        since: e.since.state,
        mayAcknowledge: e.mayAcknowledge,
      })),
    ).toEqual([
      // Open first (A3's too: its case closed without resolving it), then the recent one.
      {
        case: cases.a1!.reference,
        open: true,
        told: 'Sam Supervisor',
        ackBy: null,
        since: 'open',
        mayAcknowledge: true,
      },
      {
        case: cases.a3!.reference,
        open: true,
        told: 'Sam Supervisor',
        ackBy: null,
        since: 'open',
        mayAcknowledge: true,
      },
      {
        case: cases.a2!.reference,
        open: false,
        told: 'Sam Supervisor',
        ackBy: 'Sam Supervisor',
        since: 'open',
        mayAcknowledge: false,
      },
    ]);
    const bobs = await escalationOverview(db.pool, supervisor, now, {
      caseManagerId: bob.id,
      openOnly: true,
    });
    expect(bobs).toEqual([]);
    const alices = await escalationOverview(db.pool, supervisor, now, {
      caseManagerId: alice.id,
      openOnly: true,
    });
    expect(alices.map((e) => e.caseReference)).toEqual([cases.a1!.reference, cases.a3!.reference]);
  });

  it('when the supervisor opens the approvals queue, then the submitted plan and the closure request wait oldest first, with the deadlines their schedule holds', async () => {
    const queue = await approvalQueue(db.pool, supervisor, now);
    expect(
      queue.items.map((i) => ({
        kind: i.kind,
        case: i.caseReference,
        waitingSince: i.waitingSince,
        dueAt: i.dueAt,
        overdue: i.overdue,
        by: i.requestedByName,
      })),
    ).toEqual([
      {
        kind: 'plan',
        case: cases.a1!.reference,
        waitingSince: ago(3 * DAY).toISOString(),
        dueAt: ago(HOUR).toISOString(),
        overdue: true,
        by: 'Alice Ames',
      },
      {
        kind: 'closure',
        case: cases.b1!.reference,
        waitingSince: ago(DAY).toISOString(),
        dueAt: later(4 * DAY).toISOString(),
        overdue: false,
        by: 'Bob Byrne',
      },
    ]);
    expect(queue.items[0]!.planId).toBe(planId);
    // The case manager decides nothing; another team's supervisor sees none of it.
    expect((await approvalQueue(db.pool, alice, now)).items).toEqual([]);
    expect((await approvalQueue(db.pool, otherSupervisor, now)).items).toEqual([]);
  });
});
