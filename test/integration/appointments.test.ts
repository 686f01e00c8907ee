import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { formatWhen } from '../../src/notifications/templates';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { caseSteps, type CaseSteps } from '../helpers/case-steps';
import { parseInvite } from '../helpers/calendar';
import { createStaff, createTeam } from '../helpers/fixtures';
import { caseMessages, header as headerOf, sentMail } from '../helpers/mail-log';
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
  /** An instant as emails write it to a reader in UTC ("Thu, 10 Dec 2026, 14:00 UTC"). */
  const when = (ms: number): string => formatWhen(new Date(ms), 'UTC');
  /** An instant on its minute, as the .ics carries it. */
  const minute = (ms: number): string => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
  const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

  /** An hour-long phone appointment on the case, booked by its case manager (attending alone unless told); its id. */
  const booked = async (
    base: string,
    caseManager: { id: string; token: string },
    startsAt: number,
    attendeeIds = [caseManager.id],
  ): Promise<string> => {
    const made = await stack.api.call('POST', `${base}/appointments`, caseManager.token, {
      startsAt: at(startsAt),
      durationMinutes: 60,
      mode: 'phone',
      location: '555 0100',
      attendeeIds,
    });
    expect(made.status).toBe(201);
    return made.body.id as string;
  };

  it('when an appointment is scheduled, changed and missed, then invitations, reminders, attendance and re-engagement go to exactly the right people', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const outreach = await createStaff(db.pool, 'case_manager', { supervisorId: team.supervisor.id });
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await steps.intake(team);
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

    const cm = team.caseManager.email;
    const thuAt = when(t0 + 3 * DAY + 4 * HOUR + 30_000);
    const friAt = when(t0 + 4 * DAY + 5 * HOUR + 30_000);
    expect(
      sentMail(smtp, caseId, t0)
        .filter((m) => !/^Service plan/.test(m.subject))
        .map((m) => `${m.when} ${m.to} ${m.subject}`),
    ).toEqual([
      // Invitations leave with the change that made them (the API acted at 09:59:30).
      `d1 Tue 09:59 ${cm} Appointment: ${thuAt}`,
      `d1 Tue 09:59 ${team.supervisor.email} Appointment: ${thuAt}`,
      `d2 Wed 09:59 ${cm} Appointment changed: ${friAt}`,
      `d2 Wed 09:59 ${outreach.email} Appointment changed: ${friAt}`,
      // The supervisor no longer attends: a cancellation of the version they had.
      `d2 Wed 09:59 ${team.supervisor.email} Cancelled: ${thuAt}`,
      // A day before the new time (policy appointmentReminderBefore P1D); none for the old time.
      `d3 Thu 15:00 ${cm} Appointment reminder: ${friAt}`,
      `d3 Thu 15:00 ${outreach.email} Appointment reminder: ${friAt}`,
      // Ended Friday 16:30; a day later is Saturday, so attendance falls due Monday.
      `d7 Mon 16:30 ${cm} Attendance due now`,
      // The no-show on d8 (Tue 09:59) opens re-engagement, due 7 days later, on the full ladder.
      `d14 Mon 08:00 ${cm} Contact after a missed appointment due ${when(t0 + 15 * DAY)}`,
      `d15 Tue 10:00 ${cm} Contact after a missed appointment due now`,
      `d18 Fri 10:00 ${cm} Contact after a missed appointment overdue 3 days`,
      `d21 Mon 08:00 ${team.supervisor.email} Escalation: contact after a missed appointment overdue 5 days`,
      `d21 Mon 10:00 ${cm} Contact after a missed appointment overdue 6 days`,
    ]);

    // Every invitation parsed back: one UID, SEQUENCE 0 then 1, times in UTC, the recipient as the
    // attendee and whoever scheduled it as the organiser; the attachment is the same calendar.
    const invites = caseMessages(smtp, caseId)
      .filter((m) => m.attachments.some((a) => a.contentType === 'text/calendar'))
      .map((m) => ({ to: m.to[0], ...parseInvite(m) }));
    const uid = `appointment-${appointmentId}@test.local`;
    const thu = {
      start: minute(t0 + 3 * DAY + 4 * HOUR + 30_000),
      end: minute(t0 + 3 * DAY + 5 * HOUR + 30_000),
    };
    const fri = {
      start: minute(t0 + 4 * DAY + 5 * HOUR + 30_000),
      end: minute(t0 + 4 * DAY + 6 * HOUR + 30 * 60_000 + 30_000),
    };
    const request = { partMethod: 'REQUEST', method: 'REQUEST', status: 'CONFIRMED' };
    const cancel = { partMethod: 'CANCEL', method: 'CANCEL', status: 'CANCELLED' };
    const common = {
      uid,
      organizer: `mailto:${cm}`,
      location: 'In person at Harbour Street office, room 2',
      attachmentMatches: true,
    };
    expect(invites).toEqual([
      { to: cm, ...request, ...common, sequence: 0, ...thu, attendees: [`mailto:${cm}`] },
      {
        to: team.supervisor.email,
        ...request,
        ...common,
        sequence: 0,
        ...thu,
        attendees: [`mailto:${team.supervisor.email}`],
      },
      { to: cm, ...request, ...common, sequence: 1, ...fri, attendees: [`mailto:${cm}`] },
      {
        to: outreach.email,
        ...request,
        ...common,
        sequence: 1,
        ...fri,
        attendees: [`mailto:${outreach.email}`],
      },
      {
        to: team.supervisor.email,
        ...cancel,
        ...common,
        sequence: 1,
        ...thu,
        attendees: [`mailto:${team.supervisor.email}`],
      },
    ]);
    // Minimum necessary: the case reference, never the client's name or birth date.
    for (const m of caseMessages(smtp, caseId))
      expect(`${m.subject}\n${m.text}\n${m.attachments.map((a) => a.content).join('\n')}`).not.toMatch(
        /Jordan|Rivera|1990/,
      );

    // A contact note re-engages the client: the ladder stops, nothing more goes out.
    const sent = caseMessages(smtp, caseId).length;
    expect(
      (
        await api.call('POST', `${base}/notes`, team.caseManager.token, {
          type: 'contact',
          body: 'Phoned; rebooked.',
        })
      ).status,
    ).toBe(201);
    await skipTo(env, t0 + 28 * DAY);
    expect(caseMessages(smtp, caseId)).toHaveLength(sent);
    const s = await steps.schedule(base, team.caseManager.token);
    expect(s.obligations.filter((o) => o.kind === 're_engagement')).toEqual([
      expect.objectContaining({ metBecause: 'contact recorded' }),
    ]);
  });

  it('when a case is handed to another case manager before its appointments, then the newcomer attends them: the leaver is sent cancellations and no reminder, the newcomer the updated invitations and the reminders', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const newcomer = await createStaff(db.pool, 'case_manager', { supervisorId: team.supervisor.id });
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    await steps.approvedPlan(base, team, isoDay(t0 + 300 * DAY));

    // d1: Thursday 14:00 with the case manager and the supervisor; next Tuesday 11:00 with the case
    // manager and the newcomer, who already attends that one.
    await skipTo(env, t0 + DAY);
    const thursday = t0 + 3 * DAY + 4 * HOUR + 30_000;
    const tuesday = t0 + 8 * DAY + HOUR + 30_000;
    const first = await booked(base, team.caseManager, thursday, [team.caseManager.id, team.supervisor.id]);
    const second = await booked(base, team.caseManager, tuesday, [team.caseManager.id, newcomer.id]);

    // d2: the supervisor hands the case to the newcomer.
    await skipTo(env, t0 + 2 * DAY);
    const handed = await api.call('POST', `${base}/reassign`, team.supervisor.token, {
      caseManagerId: newcomer.id,
    });
    expect(handed.status).toBe(200);
    await skipTo(env, t0 + 10 * DAY);

    const cm = team.caseManager.email;
    const thuAt = when(thursday);
    const tueAt = when(tuesday);
    expect(
      sentMail(smtp, caseId, t0)
        .filter((m) => /^(Appointment|Cancelled|Attendance)/.test(m.subject))
        .map((m) => `${m.when} ${m.to} ${m.subject}`),
    ).toEqual([
      `d1 Tue 09:59 ${cm} Appointment: ${thuAt}`,
      `d1 Tue 09:59 ${team.supervisor.email} Appointment: ${thuAt}`,
      `d1 Tue 09:59 ${cm} Appointment: ${tueAt}`,
      `d1 Tue 09:59 ${newcomer.email} Appointment: ${tueAt}`,
      // The hand-over makes each a new version: whoever attends gets it, the leaver its cancellation.
      `d2 Wed 09:59 ${newcomer.email} Appointment changed: ${thuAt}`,
      `d2 Wed 09:59 ${team.supervisor.email} Appointment changed: ${thuAt}`,
      `d2 Wed 09:59 ${cm} Cancelled: ${thuAt}`,
      `d2 Wed 09:59 ${newcomer.email} Appointment changed: ${tueAt}`,
      `d2 Wed 09:59 ${cm} Cancelled: ${tueAt}`,
      // A day before each: the newcomer in the leaver's place, once each even where they already attended.
      `d2 Wed 14:00 ${newcomer.email} Appointment reminder: ${thuAt}`,
      `d2 Wed 14:00 ${team.supervisor.email} Appointment reminder: ${thuAt}`,
      // Thursday's ended at 15:00: its attendance is owed to the case's case manager, now the newcomer.
      `d4 Fri 15:00 ${newcomer.email} Attendance due now`,
      `d7 Mon 11:00 ${newcomer.email} Appointment reminder: ${tueAt}`,
      `d7 Mon 15:00 ${newcomer.email} Attendance overdue 3 days`,
      `d9 Wed 12:00 ${newcomer.email} Attendance due now`,
    ]);

    // The calendars agree: the leaver's copies cancelled at SEQUENCE 1, the newcomer's requested at it.
    const handOverInvites = caseMessages(smtp, caseId)
      .filter((m) => m.attachments.some((a) => a.contentType === 'text/calendar'))
      .map((m) => ({ to: m.to[0], ...parseInvite(m) }))
      .filter((i) => i.sequence === 1)
      .map((i) => `${i.to} ${i.method} ${i.uid.split('@')[0]} ${i.attendees.join(' ')}`);
    expect(handOverInvites.sort()).toEqual(
      [
        `${newcomer.email} REQUEST appointment-${first} mailto:${newcomer.email}`,
        `${team.supervisor.email} REQUEST appointment-${first} mailto:${team.supervisor.email}`,
        `${cm} CANCEL appointment-${first} mailto:${cm}`,
        `${newcomer.email} REQUEST appointment-${second} mailto:${newcomer.email}`,
        `${cm} CANCEL appointment-${second} mailto:${cm}`,
      ].sort(),
    );

    // The records agree: the newcomer attends both, each at sequence 1, the leaver neither.
    const listed = await api.call('GET', `${base}/appointments`, newcomer.token);
    expect(listed.status).toBe(200);
    const byId = new Map(
      (listed.body.items as { id: string; attendeeIds: string[]; sequence: number }[]).map((a) => [a.id, a]),
    );
    expect(byId.get(first)).toMatchObject({ sequence: 1, attendeeIds: [newcomer.id, team.supervisor.id] });
    expect(byId.get(second)).toMatchObject({ sequence: 1, attendeeIds: [newcomer.id] });
  });

  it('when the case is on hold over its appointments, then they keep their times: a reminder still ahead of its appointment leaves at the resume, and none goes for one that began during the hold', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    await steps.approvedPlan(base, team, isoDay(t0 + 300 * DAY));
    const wednesday = t0 + 2 * DAY + 6 * HOUR + 30_000;
    const thursday = t0 + 3 * DAY + 4 * HOUR + 30_000;
    await booked(base, team.caseManager, wednesday);
    await booked(base, team.caseManager, thursday);

    // On hold from Tuesday 10:00 to Thursday 10:00: both reminders (a day before each) fall due in it.
    await skipTo(env, t0 + DAY);
    expect(
      (await api.call('POST', `${base}/hold`, team.caseManager.token, { reason: 'In hospital' })).status,
    ).toBe(200);
    await skipTo(env, t0 + 3 * DAY);
    const reminders = () =>
      sentMail(smtp, caseId, t0)
        .filter((m) => /^Appointment reminder/.test(m.subject))
        .map((m) => `${m.when} ${m.subject}`);
    // Nothing left while on hold.
    expect(reminders()).toEqual([]);
    expect((await api.call('POST', `${base}/resume`, team.caseManager.token, {})).status).toBe(200);
    await skipTo(env, t0 + 5 * DAY);

    // Thursday 14:00 is still ahead at the resume: its reminder leaves then (stamped with the time it
    // fell due), where before it moved a hold's length later, past the appointment.
    expect(reminders()).toEqual([`d2 Wed 14:00 Appointment reminder: ${when(thursday)}`]);
    const timeline = (await api.call('GET', `${base}/timeline`, team.caseManager.token)).body.items as {
      kind: string;
      summary: string;
    }[];
    console.log(
      JSON.stringify(
        timeline.map((i) => [i.kind, i.summary]),
        null,
        1,
      ),
    );
  });

  it('when quiet hours hold a reminder past the start of its appointment, then it is not sent, and the timeline says why', async () => {
    const { env, smtp, db, api } = stack;
    // An hour's notice, and an appointment at 07:30: the reminder falls due at 06:30, before working hours.
    const team = await createTeam(db.pool, { ...DEFAULT_POLICY, appointmentReminderBefore: 'PT1H' });
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await steps.intake(team);
    const early = t0 + DAY - 2 * HOUR - 30 * 60_000 + 30_000;
    await booked(base, team.caseManager, early);
    await skipTo(env, t0 + 2 * DAY);

    expect(
      sentMail(smtp, caseId, t0)
        .filter((m) => /^Appointment/.test(m.subject))
        .map((m) => `${m.when} ${m.subject}`),
    ).toEqual([`d0 Mon 09:59 Appointment: ${when(early)}`]);
    const timeline = (await api.call('GET', `${base}/timeline`, team.caseManager.token)).body.items as {
      kind: string;
      summary: string;
    }[];
    expect(timeline.filter((i) => i.kind === 'schedule.skipped').map((i) => i.summary)).toEqual([
      'Appointment reminder: reminder not sent: the appointment had already begun',
    ]);
  });

  it('when an appointment is scheduled, then it counts as contact: the stalled-plan window restarts from it', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { base } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    await steps.approvedPlan(base, team, isoDay(t0 + 300 * DAY));
    const stalledDue = async (): Promise<string[]> =>
      (await steps.schedule(base, team.caseManager.token)).obligations
        .filter((o) => o.kind === 'stalled_plan' && !o.metAt)
        .map((o) => isoDay(Date.parse(o.dueAt)));
    expect(await stalledDue()).toEqual([isoDay(t0 + 30 * DAY)]);
    await skipTo(env, t0 + 9 * DAY);
    const res = await api.call('POST', `${base}/appointments`, team.caseManager.token, {
      startsAt: at(t0 + 10 * DAY),
      durationMinutes: 30,
      mode: 'phone',
      location: '+44 20 7946 0000',
      attendeeIds: [team.caseManager.id],
    });
    expect(res.status).toBe(201);
    expect(await stalledDue()).toEqual([isoDay(t0 + 39 * DAY)]);
  });

  it('when the client cancels, then every attendee gets METHOD:CANCEL with the next SEQUENCE, and no reminder or attendance follows', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await steps.intake(team);
    await skipTo(env, t0 + HOUR);
    const res = await api.call('POST', `${base}/appointments`, team.caseManager.token, {
      startsAt: at(t0 + 2 * DAY + 30_000),
      durationMinutes: 45,
      mode: 'video',
      location: 'https://meet.example.org/abc-defg',
      attendeeIds: [team.caseManager.id],
    });
    expect(res.status).toBe(201);
    await skipTo(env, t0 + DAY);
    const cancelled = await api.call(
      'POST',
      `${base}/appointments/${res.body.id}/cancel`,
      team.caseManager.token,
      { by: 'client', note: 'Client is unwell' },
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled_by_client', sequence: 1 });
    await skipTo(env, t0 + 12 * DAY);

    const cm = team.caseManager.email;
    expect(sentMail(smtp, caseId, t0).map((m) => `${m.when} ${m.to} ${m.subject}`)).toEqual([
      `d0 Mon 10:59 ${cm} Appointment: ${when(t0 + 2 * DAY + 30_000)}`,
      `d1 Tue 09:59 ${cm} Cancelled: ${when(t0 + 2 * DAY + 30_000)}`,
      // Only the initial assessment's own ladder goes on.
      `d11 Fri 10:00 ${cm} Initial assessment due ${when(t0 + 14 * DAY)}`,
    ]);
    const [first, second] = caseMessages(smtp, caseId).slice(0, 2).map(parseInvite);
    expect(first).toMatchObject({
      method: 'REQUEST',
      sequence: 0,
      location: 'By video: https://meet.example.org/abc-defg',
    });
    expect(second).toMatchObject({
      method: 'CANCEL',
      partMethod: 'CANCEL',
      status: 'CANCELLED',
      sequence: 1,
    });
    expect(second!.uid).toBe(first!.uid);
    // Recording attendance on a cancelled appointment is refused.
    const late = await api.call(
      'POST',
      `${base}/appointments/${res.body.id}/attendance`,
      team.caseManager.token,
      {
        attendance: 'attended',
      },
    );
    expect(late.status).toBe(409);
  });

  /** A case whose client has an email address, with the client's id. */
  async function clientCase(team: Awaited<ReturnType<typeof createTeam>>) {
    const res = await stack.api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      riskLevel: 'medium',
      client: {
        givenName: 'Jordan',
        familyName: 'Rivera',
        birthDate: '1990-04-02',
        email: 'jordan.rivera@client.test',
      },
    });
    expect(res.status).toBe(201);
    const clientId = (
      await stack.db.pool.query<{ client_id: string }>('SELECT client_id FROM cases WHERE id = $1', [
        res.body.id,
      ])
    ).rows[0]!.client_id;
    return { caseId: res.body.id as string, base: `/api/v1/cases/${res.body.id}`, clientId };
  }

  it('when the program allows client reminders, then only a client who consented to email reminders gets one, with no case detail; otherwise it is recorded as skipped with the reason', async () => {
    const { env, smtp, db, api } = stack;
    const allowing: ProgramPolicy = { ...DEFAULT_POLICY, clientAppointmentReminders: true };
    const team = await createTeam(db.pool, allowing);
    const closed = await createTeam(db.pool); // the default: no client reminders
    const t0 = await startOn(env, 'Mon', '10:00');
    const consenting = await clientCase(team);
    const silent = await clientCase(team);
    const notAllowed = await clientCase(closed);
    const consent = (clientId: string, token: string) =>
      api.call('POST', `/api/v1/clients/${clientId}/consent`, token, {
        purpose: 'email_reminders',
        given: true,
      });
    expect((await consent(consenting.clientId, team.caseManager.token)).status).toBe(201);
    expect((await consent(notAllowed.clientId, closed.caseManager.token)).status).toBe(201);

    const book = async (c: { base: string }, t: typeof team) =>
      expect(
        (
          await api.call('POST', `${c.base}/appointments`, t.caseManager.token, {
            startsAt: at(t0 + 3 * DAY + 30_000),
            durationMinutes: 60,
            mode: 'in_person',
            location: '12 Harbour Street',
            attendeeIds: [t.caseManager.id],
          })
        ).status,
      ).toBe(201);
    await book(consenting, team);
    await book(silent, team);
    await book(notAllowed, closed);
    await skipTo(env, t0 + 3 * DAY + HOUR);

    const toClient = smtp.messages.filter((m) => m.to.includes('jordan.rivera@client.test'));
    expect(
      toClient.map((m) => `${headerOf(m, 'x-caseloop-notification-key').split('/')[1]} ${m.subject}`),
    ).toEqual([
      `${consenting.caseId} Reminder: your appointment with your support service, ${when(t0 + 3 * DAY + 30_000)}`,
    ]);
    // Date, time, place and the agency: not the reference, the program, the client's name or initials.
    const text = `${toClient[0]!.subject}\n${toClient[0]!.text}`;
    expect(text).toContain('12 Harbour Street');
    expect(text).not.toMatch(/C-\d+|Jordan|Rivera|J\. R\.|Program|case/i);
    // The staff reminder went in all three cases.
    for (const c of [consenting, silent, notAllowed])
      expect(
        sentMail(smtp, c.caseId, t0)
          .filter((m) => m.to !== 'jordan.rivera@client.test')
          .map((m) => `${m.when} ${m.subject.split(':')[0]}`),
      ).toEqual(['d0 Mon 09:59 Appointment', 'd2 Wed 10:00 Appointment reminder']);
    // Without consent, the client's reminder is on the timeline as skipped, with why.
    const timeline = (await api.call('GET', `${silent.base}/timeline`, team.caseManager.token)).body
      .items as {
      kind: string;
      summary: string;
    }[];
    expect(timeline.filter((i) => i.kind === 'schedule.skipped').map((i) => i.summary)).toEqual([
      'Client appointment reminder: reminder not sent: the client has not consented to email reminders',
    ]);
  });

  it('when the client withdraws consent to email reminders after an appointment is booked, then their reminder ends on the timeline and is never sent, and a later appointment schedules none', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool, { ...DEFAULT_POLICY, clientAppointmentReminders: true });
    const t0 = await startOn(env, 'Mon', '10:00');
    const c = await clientCase(team);
    const consentPath = `/api/v1/clients/${c.clientId}/consent`;
    const cm = team.caseManager.token;
    const book = async (startsAt: number) =>
      expect(
        (
          await api.call('POST', `${c.base}/appointments`, cm, {
            startsAt: at(startsAt),
            durationMinutes: 60,
            mode: 'in_person',
            location: '12 Harbour Street',
            attendeeIds: [team.caseManager.id],
          })
        ).status,
      ).toBe(201);
    expect(
      (await api.call('POST', consentPath, cm, { purpose: 'email_reminders', given: true })).status,
    ).toBe(201);
    await book(t0 + 3 * DAY + 30_000);
    await skipTo(env, t0 + DAY);
    expect(
      (await api.call('POST', consentPath, cm, { purpose: 'email_reminders', given: false })).status,
    ).toBe(201);
    await book(t0 + 8 * DAY + 30_000);
    await skipTo(env, t0 + 9 * DAY);

    const toThisClient = smtp.messages.filter(
      (m) =>
        m.to.includes('jordan.rivera@client.test') &&
        headerOf(m, 'x-caseloop-notification-key').split('/')[1] === c.caseId,
    );
    expect(toThisClient.map((m) => m.subject)).toEqual([]);
    const timeline = (await api.call('GET', `${c.base}/timeline`, cm)).body.items as {
      kind: string;
      summary: string;
    }[];
    const clientReminder = timeline.filter((i) => i.summary.startsWith('Client appointment reminder'));
    expect(clientReminder.map((i) => `${i.kind} ${i.summary.replace(/ due \S+$/, '')}`)).toEqual([
      'schedule.opened Client appointment reminder: client appointment reminder',
      'schedule.met Client appointment reminder: consent withdrawn: email reminders to the client; 1 pending reminder(s) will not be sent',
    ]);
  });
});
