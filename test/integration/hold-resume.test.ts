import { DAY, skipTo, startOn } from '../helpers/clock';
import { createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('on hold pauses every clock', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('hold-resume-test');
  });
  afterAll(() => stack?.stop());

  it('when a case is on hold from day 10 to day 20, then nothing is sent meanwhile and the deadline moves from day 14 to day 24', async () => {
    const { api, env, smtp, db } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const opened = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Noor', familyName: 'Haddad' },
    });
    const openedAt = Date.parse(opened.body.openedAt);
    const base = `/api/v1/cases/${opened.body.id}`;

    await skipTo(env, t0 + 10 * DAY);
    expect(
      (await api.call('POST', `${base}/hold`, team.caseManager.token, { reason: 'Client in hospital' }))
        .status,
    ).toBe(200);
    await skipTo(env, t0 + 20 * DAY);
    expect(smtp.messages.filter((m) => m.to.includes(team.caseManager.email))).toEqual([]);
    const resumed = await api.call('POST', `${base}/resume`, team.caseManager.token);
    expect(resumed.status).toBe(200);
    const shift = Date.parse(resumed.body.schedule.obligations[0].dueAt) - 14 * DAY - openedAt;
    // Measured on the workflow's clock, which the test server moves forward in big steps.
    expect(Math.abs(shift - 10 * DAY)).toBeLessThan(60_000);

    await skipTo(env, t0 + 25 * DAY);
    const mine = smtp.messages
      .filter((m) => m.to.includes(team.caseManager.email))
      .map((m) => ({
        day: Math.round((Date.parse(m.headers.get('x-caseloop-scheduled-for') as string) - openedAt) / DAY),
        subject: m.subject.replace(/ — case C-\d+$/, ''),
      }));
    expect(mine).toEqual([
      { day: 21, subject: expect.stringMatching(/^Initial assessment due \w{3}, /) },
      { day: 24, subject: 'Initial assessment due now' },
    ]);
  });
});
