import { createSendCaseNews } from '../../src/activities/case-news';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { createMailer } from '../../src/notifications/mailer';
import { ensureStaffDigests } from '../../src/temporal/staff-digests';
import { caseSteps, type Team } from '../helpers/case-steps';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createProvider, createTeam } from '../helpers/fixtures';
import { caseMessages, header, sentMail } from '../helpers/mail-log';
import type { CapturedMail } from '../helpers/smtp';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Requests and decisions reach the person waiting on them, and every email links straight to the
 * page where its work is done. Time-skipping server, real API, real SMTP on loopback.
 */
describe('told at once: plan and closure requests and decisions; links to where the work is done', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('decision-news-test');
    await ensureStaffDigests(stack.env.client, stack.taskQueue);
  });
  afterAll(() => stack?.stop());

  const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const CLIENT_TRACES = /Jordan|Rivera|J\. R\./;

  /** Emails reach the catcher a moment after the API answers (the workflow sends them): wait for them. */
  async function mailUntil(done: (all: CapturedMail[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(stack.smtp.messages)) {
      if (Date.now() > deadline) throw new Error('timed out waiting for email');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const newsOf = (caseId: string) =>
    caseMessages(stack.smtp, caseId).filter((m) => {
      const about = header(m, 'x-caseloop-notification-key').split('/')[2] ?? '';
      return about === 'closure' || about.startsWith('plan-');
    });

  async function plannedCase(team: Team) {
    const steps = caseSteps(stack.api);
    const opened = await steps.intake(team);
    await steps.assess(opened.base, team.caseManager.token);
    const plan = await stack.api.call('POST', `${opened.base}/plans`, team.caseManager.token, {
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          targetDate: isoDay((await stack.env.currentTimeMs()) + 60 * DAY),
        },
      ],
    });
    expect(plan.status).toBe(201);
    const planId = plan.body.planId as string;
    return { ...opened, planId, planPath: `${opened.base}/plans/${planId}` };
  }

  it('when a case manager submits a plan and the supervisor returns it with a note, then approves it, then each side is told once, the note included, each email linking to the plan', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, planId, planPath } = await plannedCase(team);
    const planPage = `${api.base}/cases/${caseId}/plans/${planId}`;
    const cm = team.caseManager.token;
    const sv = team.supervisor.token;

    await skipTo(env, t0 + DAY + HOUR);
    expect((await api.call('POST', `${planPath}/submit`, cm)).status).toBe(200);
    await mailUntil(() => newsOf(caseId).length === 1);
    const submitted = newsOf(caseId)[0]!;
    expect(submitted.to).toEqual([team.supervisor.email]);
    expect(submitted.subject).toMatch(/^Service plan v1 submitted for your approval — case C-\d+$/);
    expect(submitted.text).toContain(`${team.caseManager.fullName} submitted service plan v1 for case C-`);
    // Five business days from Tuesday 11:00: the next Tuesday.
    expect(submitted.text).toMatch(/approve it, or return it with a note by Tue, \d+ \w+ \d{4}, 10:59/);
    expect(submitted.text).toContain(`Review the plan: ${planPage}`);
    expect(submitted.html).toContain(`<a href="${planPage}">Review the plan</a>`);

    await skipTo(env, t0 + 2 * DAY + HOUR);
    const note = 'Goal 1 needs a date for the lease & a named landlord contact.';
    expect((await api.call('POST', `${planPath}/decision`, sv, { decision: 'returned', note })).status).toBe(
      200,
    );
    await mailUntil(() => newsOf(caseId).length === 2);
    const returned = newsOf(caseId)[1]!;
    expect(returned.to).toEqual([team.caseManager.email]);
    expect(returned.text).toContain(`Note from ${team.supervisor.fullName}:\n> ${note}`);
    expect(returned.html).toContain('a date for the lease &#38; a named landlord contact');
    expect(returned.text).toContain(`Open the plan: ${planPage}`);

    await skipTo(env, t0 + 3 * DAY + HOUR);
    expect((await api.call('POST', `${planPath}/submit`, cm)).status).toBe(200);
    await skipTo(env, t0 + 4 * DAY + HOUR);
    expect((await api.call('POST', `${planPath}/decision`, sv, { decision: 'approved' })).status).toBe(200);
    await mailUntil(() => newsOf(caseId).length === 4);
    // Nothing else follows: no second copy of any of them.
    await skipTo(env, t0 + 6 * DAY);

    expect(sentMail(stack.smtp, caseId, t0).map((m) => `${m.when} ${m.to} ${m.subject}`)).toEqual([
      `d1 Tue 10:59 ${team.supervisor.email} Service plan v1 submitted for your approval`,
      `d2 Wed 10:59 ${team.caseManager.email} Service plan v1 returned`,
      `d3 Thu 10:59 ${team.supervisor.email} Service plan v1 submitted for your approval`,
      `d4 Fri 10:59 ${team.caseManager.email} Service plan v1 approved`,
    ]);
    const approved = newsOf(caseId)[3]!;
    expect(approved.text).toContain(`${team.supervisor.fullName} approved service plan v1`);
    expect(approved.text).not.toContain('Note from');
    for (const m of newsOf(caseId)) {
      expect(`${m.subject}\n${m.text}\n${m.html}`).not.toMatch(CLIENT_TRACES);
      expect(header(m, 'auto-submitted')).toBe('auto-generated');
    }
    // The note that left is audited as leaving, like the initials of a reminder.
    const audited = await db.pool.query(
      `SELECT detail->'fields' AS fields FROM audit_log
        WHERE case_id = $1 AND actor_kind = 'system' AND detail->>'notificationKey' LIKE $2`,
      [caseId, `case/${caseId}/plan-${planId}/plan_returned/%`],
    );
    expect(audited.rows).toEqual([{ fields: ['decision_note'] }]);
  });

  it('when the supervisor reads a daily digest, then a submitted plan waits for the next 08:01 digest, linked to the plan, and only that digest', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const digest = await api.call('PATCH', `/api/v1/staff/${team.supervisor.id}`, team.supervisor.token, {
      notificationPreference: 'daily_digest',
    });
    expect(digest.status).toBe(200);
    const { caseId, planId, planPath } = await plannedCase(team);

    await skipTo(env, t0 + HOUR); // Monday 11:00
    expect((await api.call('POST', `${planPath}/submit`, team.caseManager.token)).status).toBe(200);
    await skipTo(env, t0 + 3 * HOUR);
    const toSupervisor = () => stack.smtp.messages.filter((m) => m.to.includes(team.supervisor.email));
    expect(toSupervisor()).toEqual([]);
    const queued = await db.pool.query(
      `SELECT status, link_path FROM notifications WHERE case_id = $1 AND kind = 'news:plan_submitted'`,
      [caseId],
    );
    expect(queued.rows).toEqual([
      { status: 'queued_for_digest', link_path: `/cases/${caseId}/plans/${planId}` },
    ]);

    // Tuesday 08:01 in the supervisor's zone: the digest, and nothing else, lists it.
    await skipTo(env, t0 + 2 * DAY + HOUR);
    expect(toSupervisor().map((m) => m.subject)).toEqual([
      `Your Caseloop digest for ${isoDay(t0 + DAY)}: 1 reminder`,
    ]);
    const [sent] = toSupervisor();
    expect(header(sent!, 'x-caseloop-notification-key')).toBe(
      `digest/${team.supervisor.id}/${isoDay(t0 + DAY)}`,
    );
    expect(sent!.text).toMatch(
      new RegExp(
        `- Service plan v1 submitted for your approval — case C-\\d+ \\(due .*\\) ${api.base}/cases/${caseId}/plans/${planId}`,
      ),
    );
    expect(sent!.html).toContain(`href="${api.base}/cases/${caseId}/plans/${planId}"`);
    expect(sent!.text).not.toMatch(CLIENT_TRACES);

    // The decision goes to the case manager (immediate) at once, whatever the supervisor reads.
    expect(
      (await api.call('POST', `${planPath}/decision`, team.supervisor.token, { decision: 'approved' }))
        .status,
    ).toBe(200);
    await mailUntil(() => newsOf(caseId).some((m) => m.to.includes(team.caseManager.email)));
    await skipTo(env, t0 + 4 * DAY + HOUR);
    expect(toSupervisor()).toHaveLength(1);
    expect(newsOf(caseId).map((m) => `${m.to[0]} ${m.subject.replace(/ — case C-\d+$/, '')}`)).toEqual([
      `${team.caseManager.email} Service plan v1 approved`,
    ]);
  });

  it('when closure is requested, returned with a note, requested again and approved, then the supervisor hears of each request and the case manager of each decision', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base, reference } = await caseSteps(api).intake(team);
    await caseSteps(api).assess(base, team.caseManager.token);
    const request = () =>
      api.call('POST', `${base}/closure`, team.caseManager.token, {
        reason: 'goals_met',
        summary: 'Housed and stable.',
      });
    const decide = (decision: 'approved' | 'returned', note?: string) =>
      api.call('POST', `${base}/closure/decision`, team.supervisor.token, {
        decision,
        ...(note ? { note } : {}),
      });

    await skipTo(env, t0 + DAY + HOUR);
    expect((await request()).status).toBe(200);
    await skipTo(env, t0 + 2 * DAY + HOUR);
    expect((await decide('returned', 'The food bank referral is still open.')).status).toBe(200);
    await skipTo(env, t0 + 3 * DAY + HOUR);
    expect((await request()).status).toBe(200);
    await skipTo(env, t0 + 4 * DAY + HOUR);
    expect((await decide('approved')).status).toBe(200);
    await mailUntil(() => newsOf(caseId).length === 4);
    await skipTo(env, t0 + 6 * DAY);

    const news = newsOf(caseId);
    expect(sentMail(stack.smtp, caseId, t0).map((m) => `${m.when} ${m.to} ${m.subject}`)).toEqual([
      `d1 Tue 10:59 ${team.supervisor.email} Closure requested for your approval`,
      `d2 Wed 10:59 ${team.caseManager.email} Closure returned — case ${reference} stays open`,
      `d3 Thu 10:59 ${team.supervisor.email} Closure requested for your approval`,
      `d4 Fri 10:59 ${team.caseManager.email} Closure approved — case ${reference} is closed`,
    ]);
    expect(news[0]!.text).toContain(`${team.caseManager.fullName} asked to close case C-`);
    expect(news[0]!.text).toContain(`Review the closure request: ${api.base}/cases/${caseId}#due`);
    expect(news[1]!.text).toContain(
      `Note from ${team.supervisor.fullName}:\n> The food bank referral is still open.`,
    );
    expect(news[3]!.text).toContain(`Open the case: ${api.base}/cases/${caseId}\n`);
    for (const m of news) expect(`${m.subject}\n${m.text}\n${m.html}`).not.toMatch(CLIENT_TRACES);
  });

  it('when reminders fall due, then each links to the page where its obligation is met: the assessment form, the referral, the goal progress form', async () => {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const steps = caseSteps(api);
    const { caseId, base } = await steps.intake(team);
    // Initial assessment heads-up: Friday d11 10:00.
    await skipTo(env, t0 + 11 * DAY + HOUR);
    const provider = await createProvider(db.pool);
    await steps.assess(base, team.caseManager.token);
    const referral = await api.call('POST', `${base}/referrals`, team.caseManager.token, {
      providerId: provider.id,
      service: 'Housing search',
      reason: 'Needs a tenancy',
    });
    expect(referral.status).toBe(201);
    const goalId = await steps.approvedPlan(base, team, isoDay(t0 + 21 * DAY));
    // Referral response due d18 (Friday 11:00); the goal's heads-up three days before its day.
    await skipTo(env, t0 + 19 * DAY);

    const reminders = caseMessages(stack.smtp, caseId).filter(
      (m) =>
        m.to.includes(team.caseManager.email) &&
        /^(Initial assessment|Referral response|Goal target)/.test(m.subject),
    );
    const links = reminders.map((m) => [
      m.subject.replace(/ (due|overdue) .*$/, ''),
      /^(.+): (http\S+)$/m.exec(m.text)?.slice(1, 3).join(' → '),
    ]);
    const page = (path: string) => `${api.base}/cases/${caseId}${path}`;
    expect(links).toEqual([
      ['Initial assessment', `Record the assessment → ${page('/assessments/new')}`],
      ['Goal target date', `Record goal progress → ${page(`/goals/${goalId}/progress/new`)}`],
      [
        `Referral response (${provider.organisation}, Housing search)`,
        `Update the referral → ${page(`/referrals/${referral.body.id}`)}`,
      ],
    ]);
    for (const m of reminders) {
      expect(m.text).toContain(`Open the case: ${api.base}/cases/${caseId}\n`);
      expect(m.html).toMatch(new RegExp(`<a href="${api.base}/cases/${caseId}/[^"]+">`));
    }
  });

  it('when the supervisor submits the plan themselves, then nobody emails them about it; and news told twice (a retried activity) leaves once', async () => {
    const { env, db, api, smtp } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, planId, planPath } = await plannedCase(team);
    await skipTo(env, t0 + HOUR);
    expect((await api.call('POST', `${planPath}/submit`, team.supervisor.token)).status).toBe(200);
    const at = (
      await db.pool.query<{ at: Date }>(
        `SELECT at FROM plan_events WHERE plan_id = $1 AND what = 'submitted'`,
        [planId],
      )
    ).rows[0]!.at.toISOString();
    await skipTo(env, t0 + 3 * HOUR);
    expect(newsOf(caseId)).toEqual([]);

    const mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    const send = createSendCaseNews({
      pool: db.pool,
      mailer,
      publicBaseUrl: api.base,
      linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    });
    const news = { caseId, what: 'plan_submitted', planId, at, to: 'supervisor' } as const;
    expect(await send({ ...news, staffId: team.supervisor.id })).toMatchObject({ status: 'not_needed' });
    // Told to someone who did not submit it (the program manager standing in): once, however often asked.
    const toManager = { ...news, staffId: team.programManager.id };
    expect(await send(toManager)).toMatchObject({ status: 'sent' });
    expect(await send(toManager)).toMatchObject({ status: 'already_sent' });
    mailer.close();
    expect(newsOf(caseId).map((m) => m.to)).toEqual([[team.programManager.email]]);
  });
});
