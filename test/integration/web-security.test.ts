import { Client } from 'pg';
import { signAckLink } from '../../src/domain/ack-links';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { hashToken } from '../../src/domain/auth';
import { startTestApi, type TestApi } from '../helpers/api';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createProvider, createStaff, createTeam, type StaffFixture } from '../helpers/fixtures';
import { settle } from '../helpers/settle';
import { givePassword, signedInAs, type TestSession } from '../helpers/sessions';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Issue 15's security bars for the staff pages, on the real stack with plain HTTP requests:
 * a state-changing form sent from another site, without its CSRF token, or after its session
 * ended is refused with a page that says so in words, and changes nothing anywhere in the
 * database; every page carries the security headers; cookies are HttpOnly and SameSite, and
 * Secure with the `__Host-` prefix under https.
 *
 * Login CSRF (a sign-in POST without the pre-session value, or from another site, makes no session)
 * is proved in test/integration/accounts.test.ts, "login CSRF"; it is not repeated here.
 */
const MINUTE = 60_000;
const EVIL = 'http://evil.example';
const PASSWORD = 'a long and private passphrase';

/** Every table of the database, each as its row count and a digest of its rows. */
async function snapshot(ownerUrl: string): Promise<Record<string, string>> {
  const db = new Client({ connectionString: ownerUrl });
  await db.connect();
  try {
    const tables = (
      await db.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
      )
    ).rows.map((r) => r.name);
    const out: Record<string, string> = {};
    for (const t of tables) {
      // A session's last-seen time and its end are written when it is used or found ended: only
      // its rows are counted, not compared.
      const digest =
        t === 'web_sessions' ? `'-'` : `md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))`;
      const row = (await db.query(`SELECT count(*)::int AS n, ${digest} AS d FROM ${t} x`)).rows[0];
      out[t] = `${row.n} rows, ${row.d}`;
    }
    return out;
  } finally {
    await db.end();
  }
}

