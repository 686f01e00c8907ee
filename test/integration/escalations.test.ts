import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('escalations: raised by the workflow, acknowledged through the API', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('escalations-test');
  });
  afterAll(() => stack?.stop());

  it('when the supervisor acknowledges an escalation, then the program manager is never told and the case shows it acknowledged', async () => {
    const { api, env, smtp, db } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const opened = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Ana', familyName: 'Lima' },
    });
    // Default policy, opened on a Monday: due on day 14, escalated to the supervisor on the morning of
    // day 21 (after two overdue reminders), to the program manager two business days later.
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const mine = await api.call('GET', '/api/v1/escalations', team.supervisor.token);
    expect(mine.body.items).toEqual([
      expect.objectContaining({ caseId: opened.body.id, level: 1, acknowledgedAt: null }),
    ]);
    expect((await api.call('GET', '/api/v1/escalations', team.caseManager.token)).body.items).toEqual([]);

    const escalationId = mine.body.items[0].id;
    expect(
      (await api.call('POST', `/api/v1/escalations/${escalationId}/acknowledge`, team.caseManager.token))
        .status,
    ).toBe(404);
    const ack = await api.call(
      'POST',
      `/api/v1/escalations/${escalationId}/acknowledge`,
      team.supervisor.token,
    );
    expect(ack).toMatchObject({ status: 200, body: { acknowledgedBy: team.supervisor.id } });
    expect(
      (await api.call('POST', `/api/v1/escalations/${escalationId}/acknowledge`, team.supervisor.token))
        .status,
    ).toBe(409);

    await skipTo(env, t0 + 31 * DAY);
    const toProgramManager = smtp.messages.filter((m) => m.to.includes(team.programManager.email));
    expect(toProgramManager).toEqual([]);
    const view = await api.call('GET', `/api/v1/cases/${opened.body.id}`, team.supervisor.token);
    expect(view.body.openEscalations).toEqual([]);
    const timeline = await api.call('GET', `/api/v1/cases/${opened.body.id}/timeline`, team.supervisor.token);
    expect(timeline.body.items.map((i: any) => i.kind)).toEqual(
      expect.arrayContaining(['escalation.raised', 'escalation.acknowledged', 'notification.sent']),
    );
  });
});
