import type { Pool } from 'pg';
import { hashPassword } from '../../src/domain/passwords';
import { DEFAULT_SESSION_POLICY, startSession, type SessionPolicy } from '../../src/domain/web-sessions';
import { SESSION_COOKIE } from '../../src/api/web/session';

/**
 * Signing in for tests: a session made directly in the database (as a successful sign-in would),
 * so tests about other pages need not drive the sign-in form. The test API is plain http, so the
 * cookie has no `__Host-` prefix.
 */
export interface TestSession {
  /** The session id, as the browser's cookie holds it. */
  id: string;
  /** `caseloop_session=<id>`, for a Cookie header. */
  cookie: string;
  /** The session's CSRF token, for the `_csrf` field of a signed-in form. */
  csrfToken: string;
}

export async function signedInAs(
  pool: Pool,
  staff: { id: string },
  opts: { now?: Date; policy?: SessionPolicy } = {},
): Promise<TestSession> {
  const session = await startSession(
    pool,
    staff.id,
    opts.now ?? new Date(),
    opts.policy ?? DEFAULT_SESSION_POLICY,
  );
  return {
    id: session.id,
    cookie: `${SESSION_COOKIE}=${session.id}`,
    csrfToken: session.csrfSecret,
  };
}

/** The cookie for a Playwright browser context pointed at `base`. */
export function browserCookie(session: TestSession, base: string) {
  return { name: SESSION_COOKIE, value: session.id, url: base, httpOnly: true, sameSite: 'Lax' as const };
}

/** Gives a staff member a password (hashed as the app does), to sign in with through the form. */
export async function givePassword(pool: Pool, staffId: string, password: string): Promise<void> {
  await pool.query(
    `INSERT INTO staff_credentials (staff_id, password_hash) VALUES ($1, $2)
     ON CONFLICT (staff_id) DO UPDATE SET password_hash = EXCLUDED.password_hash`,
    [staffId, await hashPassword(password)],
  );
}

/** The values a pre-session form carries: the cookie the page set and its hidden field. */
export async function openPreSessionForm(
  base: string,
  path: string,
): Promise<{ status: number; html: string; cookie: string; field: string }> {
  const res = await fetch(`${base}${path}`, { redirect: 'manual' });
  const html = await res.text();
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('caseloop_signin='));
  const cookie = setCookie?.split(';')[0] ?? '';
  const field = /name="_signin" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return { status: res.status, html, cookie, field };
}

/** Posts a pre-session form as the browser would: its cookie, its hidden field, this site's Origin. */
export async function postPreSessionForm(
  base: string,
  path: string,
  fields: Record<string, string>,
  opts: { cookie?: string; origin?: string; extraCookie?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const form = await openPreSessionForm(base, path.startsWith('/sign-in') ? '/sign-in' : path);
  const cookies = [opts.cookie ?? form.cookie, opts.extraCookie].filter(Boolean).join('; ');
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: opts.origin ?? base,
      ...(cookies ? { cookie: cookies } : {}),
      ...opts.headers,
    },
    body: new URLSearchParams({ _signin: form.field, ...fields }).toString(),
  });
}

/** Signs in through the real form; the answer carries the session cookie on success. */
export async function signInWithPassword(
  base: string,
  email: string,
  password: string,
  next = '/escalations',
  opts: { headers?: Record<string, string>; extraCookie?: string } = {},
): Promise<{
  status: number;
  location: string | null;
  cookie: string | undefined;
  body: string;
  headers: Headers;
}> {
  const res = await postPreSessionForm(base, '/sign-in', { email, password, next }, opts);
  const cookie = res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`) && !c.startsWith(`${SESSION_COOKIE}=;`))
    ?.split(';')[0];
  return {
    status: res.status,
    location: res.headers.get('location'),
    cookie,
    body: await res.text(),
    headers: res.headers,
  };
}
