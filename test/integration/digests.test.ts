import { createDigestActivities } from '../../src/activities/digests';
import { createMailer } from '../../src/notifications/mailer';
import { ensureStaffDigests, STAFF_DIGESTS_WORKFLOW_ID } from '../../src/temporal/staff-digests';
import { runDigestsNowSignal } from '../../src/workflows/messages';
import { caseSteps } from '../helpers/case-steps';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createProgram, createStaff, createTeam } from '../helpers/fixtures';
import { header } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Daily and team digests, built on Temporal: the staffDigests workflow wakes at 08:00 in each
 * staff member's zone and runs a digest round. Time-skipping server, real API, real SMTP.
 */
describe('digests: fewer, better emails', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('digests-test');
    await ensureStaffDigests(stack.env.client, stack.taskQueue);
  });
  afterAll(() => stack?.stop());

  const to = (email: string) => stack.smtp.messages.filter((m) => m.to.includes(email));

  it('when a case manager chooses a daily digest, then reminders wait for 08:00 on a weekday, most urgent first, while escalations still go at once', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const changed = await api.call('PATCH', `/api/v1/staff/${team.caseManager.id}`, team.caseManager.token, {
      notificationPreference: 'daily_digest',
    });
    expect(changed.status).toBe(200);
    const { caseId } = await caseSteps(api).intake(team);
    const second = await caseSteps(api).intake(team);

    // Heads-ups on Friday d11 10:00 wait for Monday's digest, the due reminders (d14 10:00) for
    // Tuesday's, the first overdue ones (d17 10:00) for Friday's; nothing on the weekend.
    await skipTo(env, t0 + 20 * DAY);
    const digests = to(team.caseManager.email);
    const subjects = digests.map((m) => m.subject);
    expect(subjects.every((s) => s.startsWith('Your Caseloop digest for '))).toBe(true);
    expect(digests.map((m) => header(m, 'x-caseloop-notification-key'))).toEqual([
      `digest/${team.caseManager.id}/${day(t0 + 14 * DAY)}`,
      `digest/${team.caseManager.id}/${day(t0 + 15 * DAY)}`,
      `digest/${team.caseManager.id}/${day(t0 + 18 * DAY)}`,
    ]);
    const monday = digests[0]!;
    expect(monday.subject).toBe(`Your Caseloop digest for ${day(t0 + 14 * DAY)}: 2 reminders`);
    // One line per obligation, where it stands at the digest's time, in the reader's zone.
    expect(monday.text).toMatch(/- Initial assessment — C-\d+ — due Mon \d+ \w{3}, \d\d:\d\d UTC http/);
    // Each line links to where the reminder's work is done: here, the assessment form.
    expect(monday.text).toContain(`/cases/${caseId}/assessments/new`);
    expect(monday.text).toContain(`/cases/${second.caseId}/assessments/new`);
    expect(monday.text).not.toMatch(/Jordan|Rivera/);
    // The due reminders left at 10:00 Monday: by Tuesday's digest the work is overdue.
    expect(
      digests[1]!.text.match(/- Initial assessment — C-\d+ — overdue since Mon \d+ \w{3} http/g),
    ).toHaveLength(2);
    expect(
      digests[2]!.text.match(/- Initial assessment — C-\d+ — overdue since Mon \d+ \w{3} http/g),
    ).toHaveLength(2);

    // Escalations never wait: on day 21 the supervisor hears at 08:00, while the case manager's
    // reminders of that morning wait for the digest a minute later.
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const escalations = to(team.supervisor.email).filter((m) => m.subject.startsWith('Escalation'));
    expect(escalations).toHaveLength(2);
    expect(to(team.caseManager.email).every((m) => m.subject.startsWith('Your Caseloop digest'))).toBe(true);

    // Back to immediate: Monday's digest (08:01) carried the reminders quiet hours held to 08:00;
    // new reminders go at once.
    const back = await api.call('PATCH', `/api/v1/staff/${team.caseManager.id}`, team.caseManager.token, {
      notificationPreference: 'immediate',
    });
    expect(back.status).toBe(200);
    await skipTo(env, t0 + 23 * DAY + HOUR);
    const after = to(team.caseManager.email).slice(digests.length);
    expect(
      after.map((m) => m.subject.replace(/ — case C-\d+$/, '').replace(/\d{4}-\d{2}-\d{2}/, 'DATE')),
    ).toEqual([
      'Your Caseloop digest for DATE: 2 reminders',
      'Initial assessment overdue 9 days',
      'Initial assessment overdue 9 days',
    ]);
  });

  it('when a reminder waits for the digest and meanwhile its work is done or its case handed over, then the digest leaves it out (closed cases too) and the case’s timeline says the email was withdrawn and why', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const newcomer = await createStaff(db.pool, 'case_manager', { supervisorId: team.supervisor.id });
    const t0 = await startOn(env, 'Mon', '10:00');
    expect(
      (
        await api.call('PATCH', `/api/v1/staff/${team.caseManager.id}`, team.caseManager.token, {
          notificationPreference: 'daily_digest',
        })
      ).status,
    ).toBe(200);
    const steps = caseSteps(api);
    const done = await steps.intake(team);
    const handed = await steps.intake(team);
    const still = await steps.intake(team);
    const closed = await steps.intake(team);

    // The heads-ups of Friday d11 10:00 wait for Monday's digest. That Friday afternoon one
    // assessment is recorded and one case goes to a colleague.
    await skipTo(env, t0 + 11 * DAY + 2 * HOUR);
    await steps.assess(done.base, team.caseManager.token);
    const reassigned = await api.call('POST', `${handed.base}/reassign`, team.supervisor.token, {
      caseManagerId: newcomer.id,
    });
    expect(reassigned.status).toBe(200);
    const closure = await api.call('POST', `${closed.base}/closure`, team.caseManager.token, {
      reason: 'client_moved',
      summary: 'Moved out of the area.',
    });
    expect(closure.status).toBe(200);
    const approved = await api.call('POST', `${closed.base}/closure/decision`, team.supervisor.token, {
      decision: 'approved',
    });
    expect(approved.status).toBe(200);
    await skipTo(env, t0 + 14 * DAY + HOUR);

    const monday = to(team.caseManager.email).filter((m) => m.subject.startsWith('Your Caseloop digest'));
    expect(monday.map((m) => m.subject)).toEqual([
      `Your Caseloop digest for ${day(t0 + 14 * DAY)}: 1 reminder`,
    ]);
    expect(monday[0]!.text).toContain(`/cases/${still.caseId}/`);
    expect(monday[0]!.text).not.toContain(`/cases/${done.caseId}/`);
    expect(monday[0]!.text).not.toContain(`/cases/${handed.caseId}/`);
    const withdrawn = async (base: string) =>
      (
        (await api.call('GET', `${base}/timeline`, team.supervisor.token)).body.items as {
          kind: string;
          summary: string;
        }[]
      )
        .filter((i) => i.kind === 'notification.withdrawn')
        .map((i) => i.summary.replace(/^Email "[^"]*" to \S+ /, ''));
    expect(await withdrawn(done.base)).toEqual([
      'withdrawn from the digest: the work was done or is no longer owed',
    ]);
    expect(await withdrawn(handed.base)).toEqual([
      'withdrawn from the digest: the case was handed to someone else',
    ]);
    expect(await withdrawn(closed.base)).toEqual(['withdrawn from the digest: the case was closed']);
    expect(await withdrawn(still.base)).toEqual([]);
  });

  it("when a digest reader's cases span a program with holidays and one without, then each program's lines skip its own holidays, and one obligation's waiting reminders make one line, latest state first", async () => {
    const { env, db, api } = stack;
    // Program A keeps Tuesday to Thursday of the third week (d15-d17) as holidays; program B none.
    const now = await env.currentTimeMs();
    const holidaysFrom = (t0: number) => [15, 16, 17].map((d) => day(t0 + d * DAY));
    const t0Guess = nextMonday(now);
    const team = await createTeam(db.pool, undefined, { holidays: holidaysFrom(t0Guess) });
    const programB = await createProgram(db.pool, { programManagerId: team.programManager.id });
    await db.pool.query(`UPDATE staff SET notification_preference = 'daily_digest' WHERE id = $1`, [
      team.caseManager.id,
    ]);
    const t0 = await startOn(env, 'Mon', '10:00');
    expect(t0).toBe(t0Guess);
    const a = await caseSteps(api).intake(team);
    const b = await caseSteps(api).intake({ ...team, programId: programB });

    await skipTo(env, t0 + 19 * DAY);
    const digests = to(team.caseManager.email).map((m) => ({
      key: header(m, 'x-caseloop-notification-key'),
      subject: m.subject,
      lines: m.text.split('\n').filter((l) => l.startsWith('- ')),
    }));
    const line = (c: { caseId: string; reference: string }, state: string, path = 'assessments/new') =>
      `- Initial assessment — ${c.reference} — ${state} ${api.base}/cases/${c.caseId}/${path}`;
    const due = t0 + 14 * DAY; // Monday 09:59:30 UTC, the minute both reminders left at 10:00
    const mondayDue = `${new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' }).format(due).replace(/,/g, '')}`;
    expect(digests).toEqual([
      // Monday d14: both heads-ups (Friday d11), due later that morning.
      {
        key: `digest/${team.caseManager.id}/${day(t0 + 14 * DAY)}`,
        subject: `Your Caseloop digest for ${day(t0 + 14 * DAY)}: 2 reminders`,
        lines: [line(a, `due ${mondayDue}, 09:59 UTC`), line(b, `due ${mondayDue}, 09:59 UTC`)],
      },
      // Tuesday d15, a holiday of A only: B's due reminder, overdue by now; A's waits.
      {
        key: `digest/${team.caseManager.id}/${day(t0 + 15 * DAY)}`,
        subject: `Your Caseloop digest for ${day(t0 + 15 * DAY)}: 1 reminder`,
        lines: [line(b, `overdue since ${mondayDue}`)],
      },
      // Nothing on Wednesday and Thursday. Friday d18: A's due reminder and its overdue one (held
      // from Thursday, A's holiday, to Friday 08:00) in one line; B's overdue one of Thursday.
      {
        key: `digest/${team.caseManager.id}/${day(t0 + 18 * DAY)}`,
        subject: `Your Caseloop digest for ${day(t0 + 18 * DAY)}: 2 reminders`,
        lines: [line(a, `overdue since ${mondayDue} (2 reminders)`), line(b, `overdue since ${mondayDue}`)],
      },
    ]);
    // The supervisor's team digest lists A's case only on A's working days.
    const teamDigests = to(team.supervisor.email)
      .filter((m) => m.subject.startsWith('Team digest'))
      .map((m) => [m.subject, (m.text.match(/case C-\d+/g) ?? []).sort()]);
    const both = [`case ${a.reference}`, `case ${b.reference}`].sort();
    expect(teamDigests).toEqual([
      [`Team digest for ${day(t0 + 15 * DAY)}: 1 case with overdue work`, [`case ${b.reference}`]],
      [`Team digest for ${day(t0 + 16 * DAY)}: 1 case with overdue work`, [`case ${b.reference}`]],
      [`Team digest for ${day(t0 + 17 * DAY)}: 1 case with overdue work`, [`case ${b.reference}`]],
      [`Team digest for ${day(t0 + 18 * DAY)}: 2 cases with overdue work`, both],
    ]);
  });

  it('when a supervisor has overdue cases in the team, then a team digest groups them by case manager', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    await caseSteps(api).intake(team);
    // Due d14 (Monday 10:00), overdue from then: every weekday round from Tuesday lists it.
    await skipTo(env, t0 + 18 * DAY + HOUR);
    const team1 = to(team.supervisor.email).filter((m) => m.subject.startsWith('Team digest'));
    expect(team1.map((m) => header(m, 'x-caseloop-notification-key'))).toEqual(
      [15, 16, 17, 18].map((d) => `team-digest/${team.supervisor.id}/${day(t0 + d * DAY)}`),
    );
    expect(team1[0]!.subject).toBe(`Team digest for ${day(t0 + 15 * DAY)}: 1 case with overdue work`);
    expect(team1[0]!.text).toContain(`${team.caseManager.fullName}:`);
    expect(team1[0]!.text).toMatch(/case C-\d+: 1 overdue/);
  });

  it('when an admin asks for a digest round now, then queued reminders go out at once, and only once that day', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    await db.pool.query(`UPDATE staff SET notification_preference = 'daily_digest' WHERE id = $1`, [
      team.caseManager.id,
    ]);
    await caseSteps(api).intake(team);
    await skipTo(env, t0 + 11 * DAY + HOUR); // Friday 11:00: the heads-up is queued
    const digestsSoFar = () =>
      to(team.caseManager.email).filter((m) => m.subject.startsWith('Your Caseloop digest')).length;
    expect(digestsSoFar()).toBe(0);

    const handle = env.client.workflow.getHandle(STAFF_DIGESTS_WORKFLOW_ID);
    await handle.signal(runDigestsNowSignal);
    await waitFor(() => digestsSoFar() === 1);
    await handle.signal(runDigestsNowSignal);
    await skipTo(env, t0 + 11 * DAY + 2 * HOUR);
    expect(digestsSoFar()).toBe(1);
  });

  it('when a digest round runs twice for the same instant (a retry), then each digest leaves once', async () => {
    const { db, smtp } = stack;
    const team = await createTeam(db.pool);
    await db.pool.query(`UPDATE staff SET notification_preference = 'daily_digest' WHERE id = $1`, [
      team.caseManager.id,
    ]);
    const { caseId } = await caseSteps(stack.api).intake(team);
    await db.pool.query(
      `INSERT INTO notifications (notification_key, case_id, recipient_id, recipient_email, kind, subject, message_id, status, due_at)
       VALUES ($1, $2, $3, $4, 'initial_assessment:due', 'Initial assessment due now — case C-0', '<x@caseloop>', 'queued_for_digest', now())`,
      [`queued/${caseId}`, caseId, team.caseManager.id, team.caseManager.email],
    );
    const mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    const { sendDueDigests } = createDigestActivities({ pool: db.pool, mailer, publicBaseUrl: 'http://x' });
    const at = '2031-01-07T08:00:00.000Z'; // a Tuesday, 08:00 UTC
    await sendDueDigests(at);
    await sendDueDigests(at);
    mailer.close();
    expect(
      smtp.messages.filter(
        (m) => header(m, 'x-caseloop-notification-key') === `digest/${team.caseManager.id}/2031-01-07`,
      ),
    ).toHaveLength(1);
  });
});

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

async function waitFor(done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The Monday `startOn(env, 'Mon', '10:00')` will choose from `now`: the first at least a day ahead. */
function nextMonday(now: number): number {
  for (let d = 1; d <= 8; d++) {
    const at = new Date(now + d * DAY);
    at.setUTCHours(10, 0, 0, 0);
    if (at.getUTCDay() === 1) return at.getTime() - 30_000;
  }
  throw new Error('unreachable');
}
