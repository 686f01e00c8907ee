import type { Page } from 'playwright-core';

/**
 * Signing in to the staff pages, in one place: the sign-in mechanism is being replaced, and
 * only these two functions need to follow it.
 */
export async function signInPage(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/sign-in`);
  await page.getByLabel('Your Caseloop access token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/** The session cookie a browser would hold after signing in, for form posts made with fetch. */
export async function signInCookie(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: new URLSearchParams({ token }).toString(),
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 303 || !cookie) throw new Error(`sign-in answered ${res.status}`);
  return cookie;
}

/** A browser's visit to a form: GET it (for its CSRF token), then POST fields as the form would. */
export function formClient(base: string, cookie: string) {
  async function get(path: string): Promise<{ status: number; html: string }> {
    const res = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  }
  async function post(
    path: string,
    fields: Record<string, string> | [string, string][],
    from = path,
  ): Promise<{ status: number; html: string; location: string | null }> {
    const page = await get(from);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
    if (!csrf) throw new Error(`no CSRF token on ${from} (status ${page.status})`);
    const body = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields));
    body.append('_csrf', csrf);
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    return { status: res.status, html: await res.text(), location: res.headers.get('location') };
  }
  return { get, post };
}
