import { DAY, HOUR, skipTo, startOn, when } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createStaff, createTeam } from '../helpers/fixtures';
import { caseMessages, scheduledFor } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';
import { formClient, signInCookie } from '../helpers/web-session';
import { scheduleQuery } from '../../src/workflows/messages';

/**
 * A case's clocks follow the people on it: a staff member's new time zone, or a program's new
 * manager, reaches the running cases, so their reminders keep to working hours where they are now
 * and the times in their emails are written in that zone. Time-skipping server, real API, real SMTP.
 */
describe('clocks that follow people (time-skipping, real API, real SMTP)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('clocks-follow-people-test');
  });
  afterAll(() => stack?.stop());

  /** Each email about the case: when it was meant to leave, in the recipient's zone, to whom, what. */
  const mailOf = (caseId: string, from: number, zones: Record<string, { name: string; zone: string }>) =>
    caseMessages(stack.smtp, caseId).map((m) => {
      const who = zones[m.to[0] ?? ''];
      return `${when(scheduledFor(m), from, who?.zone ?? 'UTC')} ${who?.zone ?? '?'} ${who?.name ?? m.to[0]}: ${m.subject.replace(/ — case C-\d+$/, '')}`;
    });

  it('when the case manager, supervisor and program manager change time zone mid-ladder, then each answer says every open case was told, and every later reminder, for two months, keeps to working hours in the new zone, its times written in it', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool); // everyone, and the program, in UTC
    const t0 = await startOn(env, 'Mon', '10:00');
    const steps = caseSteps(api);
    const { caseId } = await steps.intake(team);
    const other = await steps.intake(team);

    await skipTo(env, t0 + DAY);
    // An admin moves the case manager (as from the admin staff page); the other two move themselves.
    const moved = await api.call('PATCH', `/api/v1/staff/${team.caseManager.id}`, team.admin.token, {
      timeZone: 'America/New_York',
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: team.caseManager.id, timeZone: 'America/New_York' });
    expect(moved.body.delivery).toEqual({
      cases: 2,
      pending: 0,
      workflowId: expect.stringMatching(/^fan-out-/),
    });
    for (const [who, zone] of [
      [team.supervisor, 'Asia/Tokyo'],
      [team.programManager, 'America/Los_Angeles'],
    ] as const) {
      const own = await api.call('PATCH', `/api/v1/staff/${who.id}`, who.token, { timeZone: zone });
      expect(own.status).toBe(200);
      expect(own.body.delivery).toMatchObject({ cases: 2, pending: 0 });
    }
    // A change that is not of the time zone tells no case.
    const renamed = await api.call('PATCH', `/api/v1/staff/${team.caseManager.id}`, team.admin.token, {
      fullName: 'Casey Moved',
    });
    expect(renamed.body.delivery).toEqual({ cases: 0, pending: 0 });
    const staged = await db.pool.query(
      `SELECT payload->'event'->>'staffId' AS staff, payload->'event'->>'timeZone' AS zone, count(*)::int AS n
         FROM case_changes WHERE case_id = ANY($1) AND payload->'event'->>'type' = 'time_zone_changed'
          AND delivered_at IS NOT NULL GROUP BY 1, 2 ORDER BY 2`,
      [[caseId, other.caseId]],
    );
    expect(staged.rows).toEqual([
      { staff: team.programManager.id, zone: 'America/Los_Angeles', n: 2 },
      { staff: team.caseManager.id, zone: 'America/New_York', n: 2 },
      { staff: team.supervisor.id, zone: 'Asia/Tokyo', n: 2 },
    ]);

    await skipTo(env, t0 + 24 * DAY);
    const people = {
      [team.caseManager.email]: { name: 'case manager', zone: 'America/New_York' },
      [team.supervisor.email]: { name: 'supervisor', zone: 'Asia/Tokyo' },
      [team.programManager.email]: { name: 'program manager', zone: 'America/Los_Angeles' },
    };
    // The ladder runs on the program's UTC calendar, due d14 10:00 UTC: 05:00 in New York, so each
    // reminder waits for 08:00 there; the supervisor's escalation, due Saturday, waits for Monday
    // 08:00 in Tokyo (Sunday 23:00 UTC), and the program manager's, two business days later
    // (Tuesday 23:00 UTC), is inside working hours in Los Angeles. Before, all three stayed in UTC.
    const due = t0 + 14 * DAY;
    expect(mailOf(caseId, t0, people)).toEqual([
      `d11 Fri 08:00 America/New_York case manager: Initial assessment due ${inZone(due, 'America/New_York')}`,
      'd14 Mon 08:00 America/New_York case manager: Initial assessment due now',
      'd17 Thu 08:00 America/New_York case manager: Initial assessment overdue 3 days',
      'd21 Mon 08:00 Asia/Tokyo supervisor: Escalation: initial assessment overdue 6 days',
      'd21 Mon 08:00 America/New_York case manager: Initial assessment overdue 7 days',
      'd22 Tue 15:00 America/Los_Angeles program manager: Escalation (unacknowledged): initial assessment overdue 8 days',
      'd23 Wed 08:00 America/New_York case manager: Initial assessment overdue 9 days',
    ]);
    // The other case heard the same, at the same times.
    expect(mailOf(other.caseId, t0, people)).toEqual(mailOf(caseId, t0, people));
    // The times inside the emails are in the reader's zone too.
    const [headsUp] = caseMessages(stack.smtp, caseId);
    expect(headsUp!.text).toContain(`is due ${inZone(due, 'America/New_York')}.`);
    const escalation = caseMessages(stack.smtp, caseId).find((m) => m.to.includes(team.supervisor.email));
    expect(escalation!.text).toContain(`overdue since ${inZone(due, 'Asia/Tokyo')}.`);

    // A month on, the obligations opened since keep to the new zones too: the service plan, due 30
    // days after the assessment (Saturday d54, rolled to Monday d56 10:00 UTC).
    const sent = mailOf(caseId, t0, people).length;
    await steps.assess(`/api/v1/cases/${caseId}`, team.caseManager.token);
    await skipTo(env, t0 + 57 * DAY);
    const planDue = t0 + 56 * DAY;
    expect(mailOf(caseId, t0, people).slice(sent)).toEqual([
      `d53 Fri 08:00 America/New_York case manager: Service plan due ${inZone(planDue, 'America/New_York')}`,
      'd56 Mon 08:00 America/New_York case manager: Service plan due now',
    ]);
  });

  it("when a program gets a new manager in another zone (PATCH program), then the answer says every open case was told and the manager's escalation keeps to their working hours", async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId } = await caseSteps(api).intake(team);
    const successor = await createStaff(db.pool, 'program_manager', { timeZone: 'Australia/Sydney' });

    await skipTo(env, t0 + 2 * DAY);
    const handed = await api.call('PATCH', `/api/v1/programs/${team.programId}`, team.admin.token, {
      programManagerId: successor.id,
    });
    expect(handed.status).toBe(200);
    expect(handed.body.delivery).toEqual({
      cases: 1,
      pending: 0,
      workflowId: expect.stringMatching(/^fan-out-/),
    });

    await skipTo(env, t0 + 24 * DAY);
    // Supervisor's escalation d21 Mon 08:00 UTC; two business days later is Wednesday 08:00 UTC,
    // 19:00 in Sydney: it waits for Thursday 08:00 there (Wednesday 21:00 UTC).
    const people = {
      [team.caseManager.email]: { name: 'case manager', zone: 'UTC' },
      [team.supervisor.email]: { name: 'supervisor', zone: 'UTC' },
      [successor.email]: { name: 'new program manager', zone: 'Australia/Sydney' },
    };
    expect(mailOf(caseId, t0, people).slice(3)).toEqual([
      'd21 Mon 08:00 UTC supervisor: Escalation: initial assessment overdue 6 days',
      'd21 Mon 08:00 UTC case manager: Initial assessment overdue 6 days',
      'd23 Wed 10:00 UTC case manager: Initial assessment overdue 9 days',
      'd24 Thu 08:00 Australia/Sydney new program manager: Escalation (unacknowledged): initial assessment overdue 9 days',
    ]);
  });

  it("when an admin changes a case manager's time zone on the admin staff page, then the running case's next reminder moves to working hours in the new zone", async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId } = await caseSteps(api).intake(team);
    const handle = env.client.workflow.getHandle(`case-${caseId}`);
    expect((await handle.query(scheduleQuery)).next).toMatchObject({
      step: 'heads_up',
      at: new Date(t0 + 11 * DAY + 30_000).toISOString(),
    });

    const forms = formClient(api.base, await signInCookie(stack, team.admin));
    const saved = await forms.post(`/admin/staff/${team.caseManager.id}`, {
      fullName: team.caseManager.fullName,
      email: team.caseManager.email,
      role: 'case_manager',
      supervisorId: team.supervisor.id,
      timeZone: 'Asia/Tokyo',
      notificationPreference: 'immediate',
    });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe(`/admin/staff/${team.caseManager.id}?notice=changes-saved`);
    // Friday 10:00 UTC is 19:00 in Tokyo: the heads-up waits for Monday 08:00 there (Sunday 23:00 UTC).
    expect((await handle.query(scheduleQuery)).next).toMatchObject({
      step: 'heads_up',
      at: new Date(t0 + 13 * DAY + 13 * HOUR + 30_000).toISOString(),
    });
    const pending = await db.pool.query(
      'SELECT count(*)::int AS n FROM case_changes WHERE case_id = $1 AND delivered_at IS NULL',
      [caseId],
    );
    expect(pending.rows).toEqual([{ n: 0 }]);
  });

  it("when someone assigned an open task on a case they are not otherwise part of changes time zone, then that case is told too and the task's heads-up waits for their working hours", async () => {
    const { env, db, api, smtp } = stack;
    const team = await createTeam(db.pool); // everyone in UTC
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await caseSteps(api).intake(team);
    // The admin sees every case, so may be given a task on it without being its case manager,
    // supervisor or program manager. Due next Monday 11:00 UTC: heads-up on Friday at 11:00.
    const task = await api.call('POST', `${base}/tasks`, team.caseManager.token, {
      what: 'Check the benefits letter',
      assigneeId: team.admin.id,
      dueAt: new Date(t0 + 7 * DAY + HOUR).toISOString(),
    });
    expect(task.status).toBe(201);

    const moved = await api.call('PATCH', `/api/v1/staff/${team.admin.id}`, team.admin.token, {
      timeZone: 'Asia/Tokyo',
    });
    expect(moved.body.delivery).toMatchObject({ cases: 1, pending: 0 });

    await skipTo(env, t0 + 7 * DAY);
    const toAdmin = caseMessages(smtp, caseId).filter((m) => m.to.includes(team.admin.email));
    // Friday 11:00 UTC is 20:00 in Tokyo: the heads-up waits for Monday 08:00 there.
    expect(toAdmin.map((m) => when(scheduledFor(m), t0, 'Asia/Tokyo'))).toEqual(['d7 Mon 08:00']);
  });
});

/** How the emails write an instant for a reader in `timeZone` ("Mon, 14 Dec 2026, 05:00 GMT-5"). */
function inZone(instant: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  }).format(new Date(instant));
}
