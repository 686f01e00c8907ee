import { createProjectCaseSchedule } from '../../src/activities/projection';
import type { CaseProjection, ProjectedObligation, ScheduleDecision } from '../../src/activities/types';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createTeam } from '../helpers/fixtures';

/**
 * The projection activity against real PostgreSQL: what the case row and its obligation rows hold
 * after each write, including a stale write, a retry and a workflow that projects no obligations.
 */
describe('the schedule projection: one write of the case row, its obligations and decisions', () => {
  let db: TestDatabase;
  let project: ReturnType<typeof createProjectCaseSchedule>;
  beforeAll(async () => {
    db = await createTestDatabase();
    project = createProjectCaseSchedule({ pool: db.pool });
  });
  afterAll(() => db.drop());

  const obligation = (
    id: string,
    dueAt: string,
    extra: Partial<ProjectedObligation> = {},
  ): ProjectedObligation => ({
    id,
    kind: 'initial_assessment',
    dueAt,
    running: true,
    escalationLevel: 0,
    acknowledged: false,
    ...extra,
  });
  const opened = (obligationId: string): ScheduleDecision => ({
    key: `${obligationId}/opened`,
    obligationId,
    obligationKind: 'initial_assessment',
    what: 'opened',
    detail: 'Opened',
    at: '2027-01-01T09:00:00.000Z',
  });
  const projection = (
    caseId: string,
    version: number,
    extra: Partial<CaseProjection> = {},
  ): CaseProjection => ({
    caseId,
    version,
    status: 'assessment',
    nextDueAt: '2027-01-10T09:00:00.000Z',
    nextDueKind: 'initial_assessment:reminder',
    overdueCount: 0,
    escalationLevel: 0,
    decisions: [],
    obligations: [],
    ...extra,
  });
  const rowOf = async (caseId: string) =>
    (
      await db.pool.query<{
        projection_version: number;
        next_due_kind: string | null;
        overdue_count: number;
        obligations_projected: boolean;
        first_running_due: string | null;
      }>(
        `SELECT projection_version::int AS projection_version, next_due_kind, overdue_count, obligations_projected_at IS NOT NULL AS obligations_projected,
                to_char(first_running_due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') AS first_running_due
           FROM cases WHERE id = $1`,
        [caseId],
      )
    ).rows[0]!;
  const obligationsOf = async (caseId: string) =>
    (
      await db.pool.query<{
        obligation_id: string;
        due_at: Date;
        escalation_level: number;
        assignee_id: string | null;
      }>(
        `SELECT obligation_id, due_at, escalation_level, assignee_id FROM case_obligations WHERE case_id = $1 ORDER BY obligation_id`,
        [caseId],
      )
    ).rows.map((r) => ({ id: r.obligation_id, dueAt: r.due_at.toISOString(), level: r.escalation_level }));
  const decisionKeysOf = async (caseId: string) =>
    (
      await db.pool.query<{ decision_key: string }>(
        'SELECT decision_key FROM schedule_decisions WHERE case_id = $1 ORDER BY decision_key',
        [caseId],
      )
    ).rows.map((r) => r.decision_key);

  it("when a projection names the run's escalation rules, then the case row keeps them, and a later one from a worker that names none leaves them", async () => {
    const team = await createTeam(db.pool);
    const { id } = await createCaseRow(db.pool, team);
    const rulesOf = async () =>
      (
        await db.pool.query<{ escalation_rules: string[] | null }>(
          'SELECT escalation_rules FROM cases WHERE id = $1',
          [id],
        )
      ).rows[0]!.escalation_rules;
    // Never projected by a worker that knows them: read as a run from before every rule.
    expect(await rulesOf()).toBeNull();
    await project(projection(id, 1, { escalationRules: ['passes_doer', 'not_to_doer'] }));
    expect(await rulesOf()).toEqual(['passes_doer', 'not_to_doer']);
    await project(projection(id, 2));
    expect(await rulesOf()).toEqual(['passes_doer', 'not_to_doer']);
  });

  it('when a projection is written, then the case row (with its earliest running due time) and exactly its open obligations are recorded', async () => {
    const team = await createTeam(db.pool);
    const { id } = await createCaseRow(db.pool, team);
    await expect(
      project(
        projection(id, 1, {
          obligations: [
            obligation('initial-assessment', '2027-01-10T09:00:00.000Z'),
            obligation('plan', '2027-01-05T09:00:00.000Z', { kind: 'service_plan' }),
            // Paused (the case on hold): owed, but its clock does not run, so it is never overdue.
            obligation('referral', '2027-01-02T09:00:00.000Z', { kind: 'referral_response', running: false }),
          ],
        }),
      ),
    ).resolves.toEqual({ found: true });
    expect(await rowOf(id)).toEqual({
      projection_version: 1,
      next_due_kind: 'initial_assessment:reminder',
      overdue_count: 0,
      obligations_projected: true,
      first_running_due: '2027-01-05T09:00Z',
    });
    expect(await obligationsOf(id)).toEqual([
      { id: 'initial-assessment', dueAt: '2027-01-10T09:00:00.000Z', level: 0 },
      { id: 'plan', dueAt: '2027-01-05T09:00:00.000Z', level: 0 },
      { id: 'referral', dueAt: '2027-01-02T09:00:00.000Z', level: 0 },
    ]);
  });

  it('when the next projection drops one obligation and changes another, then the rows follow it exactly', async () => {
    const team = await createTeam(db.pool);
    const { id } = await createCaseRow(db.pool, team);
    await project(
      projection(id, 1, {
        obligations: [
          obligation('a', '2027-01-10T09:00:00.000Z'),
          obligation('b', '2027-01-11T09:00:00.000Z'),
        ],
      }),
    );
    await project(
      projection(id, 2, {
        overdueCount: 1,
        obligations: [
          obligation('b', '2027-01-11T09:00:00.000Z', { escalationLevel: 1 }),
          obligation('c', '2027-01-12T09:00:00.000Z'),
        ],
      }),
    );
    expect(await rowOf(id)).toMatchObject({ overdue_count: 1, first_running_due: '2027-01-11T09:00Z' });
    expect(await obligationsOf(id)).toEqual([
      { id: 'b', dueAt: '2027-01-11T09:00:00.000Z', level: 1 },
      { id: 'c', dueAt: '2027-01-12T09:00:00.000Z', level: 0 },
    ]);
  });

  it('when nothing is owed any more, then every obligation row goes', async () => {
    const team = await createTeam(db.pool);
    const { id } = await createCaseRow(db.pool, team);
    await project(projection(id, 1, { obligations: [obligation('a', '2027-01-10T09:00:00.000Z')] }));
    await project(
      projection(id, 2, { status: 'closed', nextDueAt: null, nextDueKind: null, obligations: [] }),
    );
    expect(await obligationsOf(id)).toEqual([]);
    expect((await rowOf(id)).first_running_due).toBeNull();
  });

  it('when an older projection arrives after a newer one, then it changes nothing but its decisions are still recorded once', async () => {
    const team = await createTeam(db.pool);
    const { id } = await createCaseRow(db.pool, team);
    await project(projection(id, 5, { obligations: [obligation('new', '2027-02-01T09:00:00.000Z')] }));
    const decision = opened('old');
    const stale = projection(id, 4, {
      nextDueKind: 'stale:reminder',
      obligations: [obligation('old', '2027-01-02T09:00:00.000Z')],
      decisions: [decision],
    });
    await expect(project(stale)).resolves.toEqual({ found: true });
    // The activity retried: the decision is not doubled.
    await project(stale);
    expect((await rowOf(id)).projection_version).toBe(5);
    expect((await rowOf(id)).next_due_kind).toBe('initial_assessment:reminder');
    expect((await rowOf(id)).first_running_due).toBe('2027-02-01T09:00Z');
    expect(await obligationsOf(id)).toEqual([{ id: 'new', dueAt: '2027-02-01T09:00:00.000Z', level: 0 }]);
    expect(await decisionKeysOf(id)).toEqual(['old/opened']);
  });

  it('when a workflow projects no obligations (before they were projected), then the rows and their time stay as they were', async () => {
    const team = await createTeam(db.pool);
    const { id } = await createCaseRow(db.pool, team);
    await project(projection(id, 1, { obligations: [obligation('a', '2027-01-10T09:00:00.000Z')] }));
    const { obligations: _none, ...withoutObligations } = projection(id, 2, { overdueCount: 2 });
    await project(withoutObligations);
    expect(await rowOf(id)).toMatchObject({
      projection_version: 2,
      overdue_count: 2,
      obligations_projected: true,
      first_running_due: '2027-01-10T09:00Z',
    });
    expect(await obligationsOf(id)).toEqual([{ id: 'a', dueAt: '2027-01-10T09:00:00.000Z', level: 0 }]);

    const fresh = await createCaseRow(db.pool, team);
    const { obligations: _none2, ...first } = projection(fresh.id, 1);
    await project(first);
    expect(await rowOf(fresh.id)).toMatchObject({ obligations_projected: false, first_running_due: null });
  });

  it('when the case row does not exist (intake not committed), then nothing is written and it says so', async () => {
    const missing = '00000000-0000-4000-8000-00000000abcd';
    await expect(
      project(
        projection(missing, 1, {
          obligations: [obligation('a', '2027-01-10T09:00:00.000Z')],
          decisions: [opened('a')],
        }),
      ),
    ).resolves.toEqual({ found: false });
    expect(await obligationsOf(missing)).toEqual([]);
    expect(await decisionKeysOf(missing)).toEqual([]);
  });
});
