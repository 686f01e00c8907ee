import { DEFAULT_POLICY } from '../../src/domain/policy';
import { DAY, skipTo, startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { sentMail } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('a program policy change reaches running cases', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('policy-change-test');
  });
  afterAll(() => stack?.stop());

  it('when the program shortens the assessment deadline mid-way, then the running case is due on the new date and never on the old one', async () => {
    const { api, env, smtp, db } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await caseSteps(api).intake(team);

    // Thursday of the first week: the new deadline (day 7, a Monday) is still ahead.
    await skipTo(env, t0 + 3 * DAY);
    const changed = await api.call(
      'PUT',
      `/api/v1/programs/${team.programId}/policy`,
      team.programManager.token,
      {
        ...DEFAULT_POLICY,
        initialAssessmentDue: 'P7D',
      },
    );
    expect(changed).toMatchObject({ status: 200, body: { policyVersion: 2 } });
    expect(
      (
        await api.call(
          'PUT',
          `/api/v1/programs/${team.programId}/policy`,
          team.caseManager.token,
          DEFAULT_POLICY,
        )
      ).status,
    ).toBe(403);

    await skipTo(env, t0 + 25 * DAY);
    const mine = sentMail(smtp, caseId, t0)
      .filter((m) => m.to === team.caseManager.email)
      .map(({ when, subject }) => ({ when, subject }));
    expect(mine.slice(0, 3)).toEqual([
      { when: 'd4 Fri 10:00', subject: expect.stringMatching(/^Initial assessment due \w{3}, /) },
      { when: 'd7 Mon 10:00', subject: 'Initial assessment due now' },
      { when: 'd10 Thu 10:00', subject: 'Initial assessment overdue 3 days' },
    ]);
    // The old deadline (day 14) never produces a "due now".
    expect(mine.filter((m) => m.subject === 'Initial assessment due now')).toEqual([
      { when: 'd7 Mon 10:00', subject: 'Initial assessment due now' },
    ]);
    const view = await api.call('GET', base, team.caseManager.token);
    expect(Date.parse(view.body.schedule.obligations[0].dueAt) - Date.parse(view.body.openedAt)).toBe(
      7 * DAY,
    );
  });
});
