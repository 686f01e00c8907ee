import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { setCookie } from '../../src/api/web/session';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createStaff, type StaffFixture } from '../helpers/fixtures';
import {
  givePassword,
  openPreSessionForm,
  postPreSessionForm,
  signedInAs,
  signInWithPassword,
} from '../helpers/sessions';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';

/**
 * Staff accounts on the real API, PostgreSQL and SMTP: signing in with a password, server-side
 * sessions and their timeouts, invitations and resets, and API tokens for programs. Nothing here
 * needs a workflow, so Temporal is a stand-in that is never called; the API's clock is this test's.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PASSWORD = 'a long and private passphrase';

describe('staff accounts: sign-in, sessions, invitations and tokens', () => {
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let mailer: Mailer;
  let api: TestApi;
  let now = Date.UTC(2030, 0, 7, 9, 0);
  const clock = (): Date => new Date(now);
  const advance = (ms: number): void => {
    now += ms;
  };
  let address = 0;
  /** Each test signs in from its own address, so the per-address limit is only met where meant. */
  let from: Record<string, string>;

  beforeAll(async () => {
    [db, smtp] = await Promise.all([createTestDatabase(), startSmtpCatcher()]);
    mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    api = await startTestApi(db.pool, {} as Client, 'accounts-test', clock, {
      mailer,
      trustProxy: ['loopback'],
    });
  });
  afterAll(async () => {
    await api?.close();
    mailer?.close();
    await smtp?.close();
    await db?.drop();
  });
  beforeEach(() => {
    // Past every rate-limit window of the tests before.
    advance(HOUR);
    address++;
    from = { 'x-forwarded-for': `198.51.100.${address}` };
  });

  const page = (path: string, cookie?: string, init: RequestInit = {}) =>
    fetch(`${api.base}${path}`, {
      redirect: 'manual',
      ...init,
      headers: { ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string>) },
    });
  const sessionRows = (staffId: string) =>
    db.pool
      .query<{ id_hash: string; ended_reason: string | null }>(
        'SELECT id_hash, ended_reason FROM web_sessions WHERE staff_id = $1 ORDER BY created_at, id_hash',
        [staffId],
      )
      .then((r) => r.rows);
  const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
  const signIn = (staff: { email: string }, password = PASSWORD, next = '/escalations') =>
    signInWithPassword(api.base, staff.email, password, next, { headers: from });
  async function personWithPassword(role: StaffFixture['role'] = 'case_manager'): Promise<StaffFixture> {
    const staff = await createStaff(db.pool, role);
    await givePassword(db.pool, staff.id, PASSWORD);
    return staff;
  }
  /** Whether this cookie opens a signed-in page (else the page sends the browser to sign in). */
  const opensPages = async (cookie: string): Promise<boolean> => {
    const res = await page('/escalations', cookie);
    await res.arrayBuffer();
    if (res.status === 200) return true;
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/sign-in?next=%2Fescalations');
    return false;
  };

  describe('signing in', () => {
    it('when the email and password are right, then a fresh session cookie (HttpOnly, SameSite=Lax) opens the pages, and only its hash is stored', async () => {
      const person = await personWithPassword();
      const res = await signIn({ email: person.email.toUpperCase() }, PASSWORD, '/escalations?x=1');
      expect(res.status).toBe(303);
      expect(res.location).toBe('/escalations?x=1');
      const setCookies = res.headers.getSetCookie();
      const session = setCookies.find(
        (c) => c.startsWith('caseloop_session=') && !c.startsWith('caseloop_session=;'),
      )!;
      expect(session).toMatch(
        /^caseloop_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/,
      );
      // The pre-session value has done its job.
      expect(setCookies).toContainEqual(expect.stringMatching(/^caseloop_signin=; .*Max-Age=0/));

      expect(await opensPages(res.cookie!)).toBe(true);
      const id = res.cookie!.split('=')[1]!;
      const rows = await sessionRows(person.id);
      expect(rows).toEqual([{ id_hash: sha256(id), ended_reason: null }]);
      const dump = JSON.stringify((await db.pool.query('SELECT * FROM web_sessions')).rows);
      expect(dump).not.toContain(id);
    });

    it('when the password is wrong, the email unknown, or the person deactivated, then the same "not accepted" answer and no session', async () => {
      const person = await personWithPassword();
      const leaver = await personWithPassword();
      await db.pool.query('UPDATE staff SET active = false WHERE id = $1', [leaver.id]);
      for (const [email, password] of [
        [person.email, 'not the password at all'],
        ['nobody.here@test.caseloop.local', PASSWORD],
        [leaver.email, PASSWORD],
      ] as const) {
        const res = await signIn({ email }, password);
        expect(res.status).toBe(401);
        expect(res.cookie).toBeUndefined();
        expect(res.body).toContain('Email or password not accepted');
        expect(res.body).not.toContain(password);
      }
      expect(await sessionRows(person.id)).toEqual([]);
      expect(await sessionRows(leaver.id)).toEqual([]);
    });

    it('when `next` points off the site, then the sign-in lands on /work instead', async () => {
      const person = await personWithPassword();
      for (const next of ['//evil.test/x', 'https://evil.test/', '/\\evil.test']) {
        expect((await signIn(person, PASSWORD, next)).location).toBe('/work');
      }
    });

    it('when someone signs in while holding a session cookie, then the old session ends and a new id replaces it', async () => {
      const person = await personWithPassword();
      const first = await signIn(person);
      const second = await signInWithPassword(api.base, person.email, PASSWORD, '/escalations', {
        headers: from,
        extraCookie: first.cookie!,
      });
      expect(second.cookie).toBeDefined();
      expect(second.cookie).not.toBe(first.cookie);
      expect(await opensPages(first.cookie!)).toBe(false);
      expect(await opensPages(second.cookie!)).toBe(true);
      expect((await sessionRows(person.id)).map((r) => r.ended_reason).sort()).toEqual(
        [null, 'replaced'].sort(),
      );
    });

    it('when an API token is put in the session cookie, then the pages do not accept it', async () => {
      const person = await personWithPassword();
      expect(await opensPages(`caseloop_session=${person.token}`)).toBe(false);
    });

    it('when GET /api/v1/me is asked with a token, then it names the person the token belongs to', async () => {
      const person = await personWithPassword('supervisor');
      const me = await api.call('GET', '/api/v1/me', person.token);
      expect(me.body).toMatchObject({ id: person.id, email: person.email, role: 'supervisor' });
    });
  });

  describe('login CSRF', () => {
    const post = (body: Record<string, string>, headers: Record<string, string>) =>
      fetch(`${api.base}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...from, ...headers },
        body: new URLSearchParams(body).toString(),
      });

    it('when a sign-in POST lacks the pre-session value, carries another one, or comes from another site, then it is refused and no session is made', async () => {
      const person = await personWithPassword();
      const form = await openPreSessionForm(api.base, '/sign-in');
      expect(form.cookie).toMatch(/^caseloop_signin=[A-Za-z0-9_-]{43}$/);
      const other = await openPreSessionForm(api.base, '/sign-in');
      const credentials = { email: person.email, password: PASSWORD };
      const attempts = [
        // No cookie, no field: a form posted from anywhere but this site's page.
        post(credentials, { origin: api.base }),
        // The field without its cookie.
        post({ ...credentials, _signin: form.field }, { origin: api.base }),
        // Cookie and field from two different page loads.
        post({ ...credentials, _signin: other.field }, { origin: api.base, cookie: form.cookie }),
        // Everything right but sent from another site.
        post({ ...credentials, _signin: form.field }, { origin: 'http://evil.test', cookie: form.cookie }),
        // No Origin and no Referer at all.
        post({ ...credentials, _signin: form.field }, { cookie: form.cookie }),
      ];
      for (const res of await Promise.all(attempts)) {
        expect(res.status).toBe(403);
        expect(res.headers.getSetCookie().filter((c) => c.startsWith('caseloop_session='))).toEqual([]);
        expect(await res.text()).toContain('This form had expired or was sent from another site');
      }
      expect(await sessionRows(person.id)).toEqual([]);

      // The same form, sent properly, signs in: the refusals above were about the form, not the password.
      const ok = await post(
        { ...credentials, _signin: form.field },
        { origin: api.base, cookie: form.cookie },
      );
      expect(ok.status).toBe(303);
    });

    it('when the sign-in page is shown, then its pre-session cookie is HttpOnly, SameSite=Strict and short-lived', async () => {
      const res = await page('/sign-in');
      const set = res.headers.getSetCookie().find((c) => c.startsWith('caseloop_signin='))!;
      expect(set).toMatch(/; Path=\/; HttpOnly; SameSite=Strict; Max-Age=1800$/);
    });

    it('when the site is served over https, then its cookies are Secure and carry the __Host- prefix', () => {
      const https = setCookie('caseloop_session', 'x', {
        publicBaseUrl: 'https://caseloop.example.org',
        maxAgeSeconds: 60,
        sameSite: 'Lax',
      });
      expect(https).toBe('__Host-caseloop_session=x; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure');
    });
  });

  describe('rate limiting', () => {
    it('when an account has had 5 failed sign-ins in 15 minutes, then the 6th attempt (even with the right password) gets 429 saying when to try again', async () => {
      const person = await personWithPassword();
      for (let i = 0; i < 5; i++) expect((await signIn(person, `wrong password ${i}`)).status).toBe(401);
      // From another address too: the limit is the account's.
      from = { 'x-forwarded-for': '203.0.113.99' };
      const limited = await signIn(person);
      expect(limited.status).toBe(429);
      expect(limited.cookie).toBeUndefined();
      expect(Number(limited.headers.get('retry-after'))).toBe(15 * 60);
      expect(limited.body).toContain('Too many attempts');
      expect(limited.body).toMatch(
        /Try again in 15 minutes, after\s+<time datetime="[^"]+">\d\d:\d\d UTC<\/time>/,
      );

      advance(15 * MINUTE);
      expect((await signIn(person)).status).toBe(303);
    });

    it('when one address has had 20 failed sign-ins in 15 minutes, then its next attempt gets 429 while other addresses still sign in', async () => {
      const person = await personWithPassword();
      const failures = Array.from({ length: 20 }, (_, i) =>
        signIn({ email: `guess.${i}@test.caseloop.local` }, 'a guessed password'),
      );
      expect((await Promise.all(failures)).map((r) => r.status)).toEqual(Array(20).fill(401));
      const limited = await signIn(person);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(14 * 60);

      from = { 'x-forwarded-for': '203.0.113.7' };
      expect((await signIn(person)).status).toBe(303);
    });
  });

  describe('sessions', () => {
    it('when a session is left idle for 30 minutes, then it has ended; while used, it lives on', async () => {
      const person = await personWithPassword();
      const { cookie } = await signIn(person);
      for (let i = 0; i < 4; i++) {
        advance(29 * MINUTE);
        expect(await opensPages(cookie!)).toBe(true);
      }
      advance(30 * MINUTE);
      expect(await opensPages(cookie!)).toBe(false);
      expect((await sessionRows(person.id)).map((r) => r.ended_reason)).toEqual(['idle']);
    });

    it('when a session reaches 12 hours, then it ends however active it is', async () => {
      const person = await personWithPassword();
      const { cookie } = await signIn(person);
      for (let elapsed = 0; elapsed < 12 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
        advance(20 * MINUTE);
        expect(await opensPages(cookie!)).toBe(true);
      }
      advance(20 * MINUTE);
      expect(await opensPages(cookie!)).toBe(false);
      expect((await sessionRows(person.id)).map((r) => r.ended_reason)).toEqual(['expired']);
    });

    it('when a page is used within a minute of the last request, then last_seen is not written again', async () => {
      const person = await personWithPassword();
      const session = await signedInAs(db.pool, person, { now: clock() });
      const lastSeen = async () =>
        (
          await db.pool.query('SELECT last_seen_at FROM web_sessions WHERE id_hash = $1', [
            sha256(session.id),
          ])
        ).rows[0].last_seen_at as Date;
      const first = await lastSeen();
      advance(30_000);
      await opensPages(session.cookie);
      expect(await lastSeen()).toEqual(first);
      advance(40_000);
      await opensPages(session.cookie);
      expect((await lastSeen()).getTime()).toBe(now);
    });

    it('when someone signs out, then the session ends on the server: the old cookie opens nothing', async () => {
      const person = await personWithPassword();
      const { cookie } = await signIn(person);
      const csrf = (
        await db.pool.query('SELECT csrf_secret FROM web_sessions WHERE staff_id = $1', [person.id])
      ).rows[0].csrf_secret as string;
      const out = await page('/sign-out', cookie, {
        method: 'POST',
        headers: { origin: api.base, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf }).toString(),
      });
      expect(out.status).toBe(303);
      expect(out.headers.get('location')).toBe('/sign-in?notice=signed-out');
      expect(out.headers.getSetCookie()).toContainEqual(
        expect.stringMatching(/^caseloop_session=; .*Max-Age=0/),
      );
      // A copy of the cookie kept elsewhere no longer works.
      expect(await opensPages(cookie!)).toBe(false);
      expect((await sessionRows(person.id)).map((r) => r.ended_reason)).toEqual(['signed_out']);
      expect(await (await page('/sign-in?notice=signed-out')).text()).toContain('You are signed out.');
    });

    it('when a sign-out form comes without the session’s CSRF token, then the session stays', async () => {
      const person = await personWithPassword();
      const { cookie } = await signIn(person);
      const out = await page('/sign-out', cookie, {
        method: 'POST',
        headers: { origin: api.base, 'content-type': 'application/x-www-form-urlencoded' },
        body: '_csrf=forged',
      });
      expect(out.status).toBe(403);
      expect(await opensPages(cookie!)).toBe(true);
    });

    it('when an admin deactivates someone, then every session of theirs ends at once', async () => {
      const admin = await createStaff(db.pool, 'admin');
      const person = await personWithPassword();
      const [a, b] = [await signIn(person), await signIn(person)];
      expect(await opensPages(a.cookie!)).toBe(true);
      const res = await api.call('POST', `/api/v1/staff/${person.id}/deactivate`, admin.token, {});
      expect(res.status).toBe(200);
      // Ended by the deactivation itself, before either browser comes back.
      expect((await sessionRows(person.id)).map((r) => r.ended_reason)).toEqual([
        'deactivated',
        'deactivated',
      ]);
      expect(await opensPages(a.cookie!)).toBe(false);
      expect(await opensPages(b.cookie!)).toBe(false);
    });
  });

  describe('invitations and password resets', () => {
    /** The link in the newest email to `email`, once it has arrived. */
    async function linkIn(email: string, count: number): Promise<string> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const mails = smtp.messages.filter((m) => m.to.includes(email));
        if (mails.length >= count) return /(http\S+\/password\/\S+)/.exec(mails.at(-1)!.text)![1]!;
        if (Date.now() > deadline) throw new Error(`no email ${count} to ${email}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const setPassword = (link: string, password: string, confirm = password) =>
      postPreSessionForm(api.base, new URL(link).pathname, { password, confirm }, { headers: from });

    it('when an admin invites a new person, then the emailed link lets them choose a password once, signs them in, and they can sign in with it afterwards', async () => {
      const admin = await createStaff(db.pool, 'admin');
      const created = await api.call('POST', '/api/v1/staff', admin.token, {
        email: `new.hire.${address}@test.caseloop.local`,
        fullName: 'New Hire',
        role: 'case_manager',
      });
      const newcomer = created.body as { id: string; email: string };
      const notAdmin = await createStaff(db.pool, 'supervisor');
      expect((await api.call('POST', `/api/v1/staff/${newcomer.id}/invitation`, notAdmin.token)).status).toBe(
        403,
      );

      const invited = await api.call('POST', `/api/v1/staff/${newcomer.id}/invitation`, admin.token);
      expect(invited.status).toBe(202);
      expect(invited.body).toEqual({
        staffId: newcomer.id,
        sentTo: newcomer.email,
        expiresAt: new Date(now + 72 * HOUR).toISOString(),
      });
      const link = await linkIn(newcomer.email, 1);
      expect(link).toMatch(new RegExp(`^${api.base}/password/[A-Za-z0-9_-]{43}$`));
      const mail = smtp.messages.filter((m) => m.to.includes(newcomer.email)).at(-1)!;
      expect(mail.subject).toBe('You are invited to Caseloop');

      const form = await page(new URL(link).pathname);
      expect(form.status).toBe(200);
      expect(form.headers.get('referrer-policy')).toBe('strict-origin');
      expect(await form.text()).toContain('Choose your password');

      // The form's rules: twice the same, long enough, not the email.
      expect((await setPassword(link, 'too short')).status).toBe(400);
      expect((await setPassword(link, PASSWORD, `${PASSWORD}!`)).status).toBe(400);
      expect((await setPassword(link, newcomer.email)).status).toBe(400);

      const done = await setPassword(link, PASSWORD);
      expect(done.status).toBe(303);
      expect(done.headers.get('location')).toBe('/work?notice=password-set');
      const cookie = done.headers
        .getSetCookie()
        .find((c) => c.startsWith('caseloop_session=') && !c.startsWith('caseloop_session=;'))!
        .split(';')[0]!;
      expect(await opensPages(cookie)).toBe(true);

      // Single use.
      const again = await page(new URL(link).pathname);
      expect(again.status).toBe(410);
      expect(await again.text()).toContain('already been used');
      expect((await setPassword(link, 'another long password')).status).toBe(410);

      expect((await signIn(newcomer)).status).toBe(303);
    });

    it('when a link is older than 72 hours, or names nothing, then it is refused with a page that says so', async () => {
      const admin = await createStaff(db.pool, 'admin');
      const person = await createStaff(db.pool, 'case_manager');
      await api.call('POST', `/api/v1/staff/${person.id}/invitation`, admin.token);
      const link = await linkIn(person.email, 1);
      advance(72 * HOUR);
      const expired = await page(new URL(link).pathname);
      expect(expired.status).toBe(410);
      expect(await expired.text()).toContain('This link has expired');
      const unknown = await page('/password/not-a-real-token');
      expect(unknown.status).toBe(400);
      expect(await unknown.text()).toContain('This link is not valid');
    });

    it('when someone asks for a reset, then the answer is the same for an unknown email, and a known one gets a one-hour link that ends their other sessions', async () => {
      const person = await personWithPassword();
      const elsewhere = await signIn(person);
      const ask = async (email: string) => {
        const res = await postPreSessionForm(api.base, '/sign-in/forgot', { email }, { headers: from });
        return { status: res.status, body: (await res.text()).replace(/name="_signin" value="[^"]*"/, '') };
      };
      const known = await ask(person.email);
      const unknown = await ask(`nobody.${address}@test.caseloop.local`);
      expect(known.status).toBe(200);
      expect(unknown).toEqual(known);
      expect(known.body).toContain('Check your email');

      const link = await linkIn(person.email, 1);
      expect(smtp.messages.filter((m) => m.to.includes(`nobody.${address}@`))).toEqual([]);
      const mail = smtp.messages.filter((m) => m.to.includes(person.email)).at(-1)!;
      expect(mail.subject).toBe('Reset your Caseloop password');

      const done = await setPassword(link, 'a brand new passphrase');
      expect(done.status).toBe(303);
      expect(await opensPages(elsewhere.cookie!)).toBe(false);
      expect((await signIn(person)).status).toBe(401);
      expect((await signIn(person, 'a brand new passphrase')).status).toBe(303);

      // A reset link lasts an hour.
      await ask(person.email);
      const second = await linkIn(person.email, 2);
      advance(HOUR);
      expect((await page(new URL(second).pathname)).status).toBe(410);
    });

    it('when reset links are asked for too often, then 429', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await postPreSessionForm(
          api.base,
          '/sign-in/forgot',
          { email: 'someone@test.caseloop.local' },
          { headers: from },
        );
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    });
  });

  describe('API tokens for programs', () => {
    it('when an admin issues a token, then it expires in 90 days by default or when asked (at most a year away)', async () => {
      const admin = await createStaff(db.pool, 'admin');
      const person = await createStaff(db.pool, 'case_manager');
      const plain = await api.call('POST', `/api/v1/staff/${person.id}/tokens`, admin.token, {
        label: 'export',
      });
      expect(plain.status).toBe(201);
      const days = (Date.parse(plain.body.expiresAt as string) - Date.now()) / 86_400_000;
      expect(days).toBeGreaterThan(89.9);
      expect(days).toBeLessThanOrEqual(90);
      const soon = new Date(Date.now() + 7 * 86_400_000).toISOString();
      const chosen = await api.call('POST', `/api/v1/staff/${person.id}/tokens`, admin.token, {
        expiresAt: soon,
      });
      expect(chosen.body.expiresAt).toBe(soon);
      for (const expiresAt of [new Date(Date.now() - 1000), new Date(Date.now() + 400 * 86_400_000)]) {
        const refused = await api.call('POST', `/api/v1/staff/${person.id}/tokens`, admin.token, {
          expiresAt: expiresAt.toISOString(),
        });
        expect(refused.status).toBe(422);
      }
    });

    it('when a token has expired, then it is refused', async () => {
      const person = await createStaff(db.pool, 'case_manager');
      expect((await api.call('GET', '/api/v1/me', person.token)).status).toBe(200);
      await db.pool.query(
        `UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE staff_id = $1`,
        [person.id],
      );
      const refused = await api.call('GET', '/api/v1/me', person.token);
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toMatch(/expired/);
    });

    it('when someone lists and revokes their own tokens, then they see no secrets and a revoked token stops working; others may not touch them unless admin', async () => {
      const admin = await createStaff(db.pool, 'admin');
      const person = await createStaff(db.pool, 'case_manager');
      const colleague = await createStaff(db.pool, 'case_manager');
      const issued = await api.call('POST', `/api/v1/staff/${person.id}/tokens`, admin.token, {
        label: 'reports',
      });
      const program = issued.body as { id: string; token: string };
      expect((await api.call('GET', '/api/v1/me', program.token)).status).toBe(200);

      const listed = await api.call('GET', `/api/v1/staff/${person.id}/tokens`, person.token);
      expect(listed.status).toBe(200);
      expect(listed.body.items).toEqual([
        expect.objectContaining({
          id: program.id,
          label: 'reports',
          revokedAt: null,
          lastUsedAt: expect.any(String),
        }),
        expect.objectContaining({ label: 'test', revokedAt: null }),
      ]);
      expect(JSON.stringify(listed.body)).not.toContain(program.token);
      expect(JSON.stringify(listed.body)).not.toContain(person.token);

      expect((await api.call('GET', `/api/v1/staff/${person.id}/tokens`, colleague.token)).status).toBe(403);
      expect(
        (await api.call('DELETE', `/api/v1/staff/${person.id}/tokens/${program.id}`, colleague.token)).status,
      ).toBe(403);
      expect((await api.call('GET', `/api/v1/staff/${person.id}/tokens`, admin.token)).status).toBe(200);

      const revoked = await api.call(
        'DELETE',
        `/api/v1/staff/${person.id}/tokens/${program.id}`,
        person.token,
      );
      expect(revoked.status).toBe(200);
      expect(revoked.body).toMatchObject({ id: program.id, revokedAt: expect.any(String) });
      expect((await api.call('GET', '/api/v1/me', program.token)).status).toBe(401);
      expect((await api.call('GET', '/api/v1/me', person.token)).status).toBe(200);
      // Another person's token id under this person's path names nothing.
      const theirs = (await api.call('GET', `/api/v1/staff/${colleague.id}/tokens`, admin.token)).body
        .items[0].id;
      expect(
        (await api.call('DELETE', `/api/v1/staff/${person.id}/tokens/${theirs}`, admin.token)).status,
      ).toBe(404);
    });
  });
});
