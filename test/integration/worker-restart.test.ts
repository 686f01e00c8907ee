import { caseSteps } from '../helpers/case-steps';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createTeam } from '../helpers/fixtures';
import { header, sentMail } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Exactly once across worker restarts: a fresh worker has no cached workflow state, replays each
 * case from its history and must neither resend what went out nor drop what is due. Here every
 * task replays (no cache), and the worker is replaced twice on top.
 */
describe('worker restarts in the middle of a ladder', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('worker-restart-test', { replayEveryTask: true });
  });
  afterAll(() => stack?.stop());

  it('when the worker is replaced twice mid-ladder, then every reminder and escalation still leaves exactly once, on time', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId } = await caseSteps(api).intake(team);

    await skipTo(env, t0 + 15 * DAY);
    await stack.restartWorker();
    await skipTo(env, t0 + 21 * DAY + HOUR); // the escalation went out; restart right after it
    await stack.restartWorker();
    await skipTo(env, t0 + 23 * DAY + HOUR);

    // The same story as an uninterrupted run (case-clocks.test.ts), message for message.
    expect(sentMail(smtp, caseId, t0).map((m) => `${m.when} ${m.to}`)).toEqual([
      `d11 Fri 10:00 ${team.caseManager.email}`,
      `d14 Mon 10:00 ${team.caseManager.email}`,
      `d17 Thu 10:00 ${team.caseManager.email}`,
      `d21 Mon 08:00 ${team.supervisor.email}`,
      `d21 Mon 08:00 ${team.caseManager.email}`,
      `d23 Wed 08:00 ${team.programManager.email}`,
      `d23 Wed 10:00 ${team.caseManager.email}`,
    ]);
    const keys = smtp.messages
      .map((m) => header(m, 'x-caseloop-notification-key'))
      .filter((k) => k.includes(caseId));
    expect(new Set(keys).size).toBe(keys.length);
    const log = await db.pool.query<{ status: string; n: string }>(
      'SELECT status, count(*) AS n FROM notifications WHERE case_id = $1 GROUP BY status',
      [caseId],
    );
    expect(log.rows).toEqual([{ status: 'sent', n: '7' }]);
  });
});
