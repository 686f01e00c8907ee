import { createTeam } from '../helpers/fixtures';
import { caseSteps } from '../helpers/case-steps';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Case detail reads the schedule the workflow recorded (the case row, its open obligations with their
 * clocks, the decisions), so it costs one database read whatever the worker caches; `?live=true`
 * asks the workflow.
 */
describe('case detail from the recorded schedule', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack('case-detail-projection');
  });
  afterAll(() => stack?.stop());

  const get = (path: string, token: string) => stack.api.call('GET', path, token);
  /**
   * The schedule without what only the workflow knows: `projected` (its query's own flag), and of a
   * met obligation its subject and the steps it sent (the record keeps when and why it was met).
   */
  const comparable = (s: { obligations: Record<string, unknown>[] } & Record<string, unknown>) => {
    const { projected: _projected, obligations, ...rest } = s;
    return {
      ...rest,
      obligations: obligations.map((o) => {
        if (!o.metAt) return o;
        const { subjectId: _subject, sent: _sent, ...met } = o;
        return met;
      }),
    };
  };

  it('when the workflow has recorded a case with met and open obligations, then the detail answers what the live query answers', async () => {
    const team = await createTeam(stack.db.pool);
    const steps = caseSteps(stack.api);
    const { caseId, base } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    await steps.approvedPlan(base, team, '2031-06-30');
    await settle(stack, caseId);

    const recorded = await get(base, team.caseManager.token);
    const live = await get(`${base}?live=true`, team.caseManager.token);
    expect(recorded.status).toBe(200);
    expect(live.status).toBe(200);
    expect(live.body.schedule.projected).toBe(true);
    expect(recorded.body.schedule.projected).toBeUndefined();
    expect(recorded.body.schedule.obligations.some((o: { metAt?: string }) => o.metAt)).toBe(true);
    expect(recorded.body.schedule.next).toBeDefined();
    expect(comparable(recorded.body.schedule)).toEqual(comparable(live.body.schedule));
    const { schedule: _a, ...recordedCase } = recorded.body;
    const { schedule: _b, ...liveCase } = live.body;
    expect(recordedCase).toEqual(liveCase);
  });

  it('when no worker is running, then the detail still answers from the record at once, and only ?live=true reports the schedule unavailable', async () => {
    const team = await createTeam(stack.db.pool);
    const steps = caseSteps(stack.api);
    const { caseId, base } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    await settle(stack, caseId);
    const before = (await get(base, team.caseManager.token)).body;

    // Asserted after the worker is back, so a failure never leaves the stack without one.
    let recorded: Awaited<ReturnType<typeof get>> | undefined;
    let recordedMs = 0;
    let live: Awaited<ReturnType<typeof get>> | undefined;
    await stack.restartWorker(async () => {
      const started = Date.now();
      recorded = await get(base, team.caseManager.token);
      recordedMs = Date.now() - started;
      live = await get(`${base}?live=true`, team.caseManager.token);
    });
    expect(recorded!.status).toBe(200);
    expect(recorded!.body.scheduleError).toBeUndefined();
    expect(recorded!.body.schedule).toEqual(before.schedule);
    expect(recordedMs).toBeLessThan(2_000);
    expect(live!.status).toBe(200);
    expect(live!.body.schedule).toBeNull();
    expect(live!.body.scheduleError).toMatch(/Live schedule unavailable/);
  });

  it('when the recorded schedule differs from the workflow, then the detail shows the record and ?live=true the workflow', async () => {
    const team = await createTeam(stack.db.pool);
    const steps = caseSteps(stack.api);
    const { caseId, base } = await steps.intake(team);
    await settle(stack, caseId);
    await stack.db.pool.query(
      `UPDATE case_obligations SET due_at = '2040-01-01T00:00:00Z' WHERE case_id = $1 AND obligation_kind = 'initial_assessment'`,
      [caseId],
    );
    const due = async (path: string) =>
      (await get(path, team.caseManager.token)).body.schedule.obligations.find(
        (o: { kind: string }) => o.kind === 'initial_assessment',
      ).dueAt;
    expect(await due(base)).toBe('2040-01-01T00:00:00.000Z');
    expect(await due(`${base}?live=true`)).not.toBe('2040-01-01T00:00:00.000Z');
  });

  it('when the record has an open obligation without its clock (as the intake look writes it), then the detail asks the workflow and still shows the next step', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId, base } = await caseSteps(stack.api).intake(team);
    await settle(stack, caseId);
    const live = await get(`${base}?live=true`, team.caseManager.token);
    expect(live.body.schedule.next).toBeDefined();
    // The state between the intake look and the workflow's first projection: obligations, no clocks.
    await stack.db.pool.query(`UPDATE case_obligations SET clock = NULL WHERE case_id = $1`, [caseId]);

    const shown = await get(base, team.caseManager.token);
    expect(shown.body.schedule.projected).toBe(true);
    expect(shown.body.schedule.next).toEqual(live.body.schedule.next);
  });

  it('when live is neither true nor false, then the request is refused with a clear 400', async () => {
    const team = await createTeam(stack.db.pool);
    const { base } = await caseSteps(stack.api).intake(team);
    const res = await get(`${base}?live=yes`, team.caseManager.token);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/live/);
  });
});
