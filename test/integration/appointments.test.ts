import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { caseSteps, type CaseSteps } from '../helpers/case-steps';
import { parseInvite } from '../helpers/calendar';
import { createStaff, createTeam } from '../helpers/fixtures';
import { caseMessages, sentMail } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Appointments over weeks on the time-skipping server, through the real API and a real SMTP
 * catcher: invitations (parsed back with ical.js), their update and cancellation, the reminders
 * before, attendance owed after, and a no-show's re-engagement climbing the ladder. Every scenario
 * starts on a Monday at 10:00 UTC ("d8 Tue 10:00" is 8 days later).
 */
describe('appointments (time-skipping, real API, real SMTP)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('appointments-test');
  });
  afterAll(() => stack?.stop());

  let steps: CaseSteps;
  beforeAll(() => {
    steps = caseSteps(stack.api);
  });

  const at = (ms: number): string => new Date(ms).toISOString();
  const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

  it('when an appointment is scheduled, changed and missed, then invitations, reminders, attendance and re-engagement go to exactly the right people', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const outreach = await createStaff(db.pool, 'case_manager', { supervisorId: team.supervisor.id });
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base, reference } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    await steps.approvedPlan(base, team, isoDay(t0 + 300 * DAY));

    // d1: an appointment on Thursday 14:00 with the case manager and the supervisor.
    await skipTo(env, t0 + DAY);
    const scheduled = await api.call('POST', `${base}/appointments`, team.caseManager.token, {
      startsAt: at(t0 + 3 * DAY + 4 * HOUR + 30_000),
      durationMinutes: 60,
      mode: 'in_person',
      location: 'Harbour Street office, room 2',
      attendeeIds: [team.caseManager.id, team.supervisor.id],
    });
    expect(scheduled.status).toBe(201);
    expect(scheduled.body).toMatchObject({ sequence: 0, status: 'scheduled', durationMinutes: 60 });
    const appointmentId = scheduled.body.id as string;

    // d2: moved to Friday 15:00 for 90 minutes, and the outreach worker goes instead of the supervisor.
    await skipTo(env, t0 + 2 * DAY);
    const changed = await api.call('PATCH', `${base}/appointments/${appointmentId}`, team.caseManager.token, {
      startsAt: at(t0 + 4 * DAY + 5 * HOUR + 30_000),
      durationMinutes: 90,
      attendeeIds: [team.caseManager.id, outreach.id],
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ sequence: 1, status: 'scheduled' });

    // d8: nobody recorded attendance; the case manager records the no-show.
    await skipTo(env, t0 + 8 * DAY);
    const noShow = await api.call(
      'POST',
      `${base}/appointments/${appointmentId}/attendance`,
      team.caseManager.token,
      { attendance: 'no_show' },
    );
    expect(noShow.status).toBe(200);
    await skipTo(env, t0 + 22 * DAY);

    const mail = sentMail(smtp, caseId, t0).map((m) => `${m.when} ${m.to} ${m.subject}`);
    console.log(mail.join('\n'));

    const invites = caseMessages(smtp, caseId)
      .filter((m) => m.attachments.some((a) => a.contentType === 'text/calendar'))
      .map((m) => ({ to: m.to[0], ...parseInvite(m) }));
    console.log(JSON.stringify(invites, null, 1));
  });
});
