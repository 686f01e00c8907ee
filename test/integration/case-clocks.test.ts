import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { DAY, HOUR, skipTo, startOn, when } from '../helpers/clock';
import { caseSteps, type CaseSteps } from '../helpers/case-steps';
import { createProvider, createStaff, createTeam } from '../helpers/fixtures';
import { caseMessages, scheduledFor, sentMail } from '../helpers/mail-log';
import { startTestStack, type TestStack } from '../helpers/stack';
import { scheduleQuery } from '../../src/workflows/messages';
import { SA } from '../../src/workflows/search-attributes';

/** Polls until the condition holds (10 s at most): for asynchronous effects without a message to await. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The case workflow's clocks over weeks and months, driven through the real API with the
 * time-skipping server and a real SMTP catcher. Every scenario starts on a Monday at 10:00 UTC,
 * so "d21 Mon 08:00" reads: 21 days after intake, a Monday, 08:00 (quiet hours held it from Saturday).
 */
describe('case clocks (time-skipping, real API, real SMTP)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('case-clocks-test');
  });
  afterAll(() => stack?.stop());

  let intake: CaseSteps['intake'];
  let assess: CaseSteps['assess'];
  let approvedPlan: CaseSteps['approvedPlan'];
  let schedule: CaseSteps['schedule'];
  beforeAll(() => {
    ({ intake, assess, approvedPlan, schedule } = caseSteps(stack.api));
  });

  const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

  it('when no assessment arrives, then the ladder climbs to the program manager, held to working hours, and stops the moment it is recorded', async () => {
    const { env, smtp, db } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);

    await skipTo(env, t0 + 23 * DAY + HOUR);
    expect(sentMail(smtp, caseId, t0).map(({ obligation: _o, ...m }) => m)).toEqual([
      {
        to: team.caseManager.email,
        when: 'd11 Fri 10:00',
        subject: expect.stringMatching(/^Initial assessment due \w{3}, /),
      },
      { to: team.caseManager.email, when: 'd14 Mon 10:00', subject: 'Initial assessment due now' },
      { to: team.caseManager.email, when: 'd17 Thu 10:00', subject: 'Initial assessment overdue 3 days' },
      // Due on Saturday and Sunday: both wait for Monday 08:00, the escalation first.
      {
        to: team.supervisor.email,
        when: 'd21 Mon 08:00',
        subject: 'Escalation: initial assessment overdue 6 days',
      },
      { to: team.caseManager.email, when: 'd21 Mon 08:00', subject: 'Initial assessment overdue 6 days' },
      // Two business days unacknowledged.
      {
        to: team.programManager.email,
        when: 'd23 Wed 08:00',
        subject: 'Escalation (unacknowledged): initial assessment overdue 8 days',
      },
      { to: team.caseManager.email, when: 'd23 Wed 10:00', subject: 'Initial assessment overdue 9 days' },
    ]);
    for (const m of smtp.messages) {
      expect(`${m.subject}\n${m.text}\n${m.html}`).not.toMatch(/Jordan|Rivera|1990/);
    }

    await assess(base, team.caseManager.token);
    await skipTo(env, t0 + 45 * DAY);
    expect(sentMail(smtp, caseId, t0)).toHaveLength(7);
    const s = await schedule(base, team.caseManager.token);
    expect(s.status).toBe('planning');
    expect(s.obligations.find((o) => o.id === 'initial-assessment')).toMatchObject({
      metBecause: 'assessment recorded',
    });
    const timeline = (await stack.api.call('GET', `${base}/timeline`, team.supervisor.token)).body.items as {
      kind: string;
      summary: string;
    }[];
    expect(timeline.map((i) => i.kind)).toEqual(
      expect.arrayContaining(['schedule.opened', 'schedule.met', 'notification.sent', 'escalation.raised']),
    );
    expect(timeline.find((i) => i.kind === 'schedule.met')?.summary).toMatch(
      /^Initial assessment: assessment recorded; \d+ pending reminder\(s\) will not be sent$/,
    );
  });

  it('when a case is reassigned in the middle of a ladder, then every later reminder and escalation goes to the new people', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);
    const newSupervisor = await createStaff(db.pool, 'supervisor');
    const newCaseManager = await createStaff(db.pool, 'case_manager', { supervisorId: newSupervisor.id });

    await skipTo(env, t0 + 15 * DAY);
    const moved = await api.call('POST', `${base}/reassign`, team.supervisor.token, {
      caseManagerId: newCaseManager.id,
      supervisorId: newSupervisor.id,
    });
    expect(moved.status).toBe(200);
    // The search attributes the admin's caseload query uses follow at once, not at the next reminder.
    const handle = env.client.workflow.getHandle(`case-${caseId}`);
    await waitFor(async () => (await handle.query(scheduleQuery)).projected === true);
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect([attributes.get(SA.CaseManagerId), attributes.get(SA.SupervisorId)]).toEqual([
      newCaseManager.id,
      newSupervisor.id,
    ]);
    await skipTo(env, t0 + 23 * DAY + HOUR);

    expect(sentMail(smtp, caseId, t0).map((m) => `${m.when} ${m.to}`)).toEqual([
      `d11 Fri 10:00 ${team.caseManager.email}`,
      `d14 Mon 10:00 ${team.caseManager.email}`,
      `d17 Thu 10:00 ${newCaseManager.email}`,
      `d21 Mon 08:00 ${newSupervisor.email}`,
      `d21 Mon 08:00 ${newCaseManager.email}`,
      `d23 Wed 08:00 ${team.programManager.email}`,
      `d23 Wed 10:00 ${newCaseManager.email}`,
    ]);
  });

  it('when referrals are accepted, declined or never answered, then only the unanswered one is chased and escalated', async () => {
    const { env, smtp, db, api } = stack;
    const policy: ProgramPolicy = { ...DEFAULT_POLICY, referralProviderFollowUp: true };
    const team = await createTeam(db.pool, policy);
    const provider = await createProvider(db.pool, 'Harbour Housing Trust');
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);
    await assess(base, team.caseManager.token);

    await skipTo(env, t0 + DAY);
    const refer = async (): Promise<string> => {
      const res = await api.call('POST', `${base}/referrals`, team.caseManager.token, {
        providerId: provider.id,
        service: 'Tenancy support',
        reason: 'Rent arrears',
      });
      expect(res.status).toBe(201);
      return res.body.referralId ?? res.body.id;
    };
    const [accepted, declined, unanswered] = [await refer(), await refer(), await refer()];
    const update = async (id: string, status: string) =>
      expect(
        (await api.call('POST', `${base}/referrals/${id}/updates`, team.caseManager.token, { status }))
          .status,
      ).toBe(201);

    await skipTo(env, t0 + 3 * DAY);
    await update(accepted, 'accepted');
    await skipTo(env, t0 + 9 * DAY);
    await update(declined, 'declined');
    await skipTo(env, t0 + 10 * DAY);
    await update(accepted, 'completed');
    await skipTo(env, t0 + 30 * DAY);

    const about = (id: string) =>
      sentMail(smtp, caseId, t0)
        .filter((m) => m.obligation.endsWith(id))
        .map((m) => `${m.when} ${m.to} ${m.subject}`);
    // Each referral is emailed to its provider when made (with its answer link); then only reminders.
    const referred = `d1 Tue 09:59 ${provider.contactEmail} New referral: Tenancy support`;
    expect(about(accepted)).toEqual([referred]);
    // Reminders name the referral: a case can have several open.
    const which = `(${provider.organisation}, Tenancy support)`;
    expect(about(declined)).toEqual([
      referred,
      `d8 Tue 10:00 ${team.caseManager.email} Referral response ${which} due now`,
      `d8 Tue 10:00 ${provider.contactEmail} Referral awaiting your response: Tenancy support`,
    ]);
    expect(about(unanswered)).toEqual([
      referred,
      `d8 Tue 10:00 ${team.caseManager.email} Referral response ${which} due now`,
      `d8 Tue 10:00 ${provider.contactEmail} Referral awaiting your response: Tenancy support`,
      `d11 Fri 10:00 ${team.caseManager.email} Referral response ${which} overdue 3 days`,
      `d14 Mon 10:00 ${team.caseManager.email} Referral response ${which} overdue 6 days`,
      `d17 Thu 10:00 ${team.caseManager.email} Referral response ${which} overdue 9 days`,
      `d21 Mon 08:00 ${team.caseManager.email} Referral response ${which} overdue 12 days`,
      `d22 Tue 10:00 ${team.supervisor.email} Escalation: referral ${which} without outcome since ${new Date(t0 + 22 * DAY).toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' })}`,
      `d23 Wed 10:00 ${team.caseManager.email} Referral response ${which} overdue 15 days`,
      `d24 Thu 10:00 ${team.programManager.email} Escalation (unacknowledged): referral outcome ${which} overdue 2 days`,
    ]);
    // The provider is outside the agency: not even initials.
    const toProvider = smtp.messages.filter((m) => m.to.includes(provider.contactEmail));
    for (const m of toProvider)
      expect(`${m.subject}\n${m.text}\n${m.html}`).not.toMatch(/Jordan|Rivera|J\. R\./);
  });

  it('when a goal passes its target date, then the case manager is reminded until progress is recorded', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);
    await assess(base, team.caseManager.token);
    const goalId = await approvedPlan(base, team, isoDay(t0 + 20 * DAY)); // a Sunday

    await skipTo(env, t0 + 24 * DAY + 2 * HOUR);
    const progress = await api.call('POST', `${base}/goals/${goalId}/progress`, team.caseManager.token, {
      status: 'achieved',
    });
    expect(progress.status).toBe(201);
    await skipTo(env, t0 + 45 * DAY);

    expect(
      sentMail(smtp, caseId, t0)
        .filter((m) => m.obligation.startsWith('goal-'))
        .map((m) => `${m.when} ${m.to} ${m.subject}`),
    ).toEqual([
      expect.stringMatching(
        new RegExp(`^d17 Thu 08:00 ${team.caseManager.email} Goal target date due \\w{3}, `),
      ),
      `d21 Mon 08:00 ${team.caseManager.email} Goal target date due now`,
      `d23 Wed 08:00 ${team.caseManager.email} Goal target date overdue 3 days`,
    ]);
  });

  it('when a plan sees no progress, note or contact for 30 days, then the case manager is reminded and the supervisor escalated', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);
    await assess(base, team.caseManager.token);
    await approvedPlan(base, team, isoDay(t0 + 400 * DAY));

    await skipTo(env, t0 + 38 * DAY);
    const note = await api.call('POST', `${base}/notes`, team.caseManager.token, {
      type: 'contact',
      body: 'Phoned the client; agreed a home visit.',
    });
    expect(note.status).toBe(201);
    await skipTo(env, t0 + 60 * DAY);

    expect(
      sentMail(smtp, caseId, t0)
        .filter((m) => m.obligation.startsWith('stalled-plan-'))
        .map((m) => `${m.when} ${m.to} ${m.subject}`),
    ).toEqual([
      expect.stringMatching(
        new RegExp(`^d28 Mon 08:00 ${team.caseManager.email} Plan activity due \\w{3}, `),
      ),
      `d30 Wed 10:00 ${team.caseManager.email} Plan activity due now`,
      `d35 Mon 08:00 ${team.caseManager.email} Plan activity overdue 4 days`,
      `d35 Mon 10:00 ${team.supervisor.email} Escalation: plan activity overdue 5 days`,
      `d36 Tue 10:00 ${team.caseManager.email} Plan activity overdue 6 days`,
      `d37 Wed 10:00 ${team.programManager.email} Escalation (unacknowledged): plan activity overdue 7 days`,
    ]);
    const s = await schedule(base, team.caseManager.token);
    const open = s.obligations.filter((o) => o.kind === 'stalled_plan' && !o.metAt);
    expect(open).toHaveLength(1);
    expect(Date.parse(open[0]!.dueAt) - (t0 + 38 * DAY)).toBeGreaterThanOrEqual(30 * DAY);
  });

  it('when a closure request waits, then the supervisor is reminded and the program manager escalated; approving it ends every clock', async () => {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await intake(team);
    await assess(base, team.caseManager.token);
    const provider = await createProvider(db.pool);
    await api.call('POST', `${base}/referrals`, team.caseManager.token, {
      providerId: provider.id,
      service: 'Food bank',
      reason: 'Short of food',
    });

    await skipTo(env, t0 + 3 * DAY);
    const request = await api.call('POST', `${base}/closure`, team.caseManager.token, {
      reason: 'Moved away',
      summary: 'Client moved out of area; handed over.',
    });
    expect(request.status).toBe(200);
    await skipTo(env, t0 + 16 * DAY);
    // Until it is approved, reminders are still to come: the silence after it is the closure's doing.
    const before = await env.client.workflow.getHandle(`case-${caseId}`).query(scheduleQuery);
    expect(Date.parse(before.next!.at)).toBeLessThan(t0 + 120 * DAY);
    expect(
      (await api.call('POST', `${base}/closure/decision`, team.supervisor.token, { decision: 'approved' }))
        .status,
    ).toBe(200);
    const closedAt = await env.currentTimeMs();
    await skipTo(env, t0 + 120 * DAY);

    const mail = sentMail(smtp, caseId, t0);
    expect(
      mail
        .filter((m) => m.obligation.startsWith('closure-approval'))
        .map((m) => `${m.when} ${m.to} ${m.subject}`),
    ).toEqual([
      `d10 Thu 10:00 ${team.supervisor.email} Closure approval due now`,
      `d14 Mon 08:00 ${team.supervisor.email} Closure approval overdue 3 days`,
      `d15 Tue 10:00 ${team.programManager.email} Escalation: closure approval overdue 5 days`,
    ]);
    // Closed on d16: nothing at all after that, for any obligation.
    expect(caseMessages(smtp, caseId).filter((m) => scheduledFor(m) > closedAt)).toEqual([]);
    const s = await schedule(base, team.supervisor.token);
    expect(s?.status ?? 'closed').toBe('closed');

    // Reopening starts a new run whose clocks count from the reopening.
    const reopened = await api.call('POST', `${base}/reopen`, team.supervisor.token);
    expect(reopened.status).toBe(200);
    const reopenedAt = await env.currentTimeMs();
    await skipTo(env, reopenedAt + 14 * DAY + HOUR);
    const fresh = caseMessages(smtp, caseId).filter((m) => scheduledFor(m) > reopenedAt);
    expect(fresh.map((m) => [when(scheduledFor(m), reopenedAt), m.subject])).toEqual([
      ['d13 Mon 08:00', expect.stringMatching(/^Initial assessment due \w{3}, /)],
      ['d14 Tue 10:00', expect.stringMatching(/^Initial assessment due now/)],
    ]);
  });
});
