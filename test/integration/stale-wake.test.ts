import { DEMO_MINUTE_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { caseSteps } from '../helpers/case-steps';
import { skipTo } from '../helpers/clock';
import { createTeam } from '../helpers/fixtures';
import { header } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';

/** Heads-up two minutes after intake, due at three, the first overdue reminder five minutes later. */
const POLICY: ProgramPolicy = {
  ...DEMO_MINUTE_POLICY,
  initialAssessmentDue: 'PT3M',
  ladder: { ...DEMO_MINUTE_POLICY.ladder, headsUpBefore: 'PT1M', overdueEvery: 'PT5M' },
};

/**
 * A worker paused across a reminder (SIGSTOP, a VM migration, a long GC) can wake holding workflow
 * tasks whose clock is older than the moment its sends actually run. Here the activities' clock runs
 * 150 s ahead of the server's, so the heads-up's send runs after the due time: the send itself is
 * what notices (test/faults/late-wake.test.ts freezes a real worker process for the same story).
 */
describe('a reminder whose send runs after the next reminder of its obligation fell due', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('stale-wake-test', { activityClockAheadMs: 150_000 });
  });
  afterAll(() => stack?.stop());

  it('when the heads-up send runs past the due time, then nothing leaves for it, the timeline records it as skipped, and the due reminder goes at its time', async () => {
    const team = await createTeam(stack.db.pool, POLICY);
    const { caseId } = await caseSteps(stack.api).intake(team);
    const t0 = await stack.env.currentTimeMs();

    // Reminders leave on whole minutes: the heads-up between 2 and 3 minutes from now, the due one
    // between 3 and 4. Stop short of the heads-up (the activities' clock is read from here: about
    // 4 min 20 s, past the due time, short of the first overdue reminder at 8 or later), then go on.
    await skipTo(stack.env, t0 + 110_000);
    await skipTo(stack.env, t0 + 270_000);

    const steps = stack.smtp.messages
      .filter((m) => header(m, 'x-caseloop-notification-key').includes(caseId))
      .map((m) => [m.to, header(m, 'x-caseloop-notification-key').split('/')[4]]);
    expect(steps).toEqual([[[team.caseManager.email], 'due']]);
    const decisions = await stack.db.pool.query<{ what: string; detail: string }>(
      `SELECT what, detail FROM schedule_decisions WHERE case_id = $1 AND what = 'skipped'`,
      [caseId],
    );
    expect(decisions.rows).toEqual([{ what: 'skipped', detail: 'heads up not sent: superseded by due' }]);
    const logged = await stack.db.pool.query<{ kind: string }>(
      'SELECT kind FROM notifications WHERE case_id = $1 ORDER BY created_at',
      [caseId],
    );
    expect(logged.rows.map((r) => r.kind)).toEqual(['initial_assessment:due']);
  });
});
