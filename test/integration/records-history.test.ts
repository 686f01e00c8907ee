import { createSendCaseNotification } from '../../src/activities/notifications';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { createMailer } from '../../src/notifications/mailer';
import { caseSteps, type CaseSteps } from '../helpers/case-steps';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createProvider, createTeam } from '../helpers/fixtures';
import { header, sentMail } from '../helpers/mail-log';
import { signedInAs } from '../helpers/sessions';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Issue 12, records that keep their history: decisions, episodes, escalations of closed cases,
 * consent, and what closure pending means for the other clocks. Real API, PostgreSQL, Temporal
 * (time-skipping) and SMTP.
 */
describe('records that keep their history', () => {
  let stack: TestStack;
  let steps: CaseSteps;
  beforeAll(async () => {
    stack = await startTestStack('records-history-test');
    steps = caseSteps(stack.api);
  });
  afterAll(() => stack?.stop());

  type Team = Awaited<ReturnType<typeof createTeam>>;
  interface TimelineItem {
    at: string;
    kind: string;
    summary: string;
    actorId: string | null;
  }
  const timeline = async (base: string, token: string): Promise<TimelineItem[]> =>
    (await stack.api.call('GET', `${base}/timeline`, token)).body.items as TimelineItem[];

  async function closeCase(base: string, team: Team, reason: string, summary: string) {
    const { api } = stack;
    expect(
      (await api.call('POST', `${base}/closure`, team.caseManager.token, { reason, summary })).status,
    ).toBe(200);
    const approved = await api.call('POST', `${base}/closure/decision`, team.supervisor.token, {
      decision: 'approved',
    });
    expect(approved.status).toBe(200);
  }

  it('when a plan is returned twice and then approved, then every submission and decision stays on the timeline with its note', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const { base } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    const plan = await api.call('POST', `${base}/plans`, team.caseManager.token, {
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          targetDate: '2099-01-01',
        },
      ],
    });
    expect(plan.status).toBe(201);
    const path = `${base}/plans/${plan.body.planId}`;
    const submit = async () =>
      expect((await api.call('POST', `${path}/submit`, team.caseManager.token)).status).toBe(200);
    const decide = async (decision: string, note?: string) =>
      expect(
        (
          await api.call('POST', `${path}/decision`, team.supervisor.token, {
            decision,
            ...(note ? { note } : {}),
          })
        ).status,
      ).toBe(200);

    await submit();
    await decide('returned', 'Goals need target dates the client agreed');
    await submit();
    await decide('returned', 'Add the income goal');
    await submit();
    await decide('approved', 'Good plan');

    const planItems = (await timeline(base, team.supervisor.token))
      .filter((i) => i.kind === 'plan.submitted' || i.kind === 'plan.decided')
      .map((i) => `${i.kind} ${i.summary}`);
    expect(planItems).toEqual([
      'plan.submitted Service plan v1 submitted for approval',
      'plan.decided Service plan v1 returned: Goals need target dates the client agreed',
      'plan.submitted Service plan v1 submitted for approval',
      'plan.decided Service plan v1 returned: Add the income goal',
      'plan.submitted Service plan v1 submitted for approval',
      'plan.decided Service plan v1 approved: Good plan',
    ]);
    await expect(
      db.pool.query('DELETE FROM plan_events WHERE plan_id = $1', [plan.body.planId]),
    ).rejects.toThrow(/append-only|permission denied/);
  });

  it('when a closure request is returned with a note and asked for again, then both requests and the note stay on the timeline', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const { base } = await steps.intake(team);
    await api.call('POST', `${base}/closure`, team.caseManager.token, {
      reason: 'goals_met',
      summary: 'Housed.',
    });
    const returned = await api.call('POST', `${base}/closure/decision`, team.supervisor.token, {
      decision: 'returned',
      note: 'Referral to the food bank is still open',
    });
    expect(returned.status).toBe(200);
    const blankNote = await api.call('POST', `${base}/closure/decision`, team.supervisor.token, {
      decision: 'returned',
      note: '   ',
    });
    expect(blankNote).toMatchObject({ status: 400, body: { errors: [{ field: 'body.note' }] } });
    // A return must say what to change: without a note it is refused, as the supervisor's page does.
    const noNote = await api.call('POST', `${base}/closure/decision`, team.supervisor.token, {
      decision: 'returned',
    });
    expect(noNote).toMatchObject({ status: 400, body: { errors: [{ field: 'body.note' }] } });
    await closeCase(base, team, 'moved_away', 'Moved out of area.');

    const closure = (await timeline(base, team.caseManager.token))
      .filter((i) => i.kind.startsWith('case.closure'))
      .map((i) => `${i.kind} ${i.summary}`);
    expect(closure).toEqual([
      'case.closure_requested Case closure requested (goals_met)',
      'case.closure_returned Case closure returned: Referral to the food bank is still open',
      'case.closure_requested Case closure requested (moved_away)',
      'case.closure_approved Case closure approved',
    ]);
  });

  it('when a closed case is reopened and closed again, then each episode keeps its dates, reason and summary', async () => {
    const { api, db, env } = stack;
    const team = await createTeam(db.pool);
    const { base } = await steps.intake(team);
    const firstOpened = (await api.call('GET', base, team.supervisor.token)).body.openedAt as string;
    await closeCase(base, team, 'goals_met', 'Housed and stable.');
    const firstClosed = (await api.call('GET', base, team.supervisor.token)).body.closedAt as string;

    await env.sleep(3 * DAY);
    expect((await api.call('POST', `${base}/reopen`, team.supervisor.token)).status).toBe(200);
    const reopened = await api.call('GET', base, team.supervisor.token);
    expect(reopened.body.episodes).toEqual([
      {
        episode: 1,
        openedAt: firstOpened,
        closedAt: firstClosed,
        closureReason: 'goals_met',
        closureSummary: 'Housed and stable.',
        closedBy: team.supervisor.id,
      },
      {
        episode: 2,
        openedAt: reopened.body.openedAt,
        closedAt: null,
        closureReason: null,
        closureSummary: null,
        closedBy: null,
      },
    ]);
    expect(Date.parse(reopened.body.openedAt)).toBeGreaterThan(Date.parse(firstClosed));

    await closeCase(base, team, 'disengaged', 'No contact for three months.');
    const episodes = (await api.call('GET', base, team.supervisor.token)).body.episodes;
    expect(episodes.map((e: any) => [e.episode, e.closureReason])).toEqual([
      [1, 'goals_met'],
      [2, 'disengaged'],
    ]);
    await expect(
      db.pool.query(`UPDATE case_episodes SET closure_reason = 'x' WHERE case_id = $1`, [reopened.body.id]),
    ).rejects.toThrow(/append-only|permission denied/);
  });

  it('when a case with an open escalation closes, then the escalation is resolved, leaves "my escalations", shows on the timeline and cannot be acknowledged', async () => {
    const { api, db, env, smtp } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await steps.intake(team);
    // No assessment: the supervisor is escalated on the morning of day 21.
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const open = await api.call('GET', '/api/v1/escalations', team.supervisor.token);
    expect(open.body.items).toEqual([expect.objectContaining({ caseId, level: 1, resolvedAt: null })]);
    const escalationId = open.body.items[0].id as string;

    await closeCase(base, team, 'disengaged', 'Client did not return.');

    expect((await api.call('GET', '/api/v1/escalations', team.supervisor.token)).body.items).toEqual([]);
    const all = await api.call('GET', '/api/v1/escalations?includeAcknowledged=true', team.supervisor.token);
    expect(all.body.items).toEqual([
      expect.objectContaining({
        id: escalationId,
        acknowledgedAt: null,
        resolvedAt: expect.any(String),
        resolution: 'case closed',
      }),
    ]);
    const ack = await api.call(
      'POST',
      `/api/v1/escalations/${escalationId}/acknowledge`,
      team.supervisor.token,
    );
    expect(ack).toMatchObject({
      status: 409,
      body: { detail: expect.stringMatching(/resolved .*case closed/) },
    });
    expect((await api.call('GET', base, team.supervisor.token)).body.openEscalations).toEqual([]);
    expect((await timeline(base, team.supervisor.token)).map((i) => `${i.kind} ${i.summary}`)).toContain(
      'escalation.resolved Escalation (level 1) resolved: case closed',
    );

    // The email's acknowledgement link now says it was resolved, and confirming it changes nothing.
    const mail = smtp.messages.find(
      (m) =>
        m.to.includes(team.supervisor.email) && header(m, 'x-caseloop-notification-key').includes(caseId),
    )!;
    const link = /Acknowledge this escalation: (\S+)/.exec(mail.text)?.[1] ?? '';
    const session = await signedInAs(db.pool, team.supervisor, { now: stack.clock() });
    const { cookie } = session;
    const page = await fetch(link, { headers: { cookie } });
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toMatch(/Resolved .*: case closed\. Nothing is left to acknowledge\./);
    expect(body).not.toContain('<button type="submit">Acknowledge</button>');
    // A form post as the browser makes it: this site's Origin and the page's CSRF token.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
    const confirm = await fetch(link, {
      method: 'POST',
      headers: { cookie, origin: new URL(link).origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
      redirect: 'manual',
    });
    expect(confirm.status).toBe(303);
    expect(
      (await db.pool.query('SELECT acknowledged_at FROM escalations WHERE id = $1', [escalationId])).rows,
    ).toEqual([{ acknowledged_at: null }]);
  });

  it('when an escalation step was in flight as its case closed, then it is recorded resolved, never open on a closed case', async () => {
    const { api, db, smtp } = stack;
    const team = await createTeam(db.pool);
    const { caseId, base } = await steps.intake(team);
    await closeCase(base, team, 'goals_met', 'Done.');
    const mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    const send = createSendCaseNotification({
      pool: db.pool,
      mailer,
      publicBaseUrl: api.base,
      linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    });
    const raisedAt = new Date(Date.now() - HOUR).toISOString();
    await send({
      caseId,
      obligationId: 'initial-assessment',
      obligationKind: 'initial_assessment',
      step: 'escalate_supervisor',
      stepId: 'escalate_supervisor',
      n: 0,
      dueAt: raisedAt,
      scheduledFor: raisedAt,
      recipient: 'supervisor',
      recipientStaffId: team.supervisor.id,
    });
    mailer.close();
    const rows = await db.pool.query('SELECT resolved_at, resolution FROM escalations WHERE case_id = $1', [
      caseId,
    ]);
    expect(rows.rows).toEqual([{ resolved_at: expect.any(Date), resolution: 'case closed' }]);
    expect((await api.call('GET', '/api/v1/escalations', team.supervisor.token)).body.items).toEqual([]);
  });

  it('when a client registered without consent consents later, then referrals work; when consent is withdrawn, they are refused again', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const provider = await createProvider(db.pool);
    const opened = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Noor', familyName: 'Haddad' },
    });
    expect(opened.status).toBe(201);
    const base = `/api/v1/cases/${opened.body.id}`;
    const clientId = opened.body.clientId as string;
    const consentPath = `/api/v1/clients/${clientId}/consent`;
    const cm = team.caseManager.token;
    await steps.assess(base, cm);
    const refer = () =>
      api.call('POST', `${base}/referrals`, cm, {
        providerId: provider.id,
        service: 'Housing',
        reason: 'Eviction',
      });

    expect((await refer()).status).toBe(409);

    const future = await api.call('POST', consentPath, cm, { given: true, at: '2999-01-01T00:00:00Z' });
    expect(future).toMatchObject({ status: 422, body: { errors: [{ field: 'body.at' }] } });
    expect((await api.call('POST', consentPath, cm, { given: 'yes' })).status).toBe(400);
    const stranger = await createTeam(db.pool);
    expect((await api.call('POST', consentPath, stranger.caseManager.token, { given: true })).status).toBe(
      404,
    );
    expect(
      Number(
        (await db.pool.query('SELECT count(*) FROM client_consents WHERE client_id = $1', [clientId])).rows[0]
          .count,
      ),
    ).toBe(0);

    const signedOn = new Date(Date.now() - 2 * DAY).toISOString();
    const given = await api.call('POST', consentPath, cm, {
      given: true,
      at: signedOn,
      note: 'Signed the consent form',
    });
    expect(given).toMatchObject({
      status: 201,
      body: {
        clientId,
        given: true,
        at: signedOn,
        note: 'Signed the consent form',
        recordedBy: team.caseManager.id,
      },
    });
    expect((await api.call('GET', `/api/v1/clients/${clientId}`, cm)).body.consentToShare).toBe(true);
    expect((await refer()).status).toBe(201);

    const withdrawn = await api.call('POST', consentPath, cm, {
      given: false,
      note: 'Asked us to stop sharing',
    });
    expect(withdrawn.status).toBe(201);
    expect((await api.call('GET', `/api/v1/clients/${clientId}`, cm)).body.consentToShare).toBe(false);
    expect((await refer()).status).toBe(409);

    const history = await api.call('GET', consentPath, team.supervisor.token);
    expect(history.body.items.map((c: any) => [c.given, c.note, c.recordedBy])).toEqual([
      [true, 'Signed the consent form', team.caseManager.id],
      [false, 'Asked us to stop sharing', team.caseManager.id],
    ]);
    expect(
      (
        await db.pool.query(
          `SELECT count(*) FROM audit_log WHERE entity = 'client_consent' AND actor_id = $1`,
          [team.supervisor.id],
        )
      ).rows[0].count,
    ).toBe('1');
    await expect(
      db.pool.query('DELETE FROM client_consents WHERE client_id = $1', [clientId]),
    ).rejects.toThrow(/append-only|permission denied/);
    expect((await timeline(base, cm)).map((i) => i.kind)).toEqual(
      expect.arrayContaining(['consent.given', 'consent.withdrawn']),
    );
  });

  it('when closure waits for approval, then only closure approval reminders go out; when it is returned, the other clocks resume shifted by the wait', async () => {
    const { api, db, env, smtp } = stack;
    const team = await createTeam(db.pool);
    const provider = await createProvider(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    expect(
      (
        await api.call('POST', `${base}/referrals`, team.caseManager.token, {
          providerId: provider.id,
          service: 'Food bank',
          reason: 'Short of food',
        })
      ).status,
    ).toBe(201);

    await skipTo(env, t0 + 3 * DAY);
    expect(
      (
        await api.call('POST', `${base}/closure`, team.caseManager.token, {
          reason: 'moved_away',
          summary: 'Moving out of area.',
        })
      ).status,
    ).toBe(200);
    await skipTo(env, t0 + 16 * DAY);
    const whileClosing = sentMail(smtp, caseId, t0).map((m) => `${m.when} ${m.to} ${m.subject}`);
    // Besides the referral to its provider and the supervisor being told of the request, only
    // closure approval's ladder runs.
    expect(whileClosing).toEqual([
      `d0 Mon 09:59 ${provider.contactEmail} New referral: Food bank`,
      `d3 Thu 09:59 ${team.supervisor.email} Closure requested for your approval`,
      `d10 Thu 10:00 ${team.supervisor.email} Closure approval due now`,
      `d14 Mon 08:00 ${team.supervisor.email} Closure approval overdue 3 days`,
      `d15 Tue 10:00 ${team.programManager.email} Escalation: closure approval overdue 5 days`,
    ]);

    expect(
      (
        await api.call('POST', `${base}/closure/decision`, team.supervisor.token, {
          decision: 'returned',
          note: 'Not moving after all',
        })
      ).status,
    ).toBe(200);
    await skipTo(env, t0 + 22 * DAY);
    // The referral's response was due on day 7; thirteen days waiting for closure move it to day 20,
    // a Sunday, so it falls due on the next business day.
    expect(
      sentMail(smtp, caseId, t0)
        .slice(5)
        .map((m) => `${m.when} ${m.to} ${m.subject}`),
    ).toEqual([
      expect.stringMatching(
        new RegExp(`^d16 Wed 09:59 ${team.caseManager.email} Closure returned — case C-\\d+ stays open$`),
      ),
      expect.stringMatching(
        new RegExp(`^d21 Mon 10:00 ${team.caseManager.email} Referral response \\(.*\\) due now$`),
      ),
    ]);
    const s = await steps.schedule(base, team.caseManager.token);
    const response = s.obligations.find((o) => o.kind === 'referral_response')!;
    expect(Date.parse(response.dueAt) - t0).toBeGreaterThanOrEqual(21 * DAY);
    expect(Date.parse(response.dueAt) - t0).toBeLessThan(21 * DAY + HOUR);
    expect((await timeline(base, team.caseManager.token)).map((i) => i.summary)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Referral response: closure pending for \d+ min: due /),
      ]),
    );
  });
});
