import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { signAckLink } from '../../src/domain/ack-links';
import { signProviderLink } from '../../src/domain/provider-links';
import { caseSteps, type Team } from '../helpers/case-steps';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createProvider, createTeam } from '../helpers/fixtures';
import { caseMessages, sentMail } from '../helpers/mail-log';
import type { CapturedMail } from '../helpers/smtp';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Providers answer a referral from the link in its email, with no account: the referral email goes
 * when the referral is made, the answer moves the referral's clocks exactly as a case manager's
 * update does, is recorded as the provider's and is told to the case manager. Time-skipping
 * server, real API and worker, real SMTP on loopback.
 */
describe('providers who answer: the referral email, its signed link, the answer page', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('provider-answers-test');
  });
  afterAll(() => stack?.stop());

  const CLIENT_TRACES = /Jordan|Rivera|J\. R\./;
  const policy: ProgramPolicy = { ...DEFAULT_POLICY, referralProviderFollowUp: true };

  async function mailUntil(done: (all: CapturedMail[]) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(stack.smtp.messages)) {
      if (Date.now() > deadline) throw new Error('timed out waiting for email');
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function referredCase(team: Team, provider: { id: string }) {
    const steps = caseSteps(stack.api);
    const opened = await steps.intake(team);
    await steps.assess(opened.base, team.caseManager.token);
    const res = await stack.api.call('POST', `${opened.base}/referrals`, team.caseManager.token, {
      providerId: provider.id,
      service: 'Tenancy support',
      reason: 'Rent arrears since the job loss',
    });
    expect(res.status).toBe(201);
    return { ...opened, referralId: (res.body.referralId ?? res.body.id) as string };
  }

  /** The answer link in a provider email, made relative to the API the test talks to. */
  function linkIn(m: CapturedMail): string {
    const url = /https?:\/\/\S+\/referral-answer\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(m.text)?.[0];
    if (!url) throw new Error(`no answer link in ${m.subject}`);
    return new URL(url).pathname;
  }

  /** A provider's browser: opens the page (getting the form cookie), then sends one of its forms. */
  async function providerBrowser(path: string) {
    const page = await fetch(`${stack.api.base}${path}`, { redirect: 'manual' });
    const html = await page.text();
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const field = /name="_signin" value="([^"]+)"/.exec(html)?.[1] ?? '';
    return {
      status: page.status,
      html,
      async send(form: Record<string, string>, opts: { origin?: string; withCookie?: boolean } = {}) {
        const res = await fetch(`${stack.api.base}${path}`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            origin: opts.origin ?? stack.api.base,
            ...(opts.withCookie === false ? {} : { cookie }),
          },
          body: new URLSearchParams({ _signin: field, ...form }).toString(),
        });
        return { status: res.status, location: res.headers.get('location'), html: await res.text() };
      },
    };
  }

  const referralStatus = async (id: string): Promise<string> =>
    (await stack.db.pool.query<{ status: string }>('SELECT status FROM referrals WHERE id = $1', [id]))
      .rows[0]!.status;

  it('when a referral is made and the provider accepts, schedules and completes it from the link, then the provider gets the referral once, the case manager is told each answer, and the referral’s clocks stop as for a case manager’s update', async () => {
    const { env, db, api, smtp } = stack;
    const team = await createTeam(db.pool, policy);
    const provider = await createProvider(db.pool, 'Harbour Housing Trust');
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, referralId, reference } = await referredCase(team, provider);
    await mailUntil(() => caseMessages(smtp, caseId).length === 1);
    const referralMail = caseMessages(smtp, caseId)[0]!;
    expect(referralMail.to).toEqual([provider.contactEmail]);
    expect(referralMail.subject).toMatch(
      new RegExp(`^New referral: Tenancy support — Program .+, ref ${reference}$`),
    );
    expect(JSON.stringify(referralMail.headers.get('reply-to'))).toContain(team.caseManager.email);
    // General consent only: the reference and the service, no name, not even initials, no reason.
    expect(`${referralMail.subject}\n${referralMail.text}\n${referralMail.html}`).not.toMatch(CLIENT_TRACES);
    expect(referralMail.text).not.toContain('Rent arrears');
    const link = linkIn(referralMail);

    // A mail scanner opening the link changes nothing.
    const opened = await providerBrowser(link);
    expect(opened.status).toBe(200);
    expect(opened.html).toContain('Tenancy support');
    expect(opened.html).not.toMatch(CLIENT_TRACES);
    expect(await referralStatus(referralId)).toBe('sent');

    await skipTo(env, t0 + 2 * DAY);
    const accepted = await opened.send({ answer: 'accept' });
    expect(accepted.status).toBe(303);
    expect(accepted.location).toBe(`${link}?answered=accepted`);
    expect(await referralStatus(referralId)).toBe('accepted');
    await mailUntil(() => caseMessages(smtp, caseId).length === 2);

    await skipTo(env, t0 + 4 * DAY);
    const again = await providerBrowser(link);
    expect((await again.send({ answer: 'schedule', date: '' })).status).toBe(400);
    const scheduled = await again.send({
      answer: 'schedule',
      date: '2030-03-04',
      note: 'First visit at our office',
    });
    expect(scheduled.status).toBe(303);
    await mailUntil(() => caseMessages(smtp, caseId).length === 3);

    await skipTo(env, t0 + 9 * DAY);
    expect((await again.send({ answer: 'outcome', outcome: 'completed' })).status).toBe(303);
    await mailUntil(() => caseMessages(smtp, caseId).length === 4);

    // The link records nothing more after the final outcome: 409 says so.
    const late = await again.send({ answer: 'decline', reason: 'Changed our mind' });
    expect(late.status).toBe(409);
    expect(late.html).toContain('final outcome (completed) is already recorded');
    expect(await referralStatus(referralId)).toBe('completed');

    await skipTo(env, t0 + 30 * DAY);
    // Every email about the referral in a month: no reminder or escalation followed the answers.
    const aboutReferral = sentMail(smtp, caseId, t0).filter((m) => m.obligation.endsWith(referralId));
    expect(aboutReferral.map((m) => `${m.when} ${m.to} ${m.subject}`)).toEqual([
      `d0 Mon 09:59 ${provider.contactEmail} New referral: Tenancy support`,
      `d2 Wed 09:59 ${team.caseManager.email} Harbour Housing Trust accepted the referral (Tenancy support)`,
      `d4 Fri 09:59 ${team.caseManager.email} Harbour Housing Trust scheduled the referral (Tenancy support)`,
      `d9 Wed 09:59 ${team.caseManager.email} Harbour Housing Trust completed the referral (Tenancy support)`,
    ]);
    const scheduledMail = caseMessages(smtp, caseId)[2]!;
    expect(scheduledMail.text).toContain('for 4 Mar 2030');
    expect(scheduledMail.text).toContain('> First visit at our office');

    // On the timeline as the provider's, and in the referral's history with no staff reporter.
    const timeline = await api.call('GET', `/api/v1/cases/${caseId}/timeline`, team.caseManager.token);
    const answers = (timeline.body.items ?? timeline.body) as { kind: string; summary: string }[];
    expect(answers.filter((e) => e.kind.startsWith('referral.')).map((e) => e.summary)).toEqual([
      'Referral to Harbour Housing Trust (Tenancy support): sent',
      'Referral to Harbour Housing Trust (Tenancy support): accepted by the provider',
      // What the provider wrote with an answer (a decline's reason too) stays with it on the timeline.
      'Referral to Harbour Housing Trust (Tenancy support): scheduled by the provider for 2030-03-04: First visit at our office',
      'Referral to Harbour Housing Trust (Tenancy support): completed by the provider',
    ]);
    const schedule = (await api.call('GET', `/api/v1/cases/${caseId}`, team.caseManager.token)).body.schedule;
    const ofReferral = (schedule.obligations as { id: string; metBecause?: string }[]).filter((o) =>
      o.id.endsWith(referralId),
    );
    expect(ofReferral.map((o) => o.metBecause)).toEqual([
      'provider answered (accepted)',
      'referral completed',
    ]);
    const audited = await db.pool.query(
      `SELECT action, detail->>'status' AS status FROM audit_log WHERE actor_kind = 'provider' AND entity_id = $1 AND action = 'update' ORDER BY at`,
      [referralId],
    );
    expect(audited.rows.map((r) => r.status)).toEqual(['accepted', 'scheduled', 'completed']);
  });

  it('when the link is altered, belongs to another purpose or has expired, or the form comes without its cookie or from another site, then nothing is recorded and the page says why', async () => {
    const { env, db, smtp } = stack;
    const team = await createTeam(db.pool, policy);
    const provider = await createProvider(db.pool);
    await startOn(env, 'Tue', '10:00');
    const { caseId, referralId } = await referredCase(team, provider);
    await mailUntil(() => caseMessages(smtp, caseId).length === 1);
    const link = linkIn(caseMessages(smtp, caseId)[0]!);
    const [payload, signature] = link.split('/').pop()!.split('.');

    const altered = await fetch(`${stack.api.base}/referral-answer/${payload}.${signature!.slice(0, -2)}AA`);
    expect(altered.status).toBe(400);
    expect(await altered.text()).toContain('This referral link has been altered');
    const otherPurpose = signAckLink(
      { escalationId: referralId, staffId: provider.id, expiresAt: Date.now() + DAY },
      DEVELOPMENT_LINK_SIGNING_KEY,
    );
    expect((await fetch(`${stack.api.base}/referral-answer/${otherPurpose}`)).status).toBe(400);
    expect((await fetch(`${stack.api.base}/referral-answer/nonsense`)).status).toBe(400);
    const forged = signProviderLink(
      { referralId, providerId: provider.id, expiresAt: Date.now() + 30 * DAY },
      'another key that is long enough to sign links 0123456789',
    );
    expect((await fetch(`${stack.api.base}/referral-answer/${forged}`)).status).toBe(400);

    const page = await providerBrowser(link);
    const noCookie = await page.send({ answer: 'accept' }, { withCookie: false });
    expect(noCookie.status).toBe(403);
    expect(noCookie.html).toContain('nothing was recorded');
    expect((await page.send({ answer: 'accept' }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await page.send({ answer: 'maybe' })).status).toBe(400);
    expect(await referralStatus(referralId)).toBe('sent');

    // 21 days after the email the link no longer works: 410, on a page saying what to do instead.
    await skipTo(env, (await env.currentTimeMs()) + 21 * DAY + HOUR);
    const expired = await fetch(`${stack.api.base}${link}`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('Reply to the email');
    expect((await page.send({ answer: 'accept' })).status).toBe(410);
    expect(await referralStatus(referralId)).toBe('sent');
  });

  const clientOf = async (caseId: string): Promise<string> =>
    (await stack.db.pool.query('SELECT client_id FROM cases WHERE id = $1', [caseId])).rows[0]
      .client_id as string;
  const timelineOf = async (caseId: string, token: string) => {
    const timeline = await stack.api.call('GET', `/api/v1/cases/${caseId}/timeline`, token);
    return (timeline.body.items ?? timeline.body) as { kind: string; summary: string }[];
  };
  const toProvider = (caseId: string, t0: number, provider: { contactEmail: string }) =>
    sentMail(stack.smtp, caseId, t0)
      .filter((m) => m.to === provider.contactEmail)
      .map((m) => `${m.when} ${m.subject}`);

  it('when the client withdraws consent to share after the referral, then the withdrawal reaches the case, the provider follow-up is not sent and the timeline says why', async () => {
    const { env, db, api, smtp } = stack;
    const team = await createTeam(db.pool, policy);
    const provider = await createProvider(db.pool, 'Northside Food Bank');
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, referralId } = await referredCase(team, provider);
    await mailUntil(() => caseMessages(smtp, caseId).length === 1);

    await skipTo(env, t0 + 2 * DAY);
    const withdrawn = await api.call(
      'POST',
      `/api/v1/clients/${await clientOf(caseId)}/consent`,
      team.caseManager.token,
      {
        purpose: 'share_with_providers',
        given: false,
        method: 'verbal',
        note: 'Client asked by phone',
      },
    );
    expect(withdrawn.status).toBe(201);
    await skipTo(env, t0 + 9 * DAY);

    // The case manager is still reminded (the referral still waits); the provider hears nothing more.
    expect(toProvider(caseId, t0, provider)).toEqual([`d0 Mon 09:59 New referral: Tenancy support`]);
    expect(
      sentMail(smtp, caseId, t0)
        .filter((m) => m.obligation.endsWith(referralId))
        .map((m) => `${m.when} ${m.to}`),
    ).toEqual([`d0 Mon 09:59 ${provider.contactEmail}`, `d7 Mon 10:00 ${team.caseManager.email}`]);
    const entries = await timelineOf(caseId, team.caseManager.token);
    expect(
      entries
        .filter((e) => e.kind === 'schedule.skipped' || e.kind.startsWith('consent.'))
        .map((e) => e.summary),
    ).toEqual([
      'Consent to share with providers given',
      'Consent to share with providers withdrawn (verbal)',
      'Referral response: consent withdrawn: sharing with providers; the follow-up to the provider will not be sent',
    ]);
    expect(await referralStatus(referralId)).toBe('sent');
  });

  it('when consent is withdrawn in the record without reaching the case, then the follow-up is checked as it goes, not sent, and the timeline says why', async () => {
    const { env, db, smtp } = stack;
    const team = await createTeam(db.pool, policy);
    const provider = await createProvider(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId } = await referredCase(team, provider);
    await mailUntil(() => caseMessages(smtp, caseId).length === 1);
    // Written behind the services' back: only the check at the moment of sending can stop the email.
    await db.pool.query(
      `INSERT INTO client_consents (client_id, purpose, given, at, note) VALUES ($1, 'share_with_providers', false, $2, 'on paper')`,
      [await clientOf(caseId), new Date(t0 + DAY)],
    );
    await skipTo(env, t0 + 9 * DAY);
    expect(toProvider(caseId, t0, provider)).toEqual([`d0 Mon 09:59 New referral: Tenancy support`]);
    expect(
      (await timelineOf(caseId, team.caseManager.token))
        .filter((e) => e.kind === 'schedule.skipped')
        .map((e) => e.summary),
    ).toEqual([
      'Referral response: consent withdrawn: the client does not consent to sharing with this provider; the follow-up to the provider was not sent',
    ]);
  });

  it('when the client consented to share with the provider by name, then the referral email and the page name the client and why; with general consent only they do not', async () => {
    const { env, db, api, smtp } = stack;
    const team = await createTeam(db.pool, policy);
    const named = await createProvider(db.pool, 'Named Partner');
    const other = await createProvider(db.pool, 'Other Partner');
    await startOn(env, 'Wed', '10:00');
    const steps = caseSteps(api);
    const { caseId, base } = await steps.intake(team);
    const granted = await api.call(
      'POST',
      `/api/v1/clients/${await clientOf(caseId)}/consent`,
      team.caseManager.token,
      {
        purpose: 'share_with_provider',
        providerId: named.id,
        given: true,
        method: 'written',
      },
    );
    expect(granted.status).toBe(201);
    for (const p of [named, other])
      expect(
        (
          await api.call('POST', `${base}/referrals`, team.caseManager.token, {
            providerId: p.id,
            service: 'Food parcels',
            reason: 'Rent arrears since the job loss',
          })
        ).status,
      ).toBe(201);
    await mailUntil(() => caseMessages(smtp, caseId).length === 2);
    const to = (p: { contactEmail: string }) =>
      caseMessages(smtp, caseId).find((m) => m.to.includes(p.contactEmail))!;
    expect(to(named).text).toContain('Client: Jordan Rivera');
    expect(to(named).text).toContain('Why: Rent arrears since the job loss');
    expect(`${to(other).subject}\n${to(other).text}\n${to(other).html}`).not.toMatch(CLIENT_TRACES);
    expect(to(other).text).not.toContain('Rent arrears');
    expect((await providerBrowser(linkIn(to(named)))).html).toContain('Jordan Rivera');
    const otherPage = (await providerBrowser(linkIn(to(other)))).html;
    expect(otherPage).not.toMatch(CLIENT_TRACES);
    expect(otherPage).not.toContain('Rent arrears');
  });
});
