import { scheduleQuery } from '../../src/workflows/messages';
import { DAY, HOUR, skipTo, startOn, when } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createStaff, createTeam } from '../helpers/fixtures';
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
    const { caseId, base } = await caseSteps(api).intake(team);
    const handle = env.client.workflow.getHandle(`case-${caseId}`);
    const toProgramManager = async () =>
      ((await handle.query(scheduleQuery)).upcoming ?? [])
        .filter((s) => s.step === 'escalate_program_manager')
        .map((s) => `${when(Date.parse(s.at), t0)} to ${s.to}`);
    // Default policy, opened on a Monday: due on day 14, escalated to the supervisor on the morning of
    // day 21 (after two overdue reminders), to the program manager two business days later.
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const mine = await api.call('GET', '/api/v1/escalations', team.supervisor.token);
    expect(mine.body.items).toEqual([expect.objectContaining({ caseId, level: 1, acknowledgedAt: null })]);
    // Unacknowledged, it would go on to the program manager on day 23.
    expect(await toProgramManager()).toEqual(['d23 Wed 08:00 to program_manager']);
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

    expect(await toProgramManager()).toEqual([]);

    await skipTo(env, t0 + 31 * DAY);
    expect(smtp.messages.filter((m) => m.to.includes(team.programManager.email))).toEqual([]);
    const view = await api.call('GET', base, team.supervisor.token);
    expect(view.body.openEscalations).toEqual([]);
    const timeline = await api.call('GET', `${base}/timeline`, team.supervisor.token);
    expect(timeline.body.items.map((i: any) => i.kind)).toEqual(
      expect.arrayContaining(['escalation.raised', 'escalation.acknowledged', 'notification.sent']),
    );
  });

  it('when the case is handed to a new supervisor while an escalation waits, then the new supervisor is told by email and finds it among their escalations, no longer the old one’s, and acknowledges it', async () => {
    const { api, env, db } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await caseSteps(api).intake(team);
    // Escalated to the supervisor on the morning of day 21, as above.
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const waiting = await api.call('GET', '/api/v1/escalations', team.supervisor.token);
    expect(waiting.body.items).toEqual([expect.objectContaining({ caseId, level: 1, acknowledgedAt: null })]);

    const newSupervisor = await createStaff(db.pool, 'supervisor');
    const newCaseManager = await createStaff(db.pool, 'case_manager', { supervisorId: newSupervisor.id });
    const handed = await api.call('POST', `${base}/reassign`, team.programManager.token, {
      caseManagerId: newCaseManager.id,
    });
    expect(handed.body).toMatchObject({ supervisorId: newSupervisor.id });

    expect((await api.call('GET', '/api/v1/escalations', team.supervisor.token)).body.items).toEqual([]);
    // Told by email, with their own acknowledgement link, once.
    await skipTo(env, t0 + 21 * DAY + 2 * HOUR);
    const told = stack.smtp.messages.filter((m) => m.to.includes(newSupervisor.email));
    expect(told.map((m) => m.subject)).toEqual([
      expect.stringMatching(/^Escalation handed to you: initial assessment overdue — case C-\d+$/),
    ]);
    expect(told[0]!.text).toMatch(new RegExp(`/ack/[\\w.-]+`));
    expect(told[0]!.text).toContain(`/cases/${caseId}`);
    const theirs = await api.call('GET', '/api/v1/escalations', newSupervisor.token);
    expect(theirs.body.items).toEqual([expect.objectContaining({ id: waiting.body.items[0].id, caseId })]);
    const ack = await api.call(
      'POST',
      `/api/v1/escalations/${waiting.body.items[0].id}/acknowledge`,
      newSupervisor.token,
    );
    expect(ack).toMatchObject({ status: 200, body: { acknowledgedBy: newSupervisor.id } });
  });
});
