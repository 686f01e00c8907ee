import type { ScheduledStep } from '../../src/core/case-contract';
import { caseFactsQuery, scheduleQuery } from '../../src/workflows/messages';
import { DAY, skipTo, startOn, when } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { sentMail } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('on hold pauses every clock', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('hold-resume-test');
  });
  afterAll(() => stack?.stop());

  it('when a case is on hold from day 10 to day 20, then the reminders due meanwhile are not sent and the deadline moves from day 14 to day 24', async () => {
    const { api, env, smtp, db } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await caseSteps(api).intake(team);
    const handle = env.client.workflow.getHandle(`case-${caseId}`);
    const cm = team.caseManager.token;
    const planned = (steps: ScheduledStep[] | undefined, before: number) =>
      (steps ?? [])
        .filter((s) => Date.parse(s.at) < before)
        .map((s) => `${when(Date.parse(s.at), t0)} ${s.step} to ${s.to}`);

    await skipTo(env, t0 + 10 * DAY);
    // Without the hold, three reminders would leave inside the window.
    const running = await handle.query(scheduleQuery);
    expect(running.status).toBe('assessment');
    expect(planned(running.upcoming, t0 + 20 * DAY)).toEqual([
      'd11 Fri 10:00 heads_up to case_manager',
      'd14 Mon 10:00 due to case_manager',
      'd17 Thu 10:00 overdue to case_manager',
    ]);

    const held = await api.call('POST', `${base}/hold`, cm, { reason: 'Client in hospital' });
    expect(held).toMatchObject({ status: 200, body: { schedule: { status: 'on_hold', upcoming: [] } } });
    await skipTo(env, t0 + 20 * DAY);
    // Still on hold when the window closes, with nothing planned: so the silence is the hold's doing.
    expect(await handle.query(caseFactsQuery)).toMatchObject({ status: 'on_hold', onHold: true });
    expect(await handle.query(scheduleQuery)).toMatchObject({ status: 'on_hold', upcoming: [] });
    expect(sentMail(smtp, caseId, t0)).toEqual([]);

    const resumed = await api.call('POST', `${base}/resume`, cm);
    expect(resumed.status).toBe(200);
    const shift = Date.parse(resumed.body.schedule.obligations[0].dueAt) - 14 * DAY - t0;
    // Measured on the workflow's clock, which the test server moves forward in big steps.
    expect(Math.abs(shift - 10 * DAY)).toBeLessThan(60_000);

    await skipTo(env, t0 + 25 * DAY);
    expect(sentMail(smtp, caseId, t0).map(({ to, when: at, subject }) => ({ to, at, subject }))).toEqual([
      {
        to: team.caseManager.email,
        at: expect.stringMatching(/^d21 Mon /),
        subject: expect.stringMatching(/^Initial assessment due \w{3}, /),
      },
      {
        to: team.caseManager.email,
        at: expect.stringMatching(/^d24 Thu /),
        subject: 'Initial assessment due now',
      },
    ]);
  });
});