describe('the staff pages refuse forged, tokenless and stale forms, and carry the security headers', () => {
  let stack: TestStack;
  /** The pages, on the stack's database and Temporal, with a clock that can run ahead of the stack's. */
  let web: TestApi;
  /** The same app believing it is served over https. */
  let secure: TestApi;
  let ahead = 0;
  const clock = (): Date => new Date(stack.clock().getTime() + ahead);

  let team: Awaited<ReturnType<typeof createTeam>>;
  let caseId: string;
  let draftCaseId: string;
  /** A case of its own for the hand-over form: sent properly, it leaves the case manager's caseload. */
  let handOverCaseId: string;
  let draftPlanId: string;
  let approvedPlanId: string;
  let goalId: string;
  let referralId: string;
  let noteId: string;
  let escalationId: string;
  let providerId: string;
  let stranger: StaffFixture;
  /** A case manager on the same team: the hand-over form's successor. */
  let colleague: StaffFixture;

  beforeAll(async () => {
    stack = await startTestStack('web-security-test');
    web = await startTestApi(stack.db.pool, stack.env.client, stack.taskQueue, clock);
    secure = await startTestApi(stack.db.pool, stack.env.client, stack.taskQueue, clock, {
      publicBaseUrl: 'https://caseloop.example.org',
    });

    // A case worked for three weeks: assessed, a plan approved and a goal progressed, a referral
    // made and a note written; the referral's missing outcome has been escalated to the supervisor.
    const { env, db, api } = stack;
    team = await createTeam(db.pool);
    const cm = team.caseManager.token;
    const ok = async (status: number, method: string, path: string, token: string, body?: unknown) => {
      const res = await api.call(method, path, token, body);
      if (res.status !== status)
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const t0 = await startOn(env, 'Mon', '10:00');
    const steps = caseSteps(api);
    const opened = await steps.intake(team);
    caseId = opened.caseId;
    await steps.assess(opened.base, cm);
    const plan = await ok(201, 'POST', `${opened.base}/plans`, cm, {
      summary: 'Stabilise housing',
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          targetDate: '2099-01-01',
        },
      ],
    });
    approvedPlanId = plan.planId as string;
    goalId = (plan.goalIds as string[])[0]!;
    await ok(200, 'POST', `${opened.base}/plans/${approvedPlanId}/submit`, cm);
    await ok(200, 'POST', `${opened.base}/plans/${approvedPlanId}/decision`, team.supervisor.token, {
      decision: 'approved',
    });
    await ok(201, 'POST', `${opened.base}/goals/${goalId}/progress`, cm, {
      status: 'in_progress',
      note: 'Viewed a flat',
    });
    providerId = (await createProvider(db.pool, 'Acme Housing Trust')).id;
    referralId = (
      await ok(201, 'POST', `${opened.base}/referrals`, cm, {
        providerId,
        service: 'Emergency housing',
        reason: 'Eviction notice',
      })
    ).id as string;
    noteId = (
      await ok(201, 'POST', `${opened.base}/notes`, cm, { type: 'contact', body: 'Phoned the client.' })
    ).id as string;
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const escalations = (await ok(200, 'GET', opened.base, team.supervisor.token)).openEscalations as {
      id: string;
    }[];
    escalationId = escalations[0]!.id;

    // A second case whose plan is a draft, ready to submit.
    const second = await steps.intake(team);
    draftCaseId = second.caseId;
    await steps.assess(second.base, cm);
    draftPlanId = (
      await ok(201, 'POST', `${second.base}/plans`, cm, {
        goals: [
          {
            domain: 'income',
            description: 'Claim benefits',
            measure: 'Claim made',
            targetDate: '2099-02-01',
          },
        ],
      })
    ).planId as string;
    stranger = await createStaff(db.pool, 'case_manager');
    colleague = await createStaff(db.pool, 'case_manager', { supervisorId: team.supervisor.id });
    await settle(stack, caseId);
    await settle(stack, draftCaseId);
    handOverCaseId = (await steps.intake(team)).caseId;
    await settle(stack, handOverCaseId);
  });
  afterAll(async () => {
    await secure?.close();
    await web?.close();
    await stack?.stop();
  });

  const signIn = (who: { id: string }): Promise<TestSession> =>
    signedInAs(stack.db.pool, who, { now: clock() });

  /**
   * The state-changing forms: each with who sends it and fields that, sent properly, change the
   * record (the last test proves it). `from` is the page the form is on.
   */
  const forms = () =>
    [
      {
        name: 'note',
        who: team.caseManager,
        path: `/cases/${caseId}/notes/new`,
        from: `/cases/${caseId}/notes/new`,
        fields: { type: 'contact', body: 'Met the landlord.' },
      },
      {
        name: 'referral',
        who: team.caseManager,
        path: `/cases/${caseId}/referrals/new`,
        from: `/cases/${caseId}/referrals/new`,
        fields: { providerId, service: 'Rent deposit', reason: 'Deposit for the new flat' },
      },
      {
        name: 'assessment',
        who: team.caseManager,
        path: `/cases/${caseId}/assessments/new`,
        from: `/cases/${caseId}/assessments/new`,
        fields: { kind: 'reassessment', 'scores-housing': '4', summary: 'Settling in.', riskLevel: 'medium' },
      },
      {
        name: 'plan submit',
        who: team.caseManager,
        path: `/cases/${draftCaseId}/plans/${draftPlanId}/submit`,
        from: `/cases/${draftCaseId}/plans/${draftPlanId}`,
        fields: {},
      },
      {
        name: 'intake',
        who: team.caseManager,
        path: '/intake',
        from: '/intake',
        fields: {
          clientId: 'new',
          'client-givenName': 'Ada',
          'client-familyName': 'Okafor',
          programId: team.programId,
          riskLevel: 'low',
        },
      },
      {
        name: 'escalation acknowledge',
        who: team.supervisor,
        path: `/escalations/${escalationId}/acknowledge`,
        from: '/escalations',
        fields: {},
      },
      {
        name: 'hold',
        who: team.caseManager,
        path: `/cases/${caseId}/hold`,
        from: `/cases/${caseId}/hold`,
        fields: { reason: 'Client in hospital' },
      },
      {
        name: 'hand over',
        who: team.supervisor,
        path: `/cases/${handOverCaseId}/reassign`,
        from: `/cases/${handOverCaseId}/reassign`,
        fields: { caseManagerId: colleague.id },
      },
      { name: 'sign-out', who: team.caseManager, path: '/sign-out', from: '/work', fields: {} },
    ] as const;

  async function post(
    app: TestApi,
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string>,
  ): Promise<{ status: number; location: string | null; html: string; cookies: string[] }> {
    const res = await fetch(`${app.base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
    return {
      status: res.status,
      location: res.headers.get('location'),
      html: await res.text(),
      cookies: res.headers.getSetCookie(),
    };
  }

  /** What a person reads on a page: the text of <main>, tags removed, spaces squashed. */
  const words = (html: string): string =>
    (/<main[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1] ?? '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();

  describe('cross-site and tokenless forms', () => {
    it('when a form is sent from another site (foreign Origin; no Origin but a foreign Referer; neither), then 403 with a page saying it came from another site and nothing changed, and nothing in the database changes', async () => {
      for (const form of forms()) {
        const session = await signIn(form.who);
        const valid = { ...form.fields, _csrf: session.csrfToken };
        const attempts: [string, Record<string, string>][] = [
          ['foreign Origin', { origin: EVIL, referer: `${EVIL}/page` }],
          ['foreign Origin, own Referer', { origin: EVIL, referer: `${web.base}${form.from}` }],
          ['no Origin, foreign Referer', { referer: `${EVIL}/page` }],
          ['neither Origin nor Referer', {}],
        ];
        for (const [how, headers] of attempts) {
          const before = await snapshot(stack.db.ownerUrl);
          const res = await post(web, form.path, valid, { cookie: session.cookie, ...headers });
          expect({ form: form.name, how, status: res.status }).toEqual({ form: form.name, how, status: 403 });
          expect(words(res.html)).toContain(
            'This form was sent from another site, so nothing was changed. Form not accepted',
          );
          expect(res.html).toContain('<title>Form not accepted — Caseloop</title>');
          expect(await snapshot(stack.db.ownerUrl)).toEqual(before);
        }
        // The session was not harmed: it still opens pages.
        expect((await fetch(`${web.base}/work`, { headers: { cookie: session.cookie } })).status).toBe(200);
      }
    });

    it('when a form from this site has no CSRF token, a wrong one, or the token of another person’s session, then 403 with a page saying the form had expired and nothing changed, and nothing in the database changes', async () => {
      const other = await signIn(stranger);
      for (const form of forms()) {
        const session = await signIn(form.who);
        const headers = { cookie: session.cookie, origin: web.base, referer: `${web.base}${form.from}` };
        const attempts: [string, Record<string, string>][] = [
          ['no _csrf', { ...form.fields }],
          ['empty _csrf', { ...form.fields, _csrf: '' }],
          ['wrong _csrf', { ...form.fields, _csrf: `${session.csrfToken.slice(0, -2)}xx` }],
          ['another session’s _csrf', { ...form.fields, _csrf: other.csrfToken }],
        ];
        for (const [how, fields] of attempts) {
          const before = await snapshot(stack.db.ownerUrl);
          const res = await post(web, form.path, fields, headers);
          expect({ form: form.name, how, status: res.status }).toEqual({ form: form.name, how, status: 403 });
          expect(words(res.html)).toContain(
            'This form had expired or was incomplete, so nothing was changed. Open the page again and resend it.',
          );
          expect(await snapshot(stack.db.ownerUrl)).toEqual(before);
        }
      }
    });
  });

  describe('forms sent after the session ended', () => {
    /** 303 to sign-in with a warning, back to the form's page afterwards; the cookie is cleared; nothing changes. */
    async function expectSentToSignIn(
      form: ReturnType<typeof forms>[number],
      session: TestSession,
      why: string,
    ): Promise<void> {
      const before = await snapshot(stack.db.ownerUrl);
      const res = await post(
        web,
        form.path,
        { ...form.fields, _csrf: session.csrfToken },
        { cookie: session.cookie, origin: web.base, referer: `${web.base}${form.from}` },
      );
      expect({ form: form.name, why, status: res.status, location: res.location }).toEqual({
        form: form.name,
        why,
        status: 303,
        location: `/sign-in?next=${encodeURIComponent(form.from)}&notice=session-ended`,
      });
      expect(res.cookies).toContainEqual(expect.stringMatching(/^caseloop_session=; .*Max-Age=0/));
      expect(await snapshot(stack.db.ownerUrl)).toEqual(before);

      const signInPage = await fetch(`${web.base}${res.location}`);
      const html = await signInPage.text();
      expect(signInPage.status).toBe(200);
      expect(words(html)).toContain(
        'Sign in Your session had ended, so what you sent was not saved and nothing was changed. Sign in, then send it again.',
      );
      expect(html).toContain('usa-alert--warning');
      // Signing in there leads back to the form's page.
      expect(html).toContain(`name="next" value="${form.from}"`);
    }

    const endedBecause = async (session: TestSession): Promise<string | null> =>
      (
        await stack.db.pool.query<{ ended_reason: string | null }>(
          'SELECT ended_reason FROM web_sessions WHERE id_hash = $1',
          [hashToken(session.id)],
        )
      ).rows[0]!.ended_reason;

    afterEach(() => {
      ahead = 0;
    });

    it('when a session has been idle for 30 minutes, then a form sent with it is not saved: the person is sent to sign in with a warning saying so', async () => {
      const sessions = await Promise.all(forms().map((f) => signIn(f.who)));
      ahead = 30 * MINUTE;
      for (const [i, form] of forms().entries()) {
        await expectSentToSignIn(form, sessions[i]!, 'idle');
        expect(await endedBecause(sessions[i]!)).toBe('idle');
      }
    });

    it('when a session, however active, reaches 12 hours, then a form sent with it is not saved: the person is sent to sign in with a warning saying so', async () => {
      const sessions = await Promise.all(forms().map((f) => signIn(f.who)));
      // In use every 25 minutes, so it never idles out.
      for (ahead = 25 * MINUTE; ahead < 12 * HOUR; ahead += 25 * MINUTE)
        for (const s of sessions)
          expect((await fetch(`${web.base}/escalations`, { headers: { cookie: s.cookie } })).status).toBe(
            200,
          );
      ahead = 12 * HOUR;
      for (const [i, form] of forms().entries()) {
        await expectSentToSignIn(form, sessions[i]!, 'absolute lifetime');
        expect(await endedBecause(sessions[i]!)).toBe('expired');
      }
    });

    it('when someone has signed out, then a form sent with a kept copy of the old cookie and token is not saved: sent to sign in with the same warning', async () => {
      for (const form of forms()) {
        const session = await signIn(form.who);
        const out = await post(
          web,
          '/sign-out',
          { _csrf: session.csrfToken },
          { cookie: session.cookie, origin: web.base },
        );
        expect(out).toMatchObject({ status: 303, location: '/sign-in?notice=signed-out' });
        await expectSentToSignIn(form, session, 'signed out');
        expect(await endedBecause(session)).toBe('signed_out');
      }
    });

    it('when a form comes with no session cookie at all and from another site, then it too is sent to sign in, and what it names as "next" is never the other site', async () => {
      const before = await snapshot(stack.db.ownerUrl);
      const res = await post(
        web,
        `/cases/${caseId}/hold`,
        { reason: 'x' },
        { origin: EVIL, referer: `${EVIL}/x` },
      );
      expect(res).toMatchObject({ status: 303, location: '/sign-in?next=%2Fwork&notice=session-ended' });
      expect(await snapshot(stack.db.ownerUrl)).toEqual(before);
    });
  });

  it('when the same forms are sent properly, then each one changes the record (so the refusals above were about the form, not its fields)', async () => {
    for (const form of forms()) {
      const session = await signIn(form.who);
      const before = await snapshot(stack.db.ownerUrl);
      const res = await post(
        web,
        form.path,
        { ...form.fields, _csrf: session.csrfToken },
        { cookie: session.cookie, origin: web.base, referer: `${web.base}${form.from}` },
      );
      expect({ form: form.name, status: res.status }).toEqual({ form: form.name, status: 303 });
      expect(res.location).not.toMatch(/^\/sign-in\?next/);
      const after = await snapshot(stack.db.ownerUrl);
      const changed = Object.keys(after).filter((t) => t !== 'web_sessions' && after[t] !== before[t]);
      if (form.name === 'sign-out') expect(await signedOut(session)).toBe(true);
      else
        expect({ form: form.name, changed: changed.length > 0 }).toEqual({ form: form.name, changed: true });
      // Nothing writes on its own before the next comparison (an intake opened a case).
      const opened = /^\/cases\/([0-9a-f-]{36})/.exec(res.location ?? '')?.[1];
      for (const id of new Set([caseId, draftCaseId, ...(opened ? [opened] : [])])) await settle(stack, id);
    }
  });

  const signedOut = async (session: TestSession): Promise<boolean> =>
    (await fetch(`${web.base}/work`, { headers: { cookie: session.cookie }, redirect: 'manual' })).status ===
    303;

  describe('security headers', () => {
    /** Every GET page of the page map, as the person it is for sees it. */
    async function pages(): Promise<{ path: string; cookie?: string; status?: number }[]> {
      const cm = (await signIn(team.caseManager)).cookie;
      const sup = (await signIn(team.supervisor)).cookie;
      const admin = await createStaff(stack.db.pool, 'admin');
      const invited = await stack.api.call('POST', '/api/v1/staff', admin.token, {
        email: `invitee.${Date.now()}@test.caseloop.local`,
        fullName: 'Invitee',
        role: 'case_manager',
      });
      expect(invited.status).toBe(201);
      expect(
        (await stack.api.call('POST', `/api/v1/staff/${invited.body.id}/invitation`, admin.token)).status,
      ).toBe(202);
      const link = await invitationLink(invited.body.email as string);
      const ack = signAckLink(
        { escalationId, staffId: team.supervisor.id, expiresAt: clock().getTime() + DAY },
        DEVELOPMENT_LINK_SIGNING_KEY,
      );
      return [
        { path: '/sign-in' },
        { path: '/sign-in?notice=session-ended' },
        { path: '/sign-in/forgot' },
        { path: new URL(link).pathname },
        { path: '/work', cookie: cm },
        { path: '/caseload', cookie: cm },
        { path: '/caseload?q=%3Cscript%3E', cookie: cm },
        { path: '/intake', cookie: cm },
        { path: '/escalations', cookie: sup },
        { path: `/ack/${ack}`, cookie: sup },
        { path: `/cases/${caseId}`, cookie: cm },
        { path: `/cases/${caseId}/assessments/new`, cookie: cm },
        { path: `/cases/${caseId}/plans/${approvedPlanId}`, cookie: cm },
        { path: `/cases/${draftCaseId}/plans/new`, cookie: cm },
        { path: `/cases/${caseId}/goals/${goalId}/progress/new`, cookie: cm },
        { path: `/cases/${caseId}/referrals/new`, cookie: cm },
        { path: `/cases/${caseId}/referrals/${referralId}`, cookie: cm },
        { path: `/cases/${caseId}/notes/new`, cookie: cm },
        { path: `/cases/${caseId}/notes/${noteId}/amend`, cookie: cm },
        { path: `/cases/${caseId}/hold`, cookie: cm },
        { path: `/cases/${caseId}/resume`, cookie: cm },
        { path: `/cases/${caseId}/closure/new`, cookie: cm },
        { path: `/cases/${caseId}/reopen`, cookie: sup },
        { path: `/cases/${handOverCaseId}/reassign`, cookie: sup },
        // Refusals are pages too.
        { path: `/cases/${caseId}`, cookie: (await signIn(stranger)).cookie, status: 404 },
        { path: '/cases/not-a-uuid', cookie: cm, status: 404 },
      ];
    }

    async function invitationLink(email: string): Promise<string> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const mail = stack.smtp.messages.find((m) => m.to.includes(email));
        if (mail) return /(http\S+\/password\/\S+)/.exec(mail.text)![1]!;
        if (Date.now() > deadline) throw new Error(`no invitation to ${email}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }

    function expectPageHeaders(where: string, headers: Headers, https: boolean): void {
      const csp = headers.get('content-security-policy') ?? '';
      const seen = {
        where,
        csp: {
          present: csp.length > 0,
          unsafe: /unsafe-inline|unsafe-eval/.test(csp),
          frameAncestors: /(^|;)\s*frame-ancestors 'none'\s*(;|$)/.test(csp),
          scriptSelfOnly: /(^|;)\s*script-src 'self'\s*(;|$)/.test(csp),
        },
        nosniff: headers.get('x-content-type-options'),
        referrerPolicy: ['same-origin', 'strict-origin', 'no-referrer'].includes(
          headers.get('referrer-policy') ?? '',
        ),
        cacheControl: headers.get('cache-control'),
        poweredBy: headers.get('x-powered-by'),
        hsts: headers.get('strict-transport-security'),
      };
      expect(seen).toEqual({
        where,
        csp: { present: true, unsafe: false, frameAncestors: true, scriptSelfOnly: true },
        nosniff: 'nosniff',
        referrerPolicy: true,
        cacheControl: 'no-store',
        poweredBy: null,
        hsts: https ? 'max-age=31536000; includeSubDomains' : null,
      });
    }

    it('when any page of the page map is opened over http, then it has a strict CSP (no unsafe-inline/eval, frame-ancestors none), nosniff, a Referrer-Policy, no-store, no X-Powered-By, and no HSTS', async () => {
      for (const page of await pages()) {
        const res = await fetch(`${web.base}${page.path}`, {
          headers: page.cookie ? { cookie: page.cookie } : {},
          redirect: 'manual',
        });
        await res.arrayBuffer();
        expect({ path: page.path, status: res.status }).toEqual({
          path: page.path,
          status: page.status ?? 200,
        });
        expectPageHeaders(page.path, res.headers, false);
      }
    });

    it('when the app’s public address is https, then the same pages also carry HSTS', async () => {
      const ps = await pages();
      for (const page of ps) {
        // The https app names its cookie with the __Host- prefix.
        const cookie = page.cookie?.replace(/^caseloop_session=/, '__Host-caseloop_session=');
        const res = await fetch(`${secure.base}${page.path}`, {
          headers: cookie ? { cookie } : {},
          redirect: 'manual',
        });
        await res.arrayBuffer();
        expect({ path: page.path, status: res.status }).toEqual({
          path: page.path,
          status: page.status ?? 200,
        });
        expectPageHeaders(page.path, res.headers, true);
      }
    });

    it('when the JSON API or the codec answers with client data (or refuses), then it says no-store', async () => {
      const cm = team.caseManager.token;
      const admin = await createStaff(stack.db.pool, 'admin');
      const answers = [
        await stack.api.call('GET', `/api/v1/cases/${caseId}`, cm),
        await stack.api.call('GET', `/api/v1/cases/${caseId}/notes`, cm),
        await stack.api.call('GET', '/api/v1/cases?q=rivera', cm),
        await stack.api.call('GET', `/api/v1/cases/${caseId}`),
        await stack.api.call('GET', `/api/v1/cases/${caseId}`, stranger.token),
      ];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 401, 404]);
      for (const a of answers) {
        expect(a.headers.get('cache-control')).toBe('no-store');
        expect(a.headers.get('x-content-type-options')).toBe('nosniff');
        expect(a.headers.get('x-powered-by')).toBeNull();
      }
      const encoded = await stack.api.call('POST', '/codec/encode', admin.token, {
        payloads: [
          {
            metadata: { encoding: Buffer.from('json/plain').toString('base64') },
            data: Buffer.from('"Jordan Rivera"').toString('base64'),
          },
        ],
      });
      expect(encoded.status).toBe(200);
      const decoded = await stack.api.call('POST', '/codec/decode', admin.token, encoded.body);
      expect(decoded.status).toBe(200);
      expect(Buffer.from(decoded.body.payloads[0].data as string, 'base64').toString()).toBe(
        '"Jordan Rivera"',
      );
      expect(decoded.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('cookies', () => {
    it('when someone signs in over http, then the session cookie is HttpOnly and SameSite=Lax, without Secure', async () => {
      const person = await createStaff(stack.db.pool, 'case_manager');
      await givePassword(stack.db.pool, person.id, PASSWORD);
      const cookie = await signInThroughForm(web, person.email, '');
      expect(cookie).toMatch(
        /^caseloop_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/,
      );
    });

    it('when the site is https, then the sign-in and session cookies are Secure, HttpOnly, SameSite and __Host- prefixed, and the unprefixed name signs no one in', async () => {
      const person = await createStaff(stack.db.pool, 'case_manager');
      await givePassword(stack.db.pool, person.id, PASSWORD);
      const cookie = await signInThroughForm(secure, person.email, '__Host-');
      expect(cookie).toMatch(
        /^__Host-caseloop_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure$/,
      );
      const id = cookie.split(';')[0]!.split('=')[1]!;
      const open = (c: string) =>
        fetch(`${secure.base}/work`, { headers: { cookie: c }, redirect: 'manual' }).then((r) => r.status);
      expect(await open(`__Host-caseloop_session=${id}`)).toBe(200);
      // A cookie without the prefix could have been set by a sibling subdomain: not accepted.
      expect(await open(`caseloop_session=${id}`)).toBe(303);
    });

    /** The sign-in form, as a browser fills it: its pre-session cookie and field. Returns the session's Set-Cookie. */
    async function signInThroughForm(app: TestApi, email: string, prefix: string): Promise<string> {
      const form = await fetch(`${app.base}/sign-in`);
      const html = await form.text();
      const pre = form.headers.getSetCookie().find((c) => c.startsWith(`${prefix}caseloop_signin=`))!;
      expect(pre).toMatch(
        new RegExp(`; Path=/; HttpOnly; SameSite=Strict; Max-Age=1800${prefix ? '; Secure' : ''}$`),
      );
      const field = /name="_signin" value="([^"]+)"/.exec(html)![1]!;
      const res = await post(
        app,
        '/sign-in',
        { _signin: field, email, password: PASSWORD, next: '/work' },
        { cookie: pre.split(';')[0]!, origin: app.base },
      );
      expect(res).toMatchObject({ status: 303, location: '/work' });
      return res.cookies.find((c) => c.startsWith(`${prefix}caseloop_session=`) && !c.includes('session=;'))!;
    }
  });
});
